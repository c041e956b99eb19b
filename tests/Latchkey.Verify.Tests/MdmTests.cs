using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Latchkey.Core.Security;
using Latchkey.Verify.Cli;
using Latchkey.Verify.Mdm;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary><c>mdm csr|install</c> and <see cref="ManagementCredential.SignProof"/> (docs/device-integrations.md), run in-process.</summary>
public sealed class MdmTests : IDisposable
{
    private readonly TestHome test = new();
    private readonly FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private readonly ManagementCaMaterial ca;

    public MdmTests() => ca = ManagementCa.Create("Test MDM", "00otest", time.GetUtcNow().AddDays(-1));

    public void Dispose() => test.Dispose();

    private Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync([.. args, "--home", test.Path], time: time);

    private async Task<string> IssuedFileAsync(string csr)
    {
        var issued = ManagementCa.Issue(ca.CertificatePem, ca.PrivateKeyPkcs8, csr, time.GetUtcNow(), TimeSpan.FromDays(365));
        var file = Path.Combine(Path.GetDirectoryName(test.Path)!, $"cert-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(file, issued.Pem + "\n" + ca.CertificatePem, TestContext.Current.CancellationToken);
        return file;
    }

    [Fact]
    public async Task Csr_prints_a_whole_PEM_request_for_a_P256_management_key_kept_in_the_state_and_reused()
    {
        var first = await RunAsync("mdm", "csr", "--subject", "CN=laptop-42,O=Example");
        Assert.Equal(0, first.Exit);
        Assert.Equal("-----BEGIN CERTIFICATE REQUEST-----", first.OutLines[0]);
        Assert.Equal("-----END CERTIFICATE REQUEST-----", first.OutLines[^1]);
        var request = CertificateRequest.LoadSigningRequestPem(first.Out, HashAlgorithmName.SHA256);
        Assert.Equal("CN=laptop-42, O=Example", request.SubjectName.Name);
        Assert.Equal(256, request.PublicKey.GetECDsaPublicKey()!.KeySize);
        Assert.NotNull(test.Home().Load().Management);

        var again = await RunAsync("mdm", "csr");
        var renewed = await RunAsync("mdm", "csr", "--new-key");
        var key = (string r) => CertificateRequest.LoadSigningRequestPem(r, HashAlgorithmName.SHA256).PublicKey.ExportSubjectPublicKeyInfo();
        Assert.Equal(key(first.Out), key(again.Out));
        Assert.NotEqual(key(first.Out), key(renewed.Out));
    }

    [Fact]
    public async Task Install_stores_the_certificate_for_the_management_key_and_the_proof_verifies_with_it()
    {
        Assert.Null(new ManagementCredential(test.Home()).SignProof("n", "t", "a", time.GetUtcNow()));
        var csr = (await RunAsync("mdm", "csr")).Out;
        var install = await RunAsync("mdm", "install", "--cert", await IssuedFileAsync(csr));
        Assert.Equal(0, install.Exit);
        Assert.StartsWith("Installed management certificate ", install.Out, StringComparison.Ordinal);
        Assert.Equal(2, test.Home().Load().Management!.Certificates.Count);

        var proof = new ManagementCredential(test.Home()).SignProof("nonce-1", "tx-1", "https://org.example", time.GetUtcNow())!;
        using var token = ManagementProofToken.Read(proof, out var problem);
        Assert.True(token is not null, problem);
        Assert.Equal("ES256", token.Algorithm);
        Assert.True(token.SignedByLeaf());
        Assert.Equal(("nonce-1", "tx-1", "https://org.example"), (token.Claim("nonce"), token.Claim("tx"), token.Claim("aud")));
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), token.NumericClaim("iat"));
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds() + 300, token.NumericClaim("exp"));
        Assert.Equal(0, token.FindIssuingCa([ca.CertificatePem], time.GetUtcNow())!.Index);
    }

    [Fact]
    public async Task Install_refuses_a_certificate_for_another_key_or_without_a_key_or_a_file_without_one_and_changes_nothing()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreignCsr = new CertificateRequest("CN=other", other, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var foreignFile = await IssuedFileAsync(foreignCsr);

        var noKey = await RunAsync("mdm", "install", "--cert", foreignFile);
        Assert.Equal(ExitCodes.Failure, noKey.Exit);
        Assert.Contains("there is no management key: run `latchkey-verify mdm csr` first", noKey.Error, StringComparison.Ordinal);

        await RunAsync("mdm", "csr");
        var mismatch = await RunAsync("mdm", "install", "--cert", foreignFile);
        Assert.Equal(ExitCodes.Failure, mismatch.Exit);
        Assert.Contains("is not for this app's management key", mismatch.Error, StringComparison.Ordinal);
        Assert.Empty(test.Home().Load().Management!.Certificates);

        var junk = Path.Combine(Path.GetDirectoryName(test.Path)!, "junk.pem");
        await File.WriteAllTextAsync(junk, "hello", TestContext.Current.CancellationToken);
        var notPem = await RunAsync("mdm", "install", "--cert", junk);
        Assert.NotEqual(0, notPem.Exit);
        Assert.Contains("no PEM certificate", notPem.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, (await RunAsync("mdm", "install", "--cert", junk + ".missing")).Exit);
    }
}
