using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Latchkey.Verify.FastPass;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>
/// The app's side of FastPass (docs/fastpass.md) against a stand-in org (a real HTTP listener serving a JWKS and taking
/// answers): the challenge is answered only when the org signed it, for this org, unexpired, with its verificationUri on
/// the org's origin; the answer is signed by the device key; the loopback listener serves only enrolled orgs' pages.
/// </summary>
public sealed class FastPassTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private readonly TestHome test = new();
    private readonly FakeTimeProvider clock = new(Now);
    private readonly OrgKeyMaterial orgKey = OrgJwt.CreateKey();
    private readonly SoftwareKey deviceKey = SoftwareKey.Create();
    private readonly LocalHttpServer org;
    private readonly AuthenticatorApp app;

    public FastPassTests()
    {
        org = new LocalHttpServer((request, _) => request switch
        {
            "GET /oauth2/v1/keys" => (200, new JsonObject { ["keys"] = new JsonArray(orgKey.PublicJwk.DeepClone()) }.ToJsonString(), null),
            // A stand-in for the IDX of a passwordless sign-in (the real one is tested against the server in Latchkey.Server.Tests).
            "POST /idp/idx/introspect" => (200, Idx(new JsonObject { ["name"] = "launch-authenticator", ["href"] = $"{org!.Url}/idp/idx/authenticators/okta-verify/launch" }), null),
            "POST /idp/idx/authenticators/okta-verify/launch" => (200, Idx(new JsonObject { ["name"] = "device-challenge-poll", ["href"] = $"{org!.Url}/idp/idx/authenticators/poll", ["refresh"] = 100 },
                new JsonObject { ["authenticatorChallenge"] = new JsonObject { ["value"] = new JsonObject { ["challengeRequest"] = Challenge() } } }), null),
            "POST /idp/idx/authenticators/poll" => (200, new JsonObject
            {
                ["version"] = "1.0.0", ["success"] = new JsonObject { ["name"] = "success-redirect" },
                ["user"] = new JsonObject { ["value"] = new JsonObject { ["id"] = "00uAda", ["identifier"] = "ada@example.com" } },
            }.ToJsonString(), r => r.Headers.Add("Set-Cookie", "sid=s3ss10n; Path=/; HttpOnly")),
            _ => (200, """{"version":"1.0.0","factorResult":"SUCCESS"}""", null),
        });
        app = new AuthenticatorApp(test.Home(), clock);
        app.Home.Update(state => state.Accounts.Add(new AccountRecord
        {
            Name = "ada", Kind = AccountRecord.OktaVerifyKind, Org = org.Url, Login = "ada@example.com", UserId = "00uAda",
            Enrollment = new EnrollmentRecord { EnrollmentId = "pfdAda", SignedNonceMethodId = "crpAda", ProofOfPossessionKey = deviceKey.ExportPkcs8() },
        }));
    }

    public void Dispose()
    {
        org.Dispose();
        deviceKey.Dispose();
        test.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Idx(JsonObject remediation, JsonObject? more = null)
    {
        var body = new JsonObject { ["version"] = "1.0.0", ["stateHandle"] = "02handle", ["remediation"] = new JsonObject { ["value"] = new JsonArray(remediation) } };
        foreach (var (name, value) in more ?? [])
        {
            body[name] = value?.DeepClone();
        }

        return body.ToJsonString();
    }

    [Fact]
    public async Task Signin_answers_the_device_challenge_prints_the_user_and_keeps_the_session()
    {
        var run = await CliRun.RunAsync(["--home", test.Path, "signin"], time: clock);
        Assert.True(run.Exit == ExitCodes.Ok, run.Error);
        Assert.Contains($"Signed in as ada@example.com (00uAda) at {org.Url} with FastPass.", run.Out, StringComparison.Ordinal);
        var session = Assert.Single(app.Home.Load().Sessions);
        Assert.Equal("sid=s3ss10n", session.Cookie);
        Assert.Equal(org.Url, session.Org);
        Assert.Equal("00uAda", Answered().Claim("sub"));
    }

    [Fact]
    public async Task Signin_without_an_enrolled_account_says_how_to_enroll_and_fails()
    {
        using var empty = new TestHome();
        var run = await CliRun.RunAsync(["--home", empty.Path, "signin"], time: clock);
        Assert.Equal(ExitCodes.Failure, run.Exit);
        Assert.Contains("latchkey-verify enroll", run.Error, StringComparison.Ordinal);
    }

    private JsonObject Claims(Action<JsonObject>? change = null)
    {
        var claims = new JsonObject
        {
            ["iss"] = org.Url, ["aud"] = "autOv", ["iat"] = Now.ToUnixTimeSeconds(), ["exp"] = Now.AddMinutes(5).ToUnixTimeSeconds(), ["orgId"] = "00oOrg",
            ["nonce"] = "n0nce-" + Guid.NewGuid().ToString("N"), ["transactionId"] = "ftxTx1", ["method"] = "signed_nonce", ["userVerification"] = "preferred",
            ["verificationUri"] = $"{org.Url}/idp/idx/authenticators/autOv/transactions/ftxTx1/verify", ["integrations"] = new JsonArray(),
        };
        change?.Invoke(claims);
        return claims;
    }

    private string Challenge(Action<JsonObject>? change = null, OrgKeyMaterial? key = null)
    {
        using var rsa = OrgJwt.ImportPrivate((key ?? orgKey).Pkcs8)!;
        return OrgJwt.Sign(rsa, (key ?? orgKey).KeyId, "okta-devicebind+jwt", Claims(change));
    }

    private DeviceProof Answered()
    {
        var (request, body) = Assert.Single(org.Received, r => r.Request.Contains("/transactions/", StringComparison.Ordinal));
        Assert.Equal("POST /idp/idx/authenticators/autOv/transactions/ftxTx1/verify", request);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("signed_nonce", (string?)json["method"]);
        var proof = DeviceProof.Read((string?)json["challengeResponse"])!;
        Assert.True(proof.VerifiedBy(deviceKey.PublicJwk().ToJsonString()));
        return proof;
    }

    [Fact]
    public async Task A_challenge_signed_by_the_enrolled_org_is_answered_with_the_device_key()
    {
        var challenge = Challenge();
        var answer = await new FastPassDevice(app).AnswerAsync(challenge, null, Ct);
        Assert.Equal("00uAda", answer.UserId);
        var proof = Answered();
        Assert.Equal(deviceKey.Kid, proof.KeyId);
        Assert.Equal("pfdAda", proof.Claim("iss"));
        Assert.Equal(org.Url, proof.Claim("aud"));
        Assert.Equal("00uAda", proof.Claim("sub"));
        Assert.Equal("ftxTx1", proof.Claim("tx"));
        Assert.Equal((string?)JsonNode.Parse(Base64Url.DecodeFromChars(challenge.Split('.')[1]))!["nonce"], proof.Claim("nonce"));
        Assert.Equal("proofOfPossession", proof.Claim("keyType"));
        Assert.Null(proof.Claims["integrations"]);
    }

    [Fact]
    public async Task A_challenge_signed_by_another_key_expired_or_sending_the_answer_elsewhere_is_not_answered()
    {
        var device = new FastPassDevice(app);
        var stranger = OrgJwt.CreateKey();
        var e = await Assert.ThrowsAsync<VerifyException>(() => device.AnswerAsync(Challenge(key: stranger), null, Ct));
        Assert.Contains("unknown_key", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<VerifyException>(() => device.AnswerAsync(Challenge(c => c["exp"] = Now.AddMinutes(-2).ToUnixTimeSeconds()), null, Ct));
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<VerifyException>(() => device.AnswerAsync(
            Challenge(c => c["verificationUri"] = "http://evil.example/idp/idx/authenticators/a/transactions/t/verify"), null, Ct));
        Assert.Contains("is not on the enrolled org", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<VerifyException>(() => device.AnswerAsync(Challenge(c => c["iss"] = "http://127.0.0.1:1"), null, Ct));
        Assert.Contains("not enrolled with", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<VerifyException>(() => device.AnswerAsync(Challenge(c => c["loginHint"] = "bob@example.com"), null, Ct));
        Assert.Contains("no enrollment here for bob@example.com", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<VerifyException>(() => device.AnswerAsync(Challenge(c => c["userVerification"] = "required"), null, Ct));
        Assert.Equal(ExitCodes.SignInRefused, e.ExitCode);

        Assert.DoesNotContain(org.Received, r => r.Request.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_the_challenge_names_integrations_the_answer_carries_the_management_proof()
    {
        var asked = new List<(string Nonce, string Tx, string Aud)>();
        var device = new FastPassDevice(app, (nonce, tx, aud) =>
        {
            asked.Add((nonce, tx, aud));
            return "proof.jws.here";
        });
        await device.AnswerAsync(Challenge(c => c["integrations"] = new JsonArray(new JsonObject { ["id"] = "dixMdm" })), null, Ct);
        var proof = Answered();
        var integration = Assert.Single(proof.Claims["integrations"]!.AsArray())!;
        Assert.Equal("dixMdm", (string?)integration["id"]);
        Assert.Equal("proof.jws.here", (string?)integration["proof"]);
        var (nonce, tx, aud) = Assert.Single(asked);
        Assert.Equal(proof.Claim("nonce"), nonce);
        Assert.Equal("ftxTx1", tx);
        Assert.Equal(org.Url, aud);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, string? origin, string? body = null,
        Action<HttpRequestMessage>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        headers?.Invoke(request);
        return await http.SendAsync(request, Ct);
    }

    [Fact]
    public async Task The_loopback_listener_serves_probe_and_challenge_to_the_enrolled_org_with_CORS_and_private_network_access()
    {
        var port = LocalHttpServer.FreePort();
        using var listener = LoopbackListener.Start(new FastPassDevice(app), [port]);
        Assert.Equal(port, listener.Port);
        using var http = new HttpClient();
        var loopback = $"http://127.0.0.1:{port}";

        using var probe = await SendAsync(http, HttpMethod.Get, $"{loopback}/probe", org.Url);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(org.Url, probe.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var preflight = await SendAsync(http, HttpMethod.Options, $"{loopback}/challenge", org.Url, headers: r =>
        {
            r.Headers.Add("Access-Control-Request-Method", "POST");
            r.Headers.Add("Access-Control-Request-Headers", "content-type");
            r.Headers.Add("Access-Control-Request-Private-Network", "true");
        });
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("true", preflight.Headers.GetValues("Access-Control-Allow-Private-Network").Single());
        Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal(org.Url, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var answered = await SendAsync(http, HttpMethod.Post, $"{loopback}/challenge", org.Url,
            new JsonObject { ["challengeRequest"] = Challenge() }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Answered();

        using var bad = await SendAsync(http, HttpMethod.Post, $"{loopback}/challenge", org.Url, "{}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_loopback_listener_refuses_pages_of_other_origins_without_any_CORS_header()
    {
        var port = LocalHttpServer.FreePort();
        using var listener = LoopbackListener.Start(new FastPassDevice(app), [port]);
        using var http = new HttpClient();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Options, HttpMethod.Post })
        {
            using var refused = await SendAsync(http, method, $"http://127.0.0.1:{port}/{(method == HttpMethod.Get ? "probe" : "challenge")}", "https://evil.example",
                method == HttpMethod.Post ? new JsonObject { ["challengeRequest"] = Challenge() }.ToJsonString() : null);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        }

        Assert.DoesNotContain(org.Received, r => r.Request.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public void The_loopback_listener_takes_the_next_port_when_one_is_in_use()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;
        var free = LocalHttpServer.FreePort();
        using var listener = LoopbackListener.Start(new FastPassDevice(app), [busy, free]);
        Assert.Equal(free, listener.Port);
        var e = Assert.Throws<VerifyException>(() => LoopbackListener.Start(new FastPassDevice(app), [busy]));
        Assert.Contains("--loopback-port", e.Message, StringComparison.Ordinal);
    }
}
