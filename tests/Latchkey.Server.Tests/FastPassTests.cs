using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Server.Features.AuthenticatorApp;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.OrgKeys;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.FastPass;
using Latchkey.Verify.State;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// FastPass (issue 12 item 4, okta-api.md §10.5, docs/fastpass.md) over real HTTP: the org's JWKS, the challenge a
/// sign-in issues (passwordless with <c>launch-authenticator</c> / <c>device-challenge-poll</c>, and as a second factor
/// with <c>challenge-poll</c>), the device's signed answer taken once (replays and racing answers refused), every
/// refusal logged with its reason, and the app's own checks of the challenge.
/// </summary>
public sealed class FastPassTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string TwoFactor = "urn:okta:loa:2fa:any";
    private readonly string home = Directory.CreateTempSubdirectory("lk-fastpass-").FullName;
    private string OrgUrl => server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(home, recursive: true);

    private async Task<(TestDevice Device, string Login)> EnrolledAsync()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        return (device, login);
    }

    /// <summary>The authenticator app (latchkey-verify's library) enrolled for a new user, on the server's clock.</summary>
    private async Task<(AuthenticatorApp App, AccountRecord Account)> AppEnrolledAsync()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        var app = new AuthenticatorApp(new VerifyHome(Path.Combine(home, Guid.NewGuid().ToString("N"))), server.Time);
        var account = await app.EnrollAsync(OrgUrl, login, ServerFixture.Password,
            new DeviceDescription("LINUX", "6.1", "FastPass laptop", null, null, null), Ct);
        return (app, account);
    }

    /// <summary>A passwordless sign-in launched: the handle and the <c>device-challenge-poll</c> response.</summary>
    private static async Task<(string Handle, JsonObject Launched)> LaunchAsync(SignInClient client)
    {
        var start = (await client.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK).Object;
        var handle = (string)start["stateHandle"]!;
        var launch = start["remediation"]!["value"]!.AsArray().Single(r => (string?)r!["name"] == "launch-authenticator")!;
        var launched = (await client.IdxAsync(new Uri((string)launch["href"]!).AbsolutePath, new JsonObject { ["stateHandle"] = handle }))
            .Expect(HttpStatusCode.OK).Object;
        return (handle, launched);
    }

    /// <summary>
    /// A sign-in of <paramref name="login"/> that asks for a second factor, past the password: the select response, and the
    /// handle once FastPass (<c>signed_nonce</c>) was chosen with the response that issued its challenge.
    /// </summary>
    private static async Task<(string Handle, JsonObject Select, JsonObject Chosen)> FastPassChosenAsync(SignInClient client, string login)
    {
        var start = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["acr_values"] = TwoFactor })).Expect(HttpStatusCode.OK).Object;
        var handle = (string)start["stateHandle"]!;
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        var select = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        var verifyId = (string)select["authenticators"]!["value"]!.AsArray().Single(a => (string?)a!["key"] == "okta_verify")!["id"]!;
        var chosen = (await client.IdxAsync("/idp/idx/challenge", new JsonObject
        {
            ["authenticator"] = new JsonObject { ["id"] = verifyId, ["methodType"] = "signed_nonce" }, ["stateHandle"] = handle,
        })).Expect(HttpStatusCode.OK).Object;
        return (handle, select, chosen);
    }

    private static string ChallengeOf(JsonObject launched) => (string)launched["authenticatorChallenge"]!["value"]!["challengeRequest"]!;

    private static JsonObject Part(string jwt, int index) => JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[index]))!.AsObject();

    private static Task<ApiResponse> PollAsync(SignInClient client, string handle) =>
        client.IdxAsync("/idp/idx/authenticators/poll", new JsonObject { ["stateHandle"] = handle });

    /// <summary>Sends the answer <paramref name="device"/> would send to <paramref name="challenge"/> (claims tampered by <paramref name="tamper"/>).</summary>
    private Task<ApiResponse> AnswerAsync(TestDevice device, string challenge, ECDsa? key = null, Action<JsonObject>? tamper = null, string? kid = null)
    {
        var (path, body) = Answer(device, challenge, key, tamper, kid);
        return PostAsync(path, body);
    }

    private Task<ApiResponse> PostAsync(string path, string body) => server.Api.SendRawAsync(HttpMethod.Post, path, body, null);

    /// <summary>The verification path and the JSON body of <paramref name="device"/>'s answer to <paramref name="challenge"/>.</summary>
    private static (string Path, string Body) Answer(TestDevice device, string challenge, ECDsa? key = null, Action<JsonObject>? tamper = null, string? kid = null)
    {
        var claims = Part(challenge, 1);
        var answer = new JsonObject
        {
            ["iss"] = device.EnrollmentId, ["aud"] = (string)claims["iss"]!, ["sub"] = device.UserId, ["tx"] = (string)claims["transactionId"]!,
            ["nonce"] = (string)claims["nonce"]!, ["methodEnrollmentId"] = device.MethodId("signed_nonce"), ["keyType"] = "proofOfPossession", ["amr"] = new JsonArray(),
        };
        tamper?.Invoke(answer);
        var body = new JsonObject { ["method"] = "signed_nonce", ["challengeResponse"] = device.Sign(answer, key: key, kid: kid) };
        return (new Uri((string)claims["verificationUri"]!).PathAndQuery, body.ToJsonString());
    }

    private async Task<JsonArray> EventsAsync(string eventType, string targetId) => await IdxSignInTests.EventsAsync(server, eventType, targetId);

    private static string Reason(JsonNode e) => (string)e["outcome"]!["reason"]!;

    [Fact]
    public async Task The_org_serves_its_public_signing_key_as_a_JWKS_without_any_private_member()
    {
        var jwks = (await server.Api.GetAsync("/oauth2/v1/keys")).Expect(HttpStatusCode.OK).Object;
        var key = Assert.Single(jwks["keys"]!.AsArray())!.AsObject();
        Assert.Equal("RSA", (string?)key["kty"]);
        Assert.Equal("RS256", (string?)key["alg"]);
        Assert.Equal("sig", (string?)key["use"]);
        Assert.Equal("AQAB", (string?)key["e"]);
        Assert.Equal(256, Base64Url.DecodeFromChars((string)key["n"]!).Length);
        Assert.False(string.IsNullOrEmpty((string?)key["kid"]));
        Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], key.Select(p => p.Key).Order());
        var sealedKey = await server.WithDbAsync(db => Task.FromResult(db.OrgSigningKeys.Single()));
        Assert.DoesNotContain("PRIVATE", sealedKey.SealedPrivateKey, StringComparison.Ordinal);
        Assert.Equal((string?)key["kid"], sealedKey.Id);
    }

    [Fact]
    public async Task Passwordless_the_first_response_offers_FastPass_and_the_app_signs_in_whoever_it_is_enrolled_for()
    {
        var (app, account) = await AppEnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, launched) = await LaunchAsync(client);
        Assert.Equal(["device-challenge-poll"], SignInClient.RemediationNames(launched));
        var poll = launched["remediation"]!["value"]![0]!;
        Assert.EndsWith("/idp/idx/authenticators/poll", (string)poll["href"]!, StringComparison.Ordinal);
        Assert.Equal("authenticatorChallenge", (string?)poll["relatesTo"]);
        var value = launched["authenticatorChallenge"]!["value"]!;
        Assert.Equal("LOOPBACK", (string?)value["challengeMethod"]);
        Assert.Equal("http://localhost", (string?)value["domain"]);
        Assert.Equal(["6511", "6512", "6513"], value["ports"]!.AsArray().Select(p => (string?)p));
        Assert.Equal(3000, (int)value["probeTimeoutMillis"]!);
        Assert.EndsWith("/idp/idx/authenticators/poll/cancel", (string)value["cancel"]!["href"]!, StringComparison.Ordinal);

        var challenge = ChallengeOf(launched);
        var header = Part(challenge, 0);
        Assert.Equal("okta-devicebind+jwt", (string?)header["typ"]);
        Assert.Equal("RS256", (string?)header["alg"]);
        var claims = Part(challenge, 1);
        Assert.Equal(OrgUrl, (string?)claims["iss"]);
        Assert.Equal("signed_nonce", (string?)claims["method"]);
        Assert.Equal("preferred", (string?)claims["userVerification"]);
        Assert.Null(claims["loginHint"]);
        Assert.Empty(claims["integrations"]!.AsArray());
        Assert.Equal(300, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.True(Base64Url.DecodeFromChars((string)claims["nonce"]!).Length >= 16);
        var authenticatorId = (string)claims["aud"]!;
        Assert.Equal($"{OrgUrl}/idp/idx/authenticators/{authenticatorId}/transactions/{claims["transactionId"]}/verify", (string?)claims["verificationUri"]);

        // Waiting: the poll answers the same step, no session.
        Assert.Equal(["device-challenge-poll"], SignInClient.RemediationNames((await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object));
        Assert.Null(client.SessionCookie);

        var answer = await new FastPassDevice(app).AnswerAsync(challenge, null, Ct);
        Assert.Equal(account.UserId, answer.UserId);
        var done = (await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("success-redirect", (string?)done["success"]!["name"]);
        Assert.Equal(account.UserId, (string?)done["user"]!["value"]!["id"]);
        Assert.NotNull(client.SessionCookie);
        Assert.Equal(account.UserId, (string?)(await client.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK).Object["userId"]);

        var verified = Assert.Single(await EventsAsync("user.authentication.auth_via_mfa", account.UserId!));
        Assert.Equal("SUCCESS", (string?)verified!["outcome"]!["result"]);
        Assert.Equal("proofOfPossession", (string?)verified["debugContext"]!["debugData"]!["keyTypeUsedForAuthentication"]);
        // Two sessions: the password sign-in that enrolled the app, then this one, by the device key.
        var sessions = await EventsAsync("user.session.start", account.UserId!);
        Assert.Equal(["PASSWORD", "JWT"], sessions.Select(e => (string?)e!["authenticationContext"]!["credentialType"]));
        var authenticated = (await EventsAsync("user.authentication.authenticate", account.UserId!)).Last()!;
        Assert.Equal(account.Enrollment!.SignedNonceMethodId, (string?)authenticated["target"]![1]!["id"]);
    }

    [Fact]
    public async Task As_a_second_factor_the_app_is_offered_with_signed_nonce_and_its_answer_completes_the_poll()
    {
        var (device, login) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, select, chosen) = await FastPassChosenAsync(client, login);
        var verify = select["authenticators"]!["value"]!.AsArray().Single(a => (string?)a!["key"] == "okta_verify")!;
        Assert.Contains("signed_nonce", verify["methods"]!.AsArray().Select(m => (string?)m!["type"]));
        Assert.Equal(["challenge-poll", "select-authenticator-authenticate"], SignInClient.RemediationNames(chosen));
        var challengeValue = chosen["currentAuthenticator"]!["value"]!["contextualData"]!["challenge"]!["value"]!;
        Assert.Equal("LOOPBACK", (string?)challengeValue["challengeMethod"]);
        var challenge = (string)challengeValue["challengeRequest"]!;
        Assert.Equal(login, (string?)Part(challenge, 1)["loginHint"]);
        Assert.Equal(device.UserId, (string?)Part(challenge, 1)["userId"]);

        (await AnswerAsync(device, challenge)).Expect(HttpStatusCode.OK);
        var done = (await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("success-redirect", (string?)done["success"]!["name"]);
        Assert.NotNull(client.SessionCookie);
        var verified = Assert.Single(await EventsAsync("user.authentication.auth_via_mfa", device.UserId));
        Assert.Equal("SECOND_FACTOR", (string?)verified!["debugContext"]!["debugData"]!["factorIntent"]);
        device.Dispose();
    }

    [Fact]
    public async Task An_answer_signed_by_another_key_is_refused_logged_and_leaves_the_sign_in_waiting()
    {
        var (device, _) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, launched) = await LaunchAsync(client);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var refused = (await AnswerAsync(device, ChallengeOf(launched), key: stranger)).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Equal("1.0.0", (string?)refused["version"]);
        Assert.Contains("oie.okta_verify.signed_nonce.invalid_signature", SignInClient.MessageKeys(refused));
        Assert.Equal(["device-challenge-poll"], SignInClient.RemediationNames((await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object));
        var failure = Assert.Single(await EventsAsync("user.authentication.auth_via_mfa", device.UserId));
        Assert.Equal("FAILURE", (string?)failure!["outcome"]!["result"]);
        Assert.Equal("invalid_signature", Reason(failure));

        // The nonce was not spent by the refusal: the right key still answers.
        (await AnswerAsync(device, ChallengeOf(launched))).Expect(HttpStatusCode.OK);
        device.Dispose();
    }

    [Fact]
    public async Task A_device_key_of_another_user_cannot_answer_a_second_factor_challenge()
    {
        var (victim, login) = await EnrolledAsync();
        var (attacker, _) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, _, chosen) = await FastPassChosenAsync(client, login);
        var challenge = (string)chosen["currentAuthenticator"]!["value"]!["contextualData"]!["challenge"]!["value"]!["challengeRequest"]!;

        var refused = (await AnswerAsync(attacker, challenge)).Expect(HttpStatusCode.Forbidden).Object;
        Assert.Contains("oie.okta_verify.signed_nonce.wrong_user", SignInClient.MessageKeys(refused));
        Assert.Null((await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object["success"]);
        Assert.Contains(await EventsAsync("user.authentication.auth_via_mfa", victim.UserId), e => Reason(e!) == "wrong_user");
        victim.Dispose();
        attacker.Dispose();
    }

    [Fact]
    public async Task An_answer_after_the_challenge_expired_is_refused()
    {
        var (device, _) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (_, launched) = await LaunchAsync(client);
        server.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var refused = (await AnswerAsync(device, ChallengeOf(launched))).Expect(HttpStatusCode.Gone).Object;
        Assert.Contains("oie.okta_verify.signed_nonce.challenge_expired", SignInClient.MessageKeys(refused));
        Assert.Contains(await EventsAsync("user.authentication.auth_via_mfa", device.UserId), e => Reason(e!) == "challenge_expired");
        device.Dispose();
    }

    [Fact]
    public async Task Passwordless_a_sign_on_policy_that_denies_the_user_keeps_them_out_even_with_a_valid_answer()
    {
        var (app, account) = await AppEnrolledAsync();
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await server.Api.PutAsync($"/api/v1/groups/{group}/users/{account.UserId}", null)).Expect(HttpStatusCode.NoContent);
        var policy = (await server.Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "OKTA_SIGN_ON", ["name"] = "Denied group", ["status"] = "ACTIVE", ["priority"] = 1,
            ["conditions"] = new JsonObject { ["people"] = new JsonObject { ["groups"] = new JsonObject { ["include"] = new JsonArray(group) } } },
        })).Expect(HttpStatusCode.OK).Object;
        (await server.Api.PostAsync($"/api/v1/policies/{policy["id"]}/rules", new JsonObject
        {
            ["type"] = "SIGN_ON", ["name"] = "Deny", ["actions"] = new JsonObject { ["signon"] = new JsonObject { ["access"] = "DENY" } },
        })).Expect(HttpStatusCode.OK);

        using var client = new SignInClient(server);
        var (handle, launched) = await LaunchAsync(client);
        await new FastPassDevice(app).AnswerAsync(ChallengeOf(launched), null, Ct);
        var denied = (await PollAsync(client, handle)).Expect(HttpStatusCode.Forbidden).Object;
        Assert.Contains("errors.E0000006", SignInClient.MessageKeys(denied));
        Assert.Null(denied["success"]);
        Assert.Null(client.SessionCookie);
    }

    [Fact]
    public async Task The_app_measures_its_skew_against_the_server_clock_even_after_the_clock_moved()
    {
        // The server's Date header follows its TimeProvider (not the machine clock), so an app on the server's clock
        // sees no skew however far that clock has moved (another test here moves it past the 300 s allowance).
        server.Time.Advance(TimeSpan.FromMinutes(6));
        var response = await server.Api.Http.GetAsync("/.well-known/openid-configuration", Ct);
        var date = response.Headers.Date ?? throw new InvalidOperationException("no Date header");
        Assert.InRange((date - server.Time.GetUtcNow()).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        var (_, account) = await AppEnrolledAsync();
        Assert.NotNull(account.Enrollment);
    }

    [Fact]
    public async Task A_replayed_answer_is_refused_even_before_the_challenge_expires()
    {
        var (device, _) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (_, launched) = await LaunchAsync(client);
        var (path, body) = Answer(device, ChallengeOf(launched));
        (await PostAsync(path, body)).Expect(HttpStatusCode.OK);
        // The very same request again.
        var replay = await PostAsync(path, body);
        Assert.Contains("oie.okta_verify.signed_nonce.challenge_already_used", SignInClient.MessageKeys(replay.Expect(HttpStatusCode.Conflict).Object));
        device.Dispose();
    }

    [Fact]
    public async Task The_answer_may_come_as_query_parameters_with_the_state_handle()
    {
        var (device, _) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, launched) = await LaunchAsync(client);
        var (path, body) = Answer(device, ChallengeOf(launched));
        var response = (string)JsonNode.Parse(body)!["challengeResponse"]!;
        var query = $"{path}?challengeResponse={Uri.EscapeDataString(response)}&stateHandle={Uri.EscapeDataString(handle)}";
        Assert.Equal("SUCCESS", (string?)(await server.Api.SendRawAsync(HttpMethod.Post, query, null, null)).Expect(HttpStatusCode.OK).Object["factorResult"]);
        Assert.Equal("success-redirect", (string?)(await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object["success"]!["name"]);
        device.Dispose();
    }

    [Fact]
    public async Task Of_two_concurrent_answers_exactly_one_is_taken()
    {
        var (device, _) = await EnrolledAsync();
        for (var round = 0; round < 5; round++)
        {
            using var client = new SignInClient(server);
            var (_, launched) = await LaunchAsync(client);
            var answers = await Task.WhenAll(AnswerAsync(device, ChallengeOf(launched)), AnswerAsync(device, ChallengeOf(launched)));
            Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
            Assert.Single(answers, a => a.Status == HttpStatusCode.Conflict);
        }

        device.Dispose();
    }

    [Fact]
    public async Task A_suspended_or_deactivated_device_cannot_answer()
    {
        var (device, _) = await EnrolledAsync();
        var deviceId = (string)device.Enrollment!["device"]!["id"]!;
        (await server.Api.PostAsync($"/api/v1/devices/{deviceId}/lifecycle/suspend", null)).Expect(HttpStatusCode.NoContent);
        using var client = new SignInClient(server);
        var (handle, launched) = await LaunchAsync(client);
        var refused = (await AnswerAsync(device, ChallengeOf(launched))).Expect(HttpStatusCode.Forbidden).Object;
        Assert.Contains("oie.okta_verify.signed_nonce.device_suspended", SignInClient.MessageKeys(refused));

        // Deactivated, the device's enrollment is gone: its key answers nothing any more.
        (await server.Api.PostAsync($"/api/v1/devices/{deviceId}/lifecycle/deactivate", null)).Expect(HttpStatusCode.NoContent);
        refused = (await AnswerAsync(device, ChallengeOf(launched))).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Contains("oie.okta_verify.signed_nonce.enrollment_not_found", SignInClient.MessageKeys(refused));
        Assert.Null((await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object["success"]);
        device.Dispose();
    }

    [Fact]
    public async Task The_app_refuses_a_tampered_challenge_and_a_verification_uri_on_another_origin()
    {
        var (app, _) = await AppEnrolledAsync();
        using var client = new SignInClient(server);
        var (_, launched) = await LaunchAsync(client);
        var challenge = ChallengeOf(launched);
        var parts = challenge.Split('.');
        var claims = Part(challenge, 1);
        claims["userVerification"] = "discouraged";
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{parts[2]}";
        var e = await Assert.ThrowsAsync<VerifyException>(() => new FastPassDevice(app).AnswerAsync(tampered, null, Ct));
        Assert.Contains("invalid_signature", e.Message, StringComparison.Ordinal);

        // Signed by the org's own key, but sending the answer elsewhere: the app does not answer.
        claims = Part(challenge, 1);
        claims["verificationUri"] = "http://127.0.0.1:9/idp/idx/authenticators/x/transactions/y/verify";
        var elsewhere = await server.WithDbAsync(async db =>
        {
            await using var scope = server.Factory.Services.CreateAsyncScope();
            var signer = await scope.ServiceProvider.GetRequiredService<OrgSigningKeys>().SignerAsync(await ServerOrg.IdAsync(db, Ct), Ct);
            return signer.Sign("okta-devicebind+jwt", claims);
        });
        e = await Assert.ThrowsAsync<VerifyException>(() => new FastPassDevice(app).AnswerAsync(elsewhere, null, Ct));
        Assert.Contains("is not on the enrolled org", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signin_command_library_signs_in_passwordless_and_keeps_the_session()
    {
        var (app, account) = await AppEnrolledAsync();
        var device = new FastPassDevice(app);
        var session = await new FastPassSignIn(app, device).SignInAsync(OrgUrl, null, Ct);
        Assert.Equal(account.UserId, session.UserId);
        Assert.StartsWith("sid=", session.Cookie, StringComparison.Ordinal);
        Assert.Equal(session.Cookie, new FastPassSignIn(app, device).SessionFor(OrgUrl)!.Cookie);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{OrgUrl}/api/v1/sessions/me");
        request.Headers.Add("Cookie", session.Cookie);
        using var http = new HttpClient();
        using var me = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task A_challenge_issued_with_device_management_names_the_integrations()
    {
        await using var scope = server.Factory.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var orgId = await ServerOrg.IdAsync(sp.GetRequiredService<LatchkeyDbContext>(), Ct);
        var challenge = await sp.GetRequiredService<FastPassChallenges>().CreateAsync(orgId, OrgUrl, null,
            new DeviceChallengeOptions(RequireUserVerification: true, RequireDeviceManagement: ["dix1", "dix2"]), Ct);
        var claims = Part(challenge.Request, 1);
        Assert.Equal(["dix1", "dix2"], claims["integrations"]!.AsArray().Select(i => (string?)i!["id"]));
        Assert.Equal("required", (string?)claims["userVerification"]);
    }
}
