using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Verify.State;

namespace Latchkey.Verify.Mdm;

/// <summary>What <see cref="ManagementCredential.Install"/> installed.</summary>
public sealed record InstalledCertificate(string SerialNumber, string Subject, string Issuer, DateTimeOffset NotAfter, int ChainLength);

/// <summary>
/// The app's device-management credential (docs/device-integrations.md): a P-256 management key kept in the state next
/// to the app's other keys, a PKCS#10 request for it (<see cref="CreateSigningRequest"/>, what an MDM's certificate profile
/// sends to the device integration), the certificate installed for it (<see cref="Install"/>), and the management proof
/// the FastPass sign-in presents (<see cref="SignProof"/>): a compact JWS, <c>typ latchkey-mdm+jwt</c>, ES256, with the
/// certificate chain in <c>x5c</c>. A software key: it proves what the MDM installed, not that hardware protects it.
/// </summary>
public sealed class ManagementCredential(VerifyHome home)
{
    public const string TokenType = "latchkey-mdm+jwt";

    /// <summary>How long a proof is valid after it is signed.</summary>
    public static readonly TimeSpan ProofLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A PEM certificate signing request for the management key, made on first use (or anew with <paramref name="newKey"/>,
    /// which also drops an installed certificate). <paramref name="subject"/> defaults to <c>CN=</c> this machine's name.
    /// </summary>
    public string CreateSigningRequest(string? subject, bool newKey, DateTimeOffset now) => home.Update(state =>
    {
        if (state.Management is null || newKey)
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            state.Management = new ManagementRecord
            {
                PrivateKey = Convert.ToBase64String(created.ExportPkcs8PrivateKey()),
                Subject = string.IsNullOrWhiteSpace(subject) ? $"CN={Environment.MachineName}" : subject,
                Created = now,
            };
        }

        X500DistinguishedName name;
        try
        {
            name = new X500DistinguishedName(string.IsNullOrWhiteSpace(subject) ? state.Management.Subject : subject);
        }
        catch (CryptographicException)
        {
            throw new VerifyException(ExitCodes.Usage, $"'{subject}' is not a distinguished name such as CN=laptop-42,O=Example");
        }

        using var key = Key(state.Management);
        return new CertificateRequest(name, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    });

    /// <summary>
    /// Installs the PEM certificate(s) in <paramref name="pem"/> (the management certificate first, then any chain) after
    /// checking the first one certifies this app's management key; anything else is refused and nothing changes.
    /// </summary>
    public InstalledCertificate Install(string pem, DateTimeOffset now) => home.Update(state =>
    {
        var record = state.Management ?? throw new VerifyException(ExitCodes.Failure, "there is no management key: run `latchkey-verify mdm csr` first");
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new VerifyException(ExitCodes.Failure, $"the file holds no readable PEM certificate: {e.Message}");
        }

        if (certificates.Count == 0)
        {
            throw new VerifyException(ExitCodes.Failure, "the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        try
        {
            var leaf = certificates[0];
            using var key = Key(record);
            if (!leaf.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new VerifyException(ExitCodes.Failure,
                    $"the certificate {leaf.SerialNumber} ({leaf.Subject}) is not for this app's management key: it was issued for another request");
            }

            record.Certificates = certificates.Select(c => Convert.ToBase64String(c.RawData)).ToList();
            record.Installed = now;
            return new InstalledCertificate(leaf.SerialNumber, leaf.Subject, leaf.Issuer, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), certificates.Count);
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    });

    /// <summary>
    /// The management proof for a FastPass sign-in: header <c>{"alg":"ES256","typ":"latchkey-mdm+jwt","x5c":[...]}</c>,
    /// claims <c>{nonce, tx, aud, iat, exp}</c> (exp <see cref="ProofLifetime"/> after iat), signed r||s with the management
    /// key (RFC 7515 section 7.1, RFC 7518 section 3.4). Null when no certificate is installed.
    /// </summary>
    public string? SignProof(string nonce, string tx, string aud, DateTimeOffset now)
    {
        var record = home.Load().Management;
        if (record is null || record.Certificates.Count == 0)
        {
            return null;
        }

        var header = new JsonObject
        {
            ["alg"] = "ES256", ["typ"] = TokenType, ["x5c"] = new JsonArray(record.Certificates.Select(c => (JsonNode)c).ToArray()),
        };
        var iat = now.ToUnixTimeSeconds();
        var claims = new JsonObject { ["nonce"] = nonce, ["tx"] = tx, ["aud"] = aud, ["iat"] = iat, ["exp"] = iat + (long)ProofLifetime.TotalSeconds };
        var signingInput = $"{Encode(header)}.{Encode(claims)}";
        using var key = Key(record);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    private static ECDsa Key(ManagementRecord record)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(record.PrivateKey), out _);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            key.Dispose();
            throw new VerifyException(ExitCodes.Home, "the stored management key cannot be read: create a new one with `latchkey-verify mdm csr --new-key`", e);
        }
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
