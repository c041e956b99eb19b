using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Latchkey.Server.Features.DeviceIntegrations;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 12 item 5 (docs/device-integrations.md): device integrations and their CA over the real HTTP pipeline, the
/// certificates issued from CSRs and their revocation, every refusal of the management proof, the whole path with the
/// real <c>latchkey-verify mdm</c> commands, and why a device is only registered.
/// CHROMEOS is kept free of integrations in this class: it is the platform without one.
/// </summary>
public sealed class DeviceIntegrationsTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private ApiClient Api => server.Api;

    private DateTimeOffset Now => server.Time.GetUtcNow();

    private static string Id(JsonObject o) => (string)o["id"]!;

    private async Task<(ECDsa Key, JsonObject Integration, JsonObject Certificate)> IssuedAsync(string platform = "MACOS")
    {
        var integration = await server.CreateIntegrationAsync(platform);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key, integration, await server.IssueCertificateAsync(Id(integration), MdmKit.Csr(key)));
    }

    private static string ProofOf(ECDsa key, JsonObject certificate, JsonObject claims) =>
        MdmKit.Proof(key, [MdmKit.Der((string)certificate["certificate"]!)], claims);

    [Fact]
    public async Task Creating_an_integration_makes_Latchkey_its_CA_and_shows_it_in_the_resource()
    {
        var created = await server.CreateIntegrationAsync("LINUX", "Fleet MDM");
        Wire.AssertId((string?)created["id"], "din");
        Assert.Equal("Fleet MDM", (string?)created["name"]);
        Assert.Equal("LINUX", (string?)created["platform"]);
        Assert.Equal("MDM_CERTIFICATE", (string?)created["type"]);
        Assert.Equal("ACTIVE", (string?)created["status"]);
        Wire.AssertDate(created["created"], "created");
        Wire.AssertDate(created["lastUpdated"], "lastUpdated");
        Assert.Equal(["certificates", "deactivate", "self"], created["_links"]!.AsObject().Select(l => l.Key).Order(StringComparer.Ordinal));

        using var ca = X509Certificate2.CreateFromPem((string)created["metadata"]!["caCertificate"]!);
        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        var usage = ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages;
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage);
        Assert.NotNull(ca.GetECDsaPublicKey());
        Assert.InRange((ca.NotAfter - ca.NotBefore).TotalDays, 3650, 3660);

        var read = (await Api.GetAsync($"/api/v1/device-integrations/{Id(created)}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(ApiResponse.Compact(created), ApiResponse.Compact(read));
        Assert.Contains((await Api.GetAsync("/api/v1/device-integrations")).Expect(HttpStatusCode.OK).Array, i => (string?)i!["id"] == Id(created));
        var sealedKey = await server.WithDbAsync(db => db.DeviceIntegrations.Where(i => i.Id == Id(created)).Select(i => i.SealedCaPrivateKey).SingleAsync());
        Assert.DoesNotContain("PRIVATE", sealedKey, StringComparison.Ordinal);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.platform.add", Id(created)));
    }

    [Theory]
    [InlineData("""{"platform":"MACOS","type":"MDM_CERTIFICATE"}""", "name", "name: The field cannot be left blank")]
    [InlineData("""{"name":"x","platform":"AMIGA","type":"MDM_CERTIFICATE"}""", "platform", "platform: 'AMIGA' is not a platform")]
    [InlineData("""{"name":"x","platform":"MACOS"}""", "type", "type: The field cannot be left blank")]
    [InlineData("""{"name":"x","platform":"MACOS","type":"SCEP"}""", "type", "type: 'SCEP' is not supported")]
    [InlineData("""{"name":"x","platform":"MACOS","type":"MDM_CERTIFICATE","ca":{"certificate":"nope","privateKey":"nope"}}""", "ca.certificate", "ca.certificate: The value is not a PEM certificate")]
    public async Task An_invalid_integration_is_refused_naming_the_field(string body, string field, string cause)
    {
        var error = (await Api.PostAsync("/api/v1/device-integrations", JsonNode.Parse(body))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(field, (string?)error["errorSummary"], StringComparison.Ordinal);
        Assert.Contains(ApiResponse.Causes(error), c => c.StartsWith(cause, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_orgs_own_CA_is_imported_only_when_it_is_a_CA_and_the_key_is_its_own()
    {
        var (caPem, keyPem) = OwnCa(isCa: true);
        var (_, otherKey) = OwnCa(isCa: true);
        var (leafPem, leafKey) = OwnCa(isCa: false);

        var imported = await server.CreateIntegrationAsync("WINDOWS", ca: new JsonObject { ["certificate"] = caPem, ["privateKey"] = keyPem });
        Assert.Equal(MdmKit.Der(caPem), MdmKit.Der((string)imported["metadata"]!["caCertificate"]!));
        Assert.Equal("IMPORTED", (string?)imported["metadata"]!["caSource"]);

        var mismatch = await Api.PostAsync("/api/v1/device-integrations", Body(caPem, otherKey));
        Assert.Contains(ApiResponse.Causes(mismatch.ExpectError(HttpStatusCode.BadRequest, "E0000001")),
            c => c.StartsWith("ca.privateKey: The private key does not belong to the certificate", StringComparison.Ordinal));
        var notCa = await Api.PostAsync("/api/v1/device-integrations", Body(leafPem, leafKey));
        Assert.Contains(ApiResponse.Causes(notCa.ExpectError(HttpStatusCode.BadRequest, "E0000001")),
            c => c.StartsWith("ca.certificate: The certificate is not a CA certificate", StringComparison.Ordinal));

        static JsonObject Body(string certificate, string key) => new()
        {
            ["name"] = "Own CA", ["platform"] = "WINDOWS", ["type"] = "MDM_CERTIFICATE", ["ca"] = new JsonObject { ["certificate"] = certificate, ["privateKey"] = key },
        };
    }

    /// <summary>A self-signed certificate and its PEM key: a CA (basic constraints cA) or not.</summary>
    private (string Certificate, string Key) OwnCa(bool isCa)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Example Corp CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        using var certificate = request.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(5));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    [Fact]
    public async Task A_certificate_is_issued_for_a_CSR_with_client_authentication_for_a_year_and_listed()
    {
        var (key, integration, certificate) = await IssuedAsync();
        using (key)
        {
            Wire.AssertId((string?)certificate["id"], "dmc");
            Assert.Equal("ACTIVE", (string?)certificate["status"]);
            Assert.Equal("CN=device-under-test", (string?)certificate["subject"]);
            using var issued = X509Certificate2.CreateFromPem((string)certificate["certificate"]!);
            Assert.Equal(issued.SerialNumber, (string?)certificate["serialNumber"]);
            Assert.Equal(16, issued.GetSerialNumber().Length);
            Assert.InRange((issued.NotAfter - issued.NotBefore).TotalDays, 364, 366);
            var eku = issued.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
            Assert.Contains(eku.EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
            Assert.False(issued.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            Assert.True(issued.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()));

            var listed = (await Api.GetAsync($"/api/v1/device-integrations/{Id(integration)}/certificates")).Expect(HttpStatusCode.OK).Array;
            Assert.Equal(Id(certificate), (string?)Assert.Single(listed)!["id"]);
            Assert.Single(await IdxSignInTests.EventsAsync(server, "pki.cert.issue", Id(certificate)));
        }
    }

    [Fact]
    public async Task A_bad_CSR_is_refused_naming_csr_bad_PEM_bad_signature_and_unsupported_key()
    {
        var integration = Id(await server.CreateIntegrationAsync());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var good = MdmKit.Csr(key);
        var der = Convert.FromBase64String(string.Concat(good.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        der[^5] ^= 0x01; // inside the signature
        var tampered = $"-----BEGIN CERTIFICATE REQUEST-----\n{Convert.ToBase64String(der)}\n-----END CERTIFICATE REQUEST-----";
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        foreach (var (csr, cause) in new[]
        {
            ("hello", "csr: The value is not a PEM certificate signing request"),
            (tampered, "csr: The request's signature does not verify"),
            (MdmKit.Csr(p384), "csr: The request's key is not supported"),
            ("", "csr: The field cannot be left blank"),
        })
        {
            var error = (await Api.PostAsync($"/api/v1/device-integrations/{integration}/certificates", new JsonObject { ["csr"] = csr }))
                .ExpectError(HttpStatusCode.BadRequest, "E0000001");
            Assert.Equal("Api validation failed: csr", (string?)error["errorSummary"]);
            Assert.Contains(ApiResponse.Causes(error), c => c.StartsWith(cause, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_integration_is_deleted_only_when_deactivated_and_a_deactivated_one_issues_nothing()
    {
        var id = Id(await server.CreateIntegrationAsync("IOS"));
        var refused = (await Api.DeleteAsync($"/api/v1/device-integrations/{id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(refused), c => c.Contains("only a DEACTIVATED integration can be deleted", StringComparison.Ordinal));

        var deactivated = (await Api.PostAsync($"/api/v1/device-integrations/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("DEACTIVATED", (string?)deactivated["status"]);
        Assert.NotNull(deactivated["_links"]!["activate"]);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        (await Api.PostAsync($"/api/v1/device-integrations/{id}/certificates", new JsonObject { ["csr"] = MdmKit.Csr(key) })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var events = await IdxSignInTests.EventsAsync(server, "device.platform.update", id);
        Assert.Equal("Deactivate device management platform", (string?)Assert.Single(events)!["displayMessage"]);

        (await Api.DeleteAsync($"/api/v1/device-integrations/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/device-integrations/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.platform.delete", id));
    }

    [Fact]
    public async Task A_proof_with_an_issued_certificate_is_accepted_then_refused_once_the_certificate_is_revoked()
    {
        var (key, integration, certificate) = await IssuedAsync();
        using (key)
        {
            var proof = ProofOf(key, certificate, MdmKit.Claims(Now));
            var accepted = await server.VerifyAsync("MACOS", proof);
            Assert.True(accepted.Succeeded, accepted.Reason);
            Assert.Equal(Id(integration), accepted.IntegrationId);
            Assert.Equal(Id(certificate), accepted.CertificateId);

            var revoked = (await Api.PostAsync($"/api/v1/device-integrations/{Id(integration)}/certificates/{Id(certificate)}/lifecycle/revoke"))
                .Expect(HttpStatusCode.OK).Object;
            Assert.Equal("REVOKED", (string?)revoked["status"]);
            Wire.AssertDate(revoked["revokedAt"], "revokedAt");
            Assert.Single(await IdxSignInTests.EventsAsync(server, "pki.cert.revoke", Id(certificate)));

            var refused = await server.VerifyAsync("MACOS", proof);
            Assert.False(refused.Succeeded);
            Assert.Equal(ManagementProofFailure.CertificateRevoked, refused.Failure);
            Assert.Contains($"the certificate {(string)certificate["serialNumber"]!} was revoked on", refused.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_an_integration_for_the_platform_or_without_a_proof_or_with_a_malformed_one_the_proof_is_refused()
    {
        var none = await server.VerifyAsync("CHROMEOS", "a.b.c");
        Assert.Equal((ManagementProofFailure.NoIntegration, "no active device integration for CHROMEOS"), (none.Failure, none.Reason));

        await server.CreateIntegrationAsync();
        var missing = await server.VerifyAsync("MACOS", null);
        Assert.Equal((ManagementProofFailure.NoProof, "no management proof was presented"), (missing.Failure, missing.Reason));

        foreach (var (jws, words) in new[] { ("not-a-jws", "not a compact JWS"), ("e30.e30.AA", "typ is not latchkey-mdm+jwt"), ("!!.!!.!!", "cannot be decoded") })
        {
            var malformed = await server.VerifyAsync("MACOS", jws);
            Assert.Equal(ManagementProofFailure.Malformed, malformed.Failure);
            Assert.Contains(words, malformed.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_certificate_from_another_integrations_CA_or_a_foreign_CA_is_refused()
    {
        await server.CreateIntegrationAsync("MACOS");
        var (key, _, linuxCertificate) = await IssuedAsync("LINUX");
        using (key)
        {
            var other = await server.VerifyAsync("MACOS", ProofOf(key, linuxCertificate, MdmKit.Claims(Now)));
            Assert.Equal(ManagementProofFailure.UntrustedCertificate, other.Failure);
            Assert.Contains("was not issued for client authentication by the CA of an active MACOS device integration", other.Reason, StringComparison.Ordinal);

            var foreign = ManagementCa.Create("Elsewhere", "00oelsewhere", Now);
            var issued = ManagementCa.Issue(foreign.CertificatePem, foreign.PrivateKeyPkcs8, MdmKit.Csr(key), Now, TimeSpan.FromDays(30));
            var refused = await server.VerifyAsync("MACOS", MdmKit.Proof(key, [issued.Der, MdmKit.Der(foreign.CertificatePem)], MdmKit.Claims(Now)));
            Assert.Equal(ManagementProofFailure.UntrustedCertificate, refused.Failure);
        }
    }

    [Fact]
    public async Task A_certificate_not_yet_valid_is_refused_and_one_the_CA_signed_outside_Latchkey_is_unknown()
    {
        var (key, _, certificate) = await IssuedAsync();
        using (key)
        {
            var early = await server.VerifyAsync("MACOS", ProofOf(key, certificate, MdmKit.Claims(Now.AddDays(-2))), Now.AddDays(-2));
            Assert.Equal(ManagementProofFailure.CertificateNotYetValid, early.Failure);
            Assert.Contains("is not valid before", early.Reason, StringComparison.Ordinal);
        }

        var (caPem, caKeyPem) = OwnCa(isCa: true);
        await server.CreateIntegrationAsync("ANDROID", ca: new JsonObject { ["certificate"] = caPem, ["privateKey"] = caKeyPem });
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(caKeyPem);
        using var device = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var outside = ManagementCa.Issue(caPem, caKey.ExportPkcs8PrivateKey(), MdmKit.Csr(device), Now, TimeSpan.FromDays(30));
        var unknown = await server.VerifyAsync("ANDROID", MdmKit.Proof(device, [outside.Der], MdmKit.Claims(Now)));
        Assert.Equal(ManagementProofFailure.CertificateUnknown, unknown.Failure);
        Assert.Contains("no record of it", unknown.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proof_signed_with_another_key_or_for_another_challenge_or_expired_is_refused()
    {
        var (key, _, certificate) = await IssuedAsync();
        using var wrongKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using (key)
        {
            var cases = new (string Proof, ManagementProofFailure Failure, string Words)[]
            {
                (ProofOf(wrongKey, certificate, MdmKit.Claims(Now)), ManagementProofFailure.SignatureInvalid, "does not verify with the public key"),
                (ProofOf(key, certificate, MdmKit.Claims(Now, nonce: "other")), ManagementProofFailure.NonceMismatch, "nonce"),
                (ProofOf(key, certificate, MdmKit.Claims(Now, tx: "other")), ManagementProofFailure.TransactionMismatch, "another sign-in transaction"),
                (ProofOf(key, certificate, MdmKit.Claims(Now, aud: "https://evil.example")), ManagementProofFailure.AudienceMismatch, "meant for https://evil.example"),
                (ProofOf(key, certificate, MdmKit.Claims(Now.AddMinutes(-10))), ManagementProofFailure.ProofExpired, "the proof expired at"),
                (ProofOf(key, certificate, MdmKit.Claims(Now, lifetime: TimeSpan.FromHours(2))), ManagementProofFailure.ProofExpired, "lives longer"),
                (ProofOf(key, certificate, MdmKit.Claims(Now.AddMinutes(5))), ManagementProofFailure.ProofExpired, "issued in the future"),
            };
            foreach (var (proof, failure, words) in cases)
            {
                var result = await server.VerifyAsync("MACOS", proof);
                Assert.False(result.Succeeded);
                Assert.Equal(failure, result.Failure);
                Assert.Contains(words, result.Reason, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task End_to_end_the_verify_app_makes_the_CSR_installs_the_certificate_and_its_proof_is_accepted_until_revoked()
    {
        var integration = await server.CreateIntegrationAsync("MACOS", "Jamf");
        var home = Path.Combine(LatchkeyExecutable.TempDirectory(), "verify");
        var csr = await CliAsync("mdm", "csr", "--subject", "CN=ci-laptop", "--home", home);
        Assert.Equal(0, csr.Exit);
        Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", csr.Out, StringComparison.Ordinal);

        var certificate = await server.IssueCertificateAsync(Id(integration), csr.Out);
        Assert.Equal("CN=ci-laptop", (string?)certificate["subject"]);
        var file = Path.Combine(home, "issued.pem");
        await File.WriteAllTextAsync(file, (string)certificate["certificate"]!, TestContext.Current.CancellationToken);
        var install = await CliAsync("mdm", "install", "--cert", file, "--home", home);
        Assert.True(install.Exit == 0, install.Error);
        Assert.Contains((string)certificate["serialNumber"]!, install.Out, StringComparison.Ordinal);

        var credential = new Latchkey.Verify.Mdm.ManagementCredential(new Latchkey.Verify.State.VerifyHome(home));
        var proof = credential.SignProof(MdmKit.Nonce, MdmKit.Tx, MdmKit.Aud, Now)!;
        var accepted = await server.VerifyAsync("MACOS", proof);
        Assert.True(accepted.Succeeded, accepted.Reason);
        Assert.Equal(Id(certificate), accepted.CertificateId);

        (await Api.PostAsync($"/api/v1/device-integrations/{Id(integration)}/certificates/{Id(certificate)}/lifecycle/revoke")).Expect(HttpStatusCode.OK);
        var refused = await server.VerifyAsync("MACOS", credential.SignProof(MdmKit.Nonce, MdmKit.Tx, MdmKit.Aud, Now));
        Assert.Equal(ManagementProofFailure.CertificateRevoked, refused.Failure);
        Assert.Contains("revoked", refused.Reason, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Out, string Error)> CliAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var environment = new CliEnvironment { In = new StringReader(""), Out = output, Error = error };
        var exit = await VerifyCommandLine.RunAsync(args, environment, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_device_is_registered_until_a_FastPass_sign_in_proves_management_and_the_API_says_why_not()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var chromebook = await server.SeedDeviceAsync([user], platform: "CHROMEOS");
        Assert.Equal("no device integration for CHROMEOS", await ReasonAsync(chromebook.Id, user));

        // IOS: no other test of this class leaves an ACTIVE IOS integration, so this one is the oldest.
        var (key, integration, certificate) = await IssuedAsync("IOS");
        var laptop = await server.SeedDeviceAsync([user], platform: "IOS");
        var created = DeviceManagement.Date(DateTimeOffset.Parse((string)integration["created"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal($"no FastPass sign-in since the device integration {(string)integration["name"]!} was created on {created}", await ReasonAsync(laptop.Id, user));

        using (key)
        {
            await RecordAsync(laptop.Id, user, null);
            Assert.Equal($"no management proof presented at the FastPass sign-in on {DeviceManagement.Date(Now)}", await ReasonAsync(laptop.Id, user));

            await RecordAsync(laptop.Id, user, ProofOf(key, certificate, MdmKit.Claims(Now, nonce: "stale")));
            Assert.Equal($"certificate refused at {DeviceManagement.Date(Now)}: the proof answers another challenge (its nonce is not this sign-in's)",
                await ReasonAsync(laptop.Id, user));
            Assert.Equal("FAILURE", (string?)(await IdxSignInTests.EventsAsync(server, "pki.cert.bind", laptop.Id))[^1]!["outcome"]!["result"]);

            await RecordAsync(laptop.Id, user, ProofOf(key, certificate, MdmKit.Claims(Now)));
            var users = (await Api.GetAsync($"/api/v1/devices/{laptop.Id}/users")).Expect(HttpStatusCode.OK).Array;
            Assert.Equal("MANAGED", (string?)users[0]!["managementStatus"]);
            Assert.Null(users[0]!["managementStatusReason"]);
            var bound = (await IdxSignInTests.EventsAsync(server, "pki.cert.bind", laptop.Id))[^1]!;
            Assert.Equal("SUCCESS", (string?)bound["outcome"]!["result"]);
            Assert.Contains(bound["target"]!.AsArray(), t => (string?)t!["id"] == Id(certificate));
        }
    }

    private async Task RecordAsync(string deviceId, string userId, string? proof)
    {
        var orgId = await server.OrgIdAsync();
        await using var scope = server.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var result = await DeviceManagementProof.VerifyAsync(db, orgId, "IOS", proof, MdmKit.Nonce, MdmKit.Tx, MdmKit.Aud, Now, TestContext.Current.CancellationToken);
        await scope.ServiceProvider.GetRequiredService<OrgWrite>().RunAsync(orgId, () => DeviceManagement.RecordManagementResultAsync(db,
            scope.ServiceProvider.GetRequiredService<SystemLogWriter>(), orgId, deviceId, userId, result, Now, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
    }

    /// <summary>The link's <c>managementStatusReason</c>, the same on the device's users and on the user's devices.</summary>
    private async Task<string?> ReasonAsync(string deviceId, string userId)
    {
        var onDevice = (await Api.GetAsync($"/api/v1/devices/{deviceId}/users")).Expect(HttpStatusCode.OK).Array.Single(u => (string?)u!["user"]!["id"] == userId)!;
        var onUser = (await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array.Single(d => (string?)d!["device"]!["id"] == deviceId)!;
        Assert.Equal((string?)onDevice["managementStatusReason"], (string?)onUser["managementStatusReason"]);
        Assert.Equal("NOT_MANAGED", (string?)onDevice["managementStatus"]);
        return (string?)onDevice["managementStatusReason"];
    }
}

/// <summary>Time moves on for this class's server (<see cref="ClockedServerFixture"/>): a management certificate past its year is refused.</summary>
public sealed class ExpiredDeviceIntegrationsTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    [Fact]
    public async Task A_proof_with_a_certificate_past_its_year_is_refused_as_expired()
    {
        var integration = await server.CreateIntegrationAsync("MACOS");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var certificate = await server.IssueCertificateAsync((string)integration["id"]!, MdmKit.Csr(key));
        server.Time.Advance(TimeSpan.FromDays(366));

        var now = server.Time.GetUtcNow();
        var result = await server.VerifyAsync("MACOS", MdmKit.Proof(key, [MdmKit.Der((string)certificate["certificate"]!)], MdmKit.Claims(now)));
        Assert.False(result.Succeeded);
        Assert.Equal(ManagementProofFailure.CertificateExpired, result.Failure);
        Assert.Contains($"the certificate {(string)certificate["serialNumber"]!} expired on", result.Reason, StringComparison.Ordinal);
    }
}
