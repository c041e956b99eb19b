using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// A device as the tests' authenticator app: its own P-256 key, written independently of the server's verifier
/// (JWS by hand over the platform's ECDSA), so the server's checks are tested against what any client would send.
/// </summary>
public sealed class TestDevice(ServerFixture server, string? clientInstanceId = null) : IDisposable
{
    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public string ClientInstanceId { get; } = clientInstanceId ?? "test-" + Guid.NewGuid().ToString("N");
    public string OrgUrl => server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);
    public JsonObject? Enrollment { get; private set; }
    /// <summary>The device's clock (a test server's fake clock, or the real one).</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;
    public string EnrollmentId => (string)Enrollment!["id"]!;
    public string UserId => (string)Enrollment!["user"]!["id"]!;

    public string MethodId(string type) => (string)Enrollment!["methods"]!.AsArray().Single(m => (string?)m!["type"] == type)!["id"]!;

    public JsonObject PublicJwk(ECDsa? key = null)
    {
        var p = (key ?? Key).ExportParameters(false);
        return new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y) };
    }

    public string KeyId()
    {
        var jwk = PublicJwk();
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{jwk["x"]}}","y":"{{jwk["y"]}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>A compact ES256 JWS of <paramref name="claims"/> (iat/exp added from <paramref name="at"/> unless given) by <paramref name="key"/>.</summary>
    public string Sign(JsonObject claims, DateTimeOffset? at = null, ECDsa? key = null, string? kid = null)
    {
        var now = at ?? Clock();
        claims["iat"] ??= now.ToUnixTimeSeconds();
        claims["exp"] ??= now.AddMinutes(2).ToUnixTimeSeconds();
        claims["jti"] ??= Guid.NewGuid().ToString("N");
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = "okta-devicebind+jwt", ["kid"] = kid ?? KeyId() };
        var input = $"{B64(header.ToJsonString())}.{B64(claims.ToJsonString())}";
        var signature = (key ?? Key).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }

    private static string B64(string s) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(s));

    public JsonObject EnrollmentBody(string userId, string displayName = "Test laptop", DateTimeOffset? at = null) => new()
    {
        ["key"] = "okta_verify",
        ["device"] = new JsonObject
        {
            ["clientInstanceId"] = ClientInstanceId, ["displayName"] = displayName, ["platform"] = "LINUX", ["osVersion"] = "6.1.0",
            ["manufacturer"] = "Test", ["model"] = "VM", ["serialNumber"] = "SN-" + ClientInstanceId[^8..], ["secureHardwarePresent"] = false,
        },
        ["keys"] = new JsonObject { ["proofOfPossession"] = PublicJwk() },
        ["proof"] = Sign(new JsonObject { ["iss"] = ClientInstanceId, ["sub"] = userId, ["aud"] = OrgUrl }, at),
    };

    /// <summary>Signs <paramref name="login"/> in through IDX and enrolls this device; returns the enrollment response.</summary>
    public async Task<ApiResponse> EnrollAsync(string login, string password = ServerFixture.Password, Func<string, JsonObject>? body = null)
    {
        using var client = new SignInClient(server);
        var done = (await client.SignInAsync(login, password)).Expect(HttpStatusCode.OK).Object;
        var userId = (string)done["user"]!["value"]!["id"]!;
        var response = await client.PostJsonAsync("/idp/authenticators", body?.Invoke(userId) ?? EnrollmentBody(userId));
        if (response.Status == HttpStatusCode.OK)
        {
            Enrollment = response.Object;
        }

        return response;
    }

    /// <summary>
    /// Enrolls this device with a sign-in's activation link (<c>latchkey-verify://enroll?s=&amp;t=&amp;u=&amp;f=</c>) instead of a
    /// session of its own: the link's token goes in <c>Authorization: OTDT</c>.
    /// </summary>
    public async Task<ApiResponse> EnrollWithLinkAsync(string link)
    {
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(link).Query);
        var response = await server.Api.SendRawAsync(HttpMethod.Post, "/idp/authenticators", EnrollmentBody(query["u"]!).ToJsonString(), query["t"], scheme: "OTDT");
        if (response.Status == HttpStatusCode.OK)
        {
            Enrollment = response.Object;
        }

        return response;
    }

    /// <summary>A request signed by this device (the app's channel, docs/authenticator-app.md §3).</summary>
    public Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonObject? body = null, string? token = null) =>
        server.Api.SendRawAsync(method, path, body?.ToJsonString(), token ?? Sign(new JsonObject { ["iss"] = EnrollmentId, ["aud"] = OrgUrl }), scheme: "DeviceProof");

    public async Task<JsonArray> PendingAsync(int wait = 0) =>
        (await SendAsync(HttpMethod.Get, $"/idp/authenticators/{EnrollmentId}/pending?wait={wait}")).Expect(HttpStatusCode.OK).Array;

    /// <summary>Answers <paramref name="push"/> (one entry of the pending list) as the app does.</summary>
    public Task<ApiResponse> AnswerAsync(JsonObject push, bool approve, int? number = null, Action<JsonObject>? tamper = null, ECDsa? key = null)
    {
        var context = new JsonObject { ["userConsent"] = approve ? "APPROVED" : "DENIED" };
        if (number is not null)
        {
            context["numberChallengeAnswer"] = number;
        }

        var claims = new JsonObject
        {
            ["iss"] = EnrollmentId, ["aud"] = OrgUrl, ["sub"] = UserId, ["tx"] = (string)push["transactionId"]!, ["nonce"] = (string)push["nonce"]!,
            ["methodEnrollmentId"] = (string)push["factorId"]!, ["keyType"] = "proofOfPossession", ["challengeResponseContext"] = context,
        };
        tamper?.Invoke(claims);
        var uri = new Uri((string)push["verificationUri"]!).PathAndQuery;
        return server.Api.SendRawAsync(HttpMethod.Post, uri,
            new JsonObject { ["method"] = "push", ["challengeResponse"] = Sign(claims, key: key) }.ToJsonString(), auth: null);
    }

    public void Dispose() => Key.Dispose();
}
