using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Server.Features.DeviceIntegrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Device integrations for tests: create one, issue a certificate, build proofs by hand and check them as the FastPass sign-in will.</summary>
public static class MdmKit
{
    public const string Nonce = "n-0123456789";
    public const string Tx = "tx-abcdef";
    public const string Aud = "http://localhost/idp/idx/authenticators/poll";

    public static async Task<JsonObject> CreateIntegrationAsync(this ServerFixture server, string platform = "MACOS", string? name = null, JsonObject? ca = null)
    {
        var body = new JsonObject { ["name"] = name ?? "MDM " + ServerFixture.Unique(6), ["platform"] = platform, ["type"] = "MDM_CERTIFICATE" };
        if (ca is not null)
        {
            body["ca"] = ca;
        }

        return (await server.Api.PostAsync("/api/v1/device-integrations", body)).Expect(HttpStatusCode.OK).Object;
    }

    public static async Task<JsonObject> IssueCertificateAsync(this ServerFixture server, string integrationId, string csr) =>
        (await server.Api.PostAsync($"/api/v1/device-integrations/{integrationId}/certificates", new JsonObject { ["csr"] = csr })).Expect(HttpStatusCode.OK).Object;

    public static string Csr(ECDsa key, string subject = "CN=device-under-test") =>
        new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    public static byte[] Der(string pem) => X509Certificate2.CreateFromPem(pem).RawData;

    public static JsonObject Claims(DateTimeOffset now, string nonce = Nonce, string tx = Tx, string aud = Aud, TimeSpan? lifetime = null) => new()
    {
        ["nonce"] = nonce, ["tx"] = tx, ["aud"] = aud, ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.ToUnixTimeSeconds() + (long)(lifetime ?? TimeSpan.FromMinutes(5)).TotalSeconds,
    };

    /// <summary>A proof signed ES256 by <paramref name="key"/> carrying <paramref name="chain"/> in x5c.</summary>
    public static string Proof(ECDsa key, IEnumerable<byte[]> chain, JsonObject claims, string typ = "latchkey-mdm+jwt")
    {
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = typ, ["x5c"] = new JsonArray(chain.Select(c => (JsonNode)Convert.ToBase64String(c)).ToArray()) };
        var input = $"{Encode(header)}.{Encode(claims)}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    public static async Task<string> OrgIdAsync(this ServerFixture server) =>
        await server.WithDbAsync(db => db.Users.Where(u => u.Id == server.Admin.Id).Select(u => u.OrgId).SingleAsync());

    /// <summary>Checks a proof as the FastPass sign-in does, at <paramref name="now"/> (default: the server's clock).</summary>
    public static async Task<ManagementProofResult> VerifyAsync(this ServerFixture server, string platform, string? jws, DateTimeOffset? now = null)
    {
        var orgId = await server.OrgIdAsync();
        var at = now ?? server.Factory.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        return await server.WithDbAsync(db => DeviceManagementProof.VerifyAsync(db, orgId, platform, jws, Nonce, Tx, Aud, at, TestContext.Current.CancellationToken));
    }
}
