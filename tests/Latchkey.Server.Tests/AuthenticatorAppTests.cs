using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 items 2, 4 and 5 over real HTTP: the authenticator app enrolls on a device (docs/authenticator-app.md),
/// which registers the device and creates its push, FastPass and TOTP factors; pushes reach the device by long-poll
/// and are answered with a signature by the device key (number matching, deny, expiry, replay, forgery, races).
/// </summary>
public sealed class AuthenticatorAppTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private ApiClient Api => server.Api;

    private TestDevice NewDevice(string? instance = null) => new(server, instance) { Clock = () => server.Time.GetUtcNow() };

    private async Task<(TestDevice Device, string Login)> EnrolledAsync()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        var device = NewDevice();
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        return (device, login);
    }

    private Task<ApiResponse> SendPushAsync(TestDevice device, JsonObject? body = null) =>
        Api.PostAsync($"/api/v1/users/{device.UserId}/factors/{device.MethodId("push")}/verify", body ?? new JsonObject());

    private async Task<string> PollAsync(ApiResponse sent) => (string)(await PollBodyAsync(sent))["factorResult"]!;

    private async Task<JsonObject> PollBodyAsync(ApiResponse sent) =>
        (await Api.GetAsync(new Uri((string)sent.Object["_links"]!["poll"]!["href"]!).PathAndQuery)).Expect(HttpStatusCode.OK).Object;

    /// <summary>Okta's push results name the credential (the user's login) until SUCCESS, which is the bare result.</summary>
    private static void AssertCredential(JsonObject result, string? login) =>
        Assert.Equal(login, (string?)result["profile"]?["credentialId"]);

    [Fact]
    public async Task Enrolling_registers_the_device_links_the_user_and_creates_push_fastpass_and_totp_factors()
    {
        var (device, login) = await EnrolledAsync();
        var enrollment = device.Enrollment!;
        Wire.AssertId((string?)enrollment["id"], "pfd");
        Wire.AssertId((string?)enrollment["device"]!["id"], "guo");
        Assert.Equal("LINUX", (string?)enrollment["device"]!["profile"]!["platform"]);
        Assert.False((bool)enrollment["device"]!["profile"]!["secureHardwarePresent"]!);
        Assert.False((bool)enrollment["device"]!["hardwareProtected"]!);
        Assert.Equal(["push", "signed_nonce", "totp"], enrollment["methods"]!.AsArray().Select(m => (string?)m!["type"]));

        var factors = (await Api.GetAsync($"/api/v1/users/{device.UserId}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(["push", "signed_nonce", "token:software:totp"], factors.Select(f => (string?)f!["factorType"]).Order());
        Assert.All(factors, f => Assert.Equal("ACTIVE", (string?)f!["status"]));
        var push = factors.Single(f => (string?)f!["factorType"] == "push")!;
        Wire.AssertId((string?)push["id"], "opf");
        Assert.Equal("Test laptop", (string?)push["profile"]!["name"]);
        Assert.Equal(login, (string?)push["profile"]!["credentialId"]);

        // The TOTP secret of the enrollment works through the Factors API, and is never shown again.
        var secret = (string)enrollment["methods"]!.AsArray().Single(m => (string?)m!["type"] == "totp")!["sharedSecret"]!;
        var code = TotpVerifier.Code(Base32Encoding.ToBytes(secret), TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);
        (await Api.PostAsync($"/api/v1/users/{device.UserId}/factors/{device.MethodId("totp")}/verify", new JsonObject { ["passCode"] = code }))
            .Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, (await Api.GetAsync($"/api/v1/users/{device.UserId}/factors")).Body, StringComparison.Ordinal);

        var deviceId = (string)enrollment["device"]!["id"]!;
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.enrollment.create", deviceId));
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.user.add", deviceId));
        device.Dispose();
    }

    [Fact]
    public async Task Enrolling_again_from_the_same_install_reuses_the_device_and_replaces_the_keys_and_factors()
    {
        var (device, login) = await EnrolledAsync();
        var first = device.Enrollment!;
        using var again = NewDevice(device.ClientInstanceId);
        var second = (await again.EnrollAsync(login)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)first["device"]!["id"], (string?)second["device"]!["id"]);
        Assert.Equal((string?)first["id"], (string?)second["id"]);
        var factors = (await Api.GetAsync($"/api/v1/users/{device.UserId}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(3, factors.Count);
        Assert.DoesNotContain(factors, f => (string?)f!["id"] == device.MethodId("push"));

        // The old key no longer speaks for the enrollment.
        var refused = (await device.SendAsync(HttpMethod.Get, $"/idp/authenticators/{device.EnrollmentId}/pending?wait=0")).Expect(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_signature", refused.Body, StringComparison.Ordinal);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.enrollment.create", (string)first["device"]!["id"]!));
        device.Dispose();
    }

    [Fact]
    public async Task An_enrollment_needs_a_session_a_valid_key_and_a_fresh_proof_by_that_key_for_this_user()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        using var device = NewDevice();

        var anonymous = await Api.SendRawAsync(HttpMethod.Post, "/idp/authenticators", device.EnrollmentBody(ServerFixture.Id(user)).ToJsonString(), auth: null);
        Assert.Equal("E0000005", anonymous.Expect(HttpStatusCode.Forbidden).ErrorCode);

        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cases = new (string Cause, Func<string, JsonObject> Body)[]
        {
            ("proof", id => { var b = device.EnrollmentBody(id); b["proof"] = device.Sign(new JsonObject { ["iss"] = device.ClientInstanceId, ["sub"] = id, ["aud"] = device.OrgUrl }, key: other); return b; }),
            ("sub must be", id => device.EnrollmentBody("00u" + new string('x', 17))),
            ("clock_skew", id => device.EnrollmentBody(id, at: server.Time.GetUtcNow().AddMinutes(-20))),
            ("keys.proofOfPossession", id => { var b = device.EnrollmentBody(id); b["keys"]!["proofOfPossession"]!["y"] = b["keys"]!["proofOfPossession"]!["x"]!.DeepClone(); return b; }),
            ("device.platform", id => { var b = device.EnrollmentBody(id); b["device"]!["platform"] = "AMIGA"; return b; }),
            ("device.clientInstanceId", id => { var b = device.EnrollmentBody(id); b["device"]!["clientInstanceId"] = "a b"; return b; }),
        };
        foreach (var (cause, body) in cases)
        {
            var refused = (await device.EnrollAsync(login, body: body)).Expect(HttpStatusCode.BadRequest);
            Assert.Equal("E0000001", refused.ErrorCode);
            Assert.Contains(cause, refused.Body, StringComparison.Ordinal);
        }

        Assert.Empty((await Api.GetAsync($"/api/v1/users/{ServerFixture.Id(user)}/factors")).Expect(HttpStatusCode.OK).Array);
    }

    [Fact]
    public async Task A_push_with_the_number_challenge_reaches_the_device_without_the_number_and_succeeds_with_it()
    {
        var (device, login) = await EnrolledAsync();
        var sent = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
        Assert.Equal("WAITING", (string?)sent.Object["factorResult"]);
        AssertCredential(sent.Object, login);
        var number = (int)sent.Object["_embedded"]!["challenge"]!["correctAnswer"]!;
        Assert.InRange(number, 10, 99);
        var waiting = await PollBodyAsync(sent);
        Assert.Equal("WAITING", (string?)waiting["factorResult"]);
        AssertCredential(waiting, login);
        Assert.Equal(number, (int)waiting["_embedded"]!["challenge"]!["correctAnswer"]!);

        var pending = Assert.Single(await device.PendingAsync())!.AsObject();
        Assert.True((bool)pending["numberChallenge"]!);
        Assert.DoesNotContain("correctAnswer", pending.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("Management API", (string?)pending["context"]!["appName"]);

        var answered = (await device.AnswerAsync(pending, approve: true, number)).Expect(HttpStatusCode.OK);
        Assert.Equal("SUCCESS", (string?)answered.Object["factorResult"]);
        Assert.Equal("""{"factorResult":"SUCCESS"}""", (await PollBodyAsync(sent)).ToJsonString());
        Assert.Empty(await device.PendingAsync());

        // Once: the same signed answer again is refused and logged.
        var twice = (await device.AnswerAsync(pending, approve: true, number)).Expect(HttpStatusCode.Conflict);
        Assert.Contains("push_already_answered", twice.Body, StringComparison.Ordinal);
        var events = await IdxSignInTests.EventsAsync(server, "user.mfa.okta_verify", device.UserId);
        Assert.Contains(events, e => (string?)e!["outcome"]!["result"] == "SUCCESS");
        Assert.Contains(events, e => (string?)e!["outcome"]!["reason"] == "push_already_answered");
        device.Dispose();
    }

    [Fact]
    public async Task The_wrong_number_rejects_the_push_and_a_denial_is_logged_without_counting_toward_a_lockout()
    {
        var (device, login) = await EnrolledAsync();
        var sent = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
        var number = (int)sent.Object["_embedded"]!["challenge"]!["correctAnswer"]!;
        var pending = Assert.Single(await device.PendingAsync())!.AsObject();
        var wrong = (await device.AnswerAsync(pending, approve: true, number == 99 ? 98 : number + 1)).Expect(HttpStatusCode.Forbidden);
        Assert.Equal("E0000068", wrong.ErrorCode);
        var rejected = await PollBodyAsync(sent);
        Assert.Equal("REJECTED", (string?)rejected["factorResult"]);
        AssertCredential(rejected, login);
        Assert.Null(rejected["_embedded"]);

        for (var i = 0; i < 6; i++)
        {
            var denied = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
            var push = Assert.Single(await device.PendingAsync())!.AsObject();
            Assert.Equal("REJECTED", (string?)(await device.AnswerAsync(push, approve: false)).Expect(HttpStatusCode.OK).Object["factorResult"]);
            Assert.Equal("REJECTED", await PollAsync(denied));
        }

        Assert.Equal(6, (await IdxSignInTests.EventsAsync(server, "user.mfa.okta_verify.deny_push", device.UserId)).Count);
        // Six denials lock nothing: the next push still goes out and can be approved.
        var last = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
        var lastPush = Assert.Single(await device.PendingAsync())!.AsObject();
        (await device.AnswerAsync(lastPush, approve: true, (int)last.Object["_embedded"]!["challenge"]!["correctAnswer"]!)).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", (string?)(await Api.GetAsync($"/api/v1/users/{device.UserId}")).Expect(HttpStatusCode.OK).Object["status"]);
        device.Dispose();
    }

    [Fact]
    public async Task A_forged_or_tampered_answer_is_refused_and_logged_and_the_push_still_waits()
    {
        var (device, _) = await EnrolledAsync();
        var sent = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
        var number = (int)sent.Object["_embedded"]!["challenge"]!["correctAnswer"]!;
        var pending = Assert.Single(await device.PendingAsync())!.AsObject();

        using var thief = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Contains("invalid_signature", (await device.AnswerAsync(pending, true, number, key: thief)).Expect(HttpStatusCode.Unauthorized).Body, StringComparison.Ordinal);
        Assert.Contains("invalid_challenge_response",
            (await device.AnswerAsync(pending, true, number, tamper: c => c["nonce"] = "guessed")).Expect(HttpStatusCode.Unauthorized).Body, StringComparison.Ordinal);
        Assert.Contains("invalid_challenge_response",
            (await device.AnswerAsync(pending, true, number, tamper: c => c["tx"] = "v2m" + new string('0', 17))).Expect(HttpStatusCode.Unauthorized).Body, StringComparison.Ordinal);
        var unsigned = await Api.SendRawAsync(HttpMethod.Post, new Uri((string)pending["verificationUri"]!).PathAndQuery,
            new JsonObject { ["method"] = "push", ["challengeResponse"] = "eyJhbGciOiJub25lIn0.e30." }.ToJsonString(), auth: null);
        unsigned.Expect(HttpStatusCode.Unauthorized);

        Assert.Equal("WAITING", await PollAsync(sent));
        var refusals = (await IdxSignInTests.EventsAsync(server, "user.mfa.okta_verify", device.UserId))
            .Where(e => (string?)e!["outcome"]!["result"] == "FAILURE").Select(e => (string?)e!["outcome"]!["reason"]).ToList();
        Assert.Contains("invalid_signature", refusals);
        Assert.Contains("invalid_challenge_response", refusals);
        (await device.AnswerAsync(pending, true, number)).Expect(HttpStatusCode.OK);
        device.Dispose();
    }

    [Fact]
    public async Task A_push_expires_after_five_minutes_and_an_answer_after_that_is_refused()
    {
        var (device, login) = await EnrolledAsync();
        var sent = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
        var pending = Assert.Single(await device.PendingAsync())!.AsObject();
        server.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var timedOut = await PollBodyAsync(sent);
        Assert.Equal("TIMEOUT", (string?)timedOut["factorResult"]);
        AssertCredential(timedOut, login);
        Assert.Empty(await device.PendingAsync());
        var late = (await device.AnswerAsync(pending, true, (int)sent.Object["_embedded"]!["challenge"]!["correctAnswer"]!)).Expect(HttpStatusCode.Gone);
        Assert.Contains("push_expired", late.Body, StringComparison.Ordinal);
        Assert.Contains(await IdxSignInTests.EventsAsync(server, "user.mfa.okta_verify", device.UserId), e => (string?)e!["outcome"]!["reason"] == "push_expired");
        device.Dispose();
    }

    [Fact]
    public async Task A_waiting_app_receives_a_push_in_well_under_a_second_and_a_reconnecting_one_still_gets_it()
    {
        var (device, _) = await EnrolledAsync();
        var waiting = device.SendAsync(HttpMethod.Get, $"/idp/authenticators/{device.EnrollmentId}/pending?wait=20");
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
        var received = (await waiting).Expect(HttpStatusCode.OK).Array;
        Assert.Single(received);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the push took {clock.Elapsed.TotalMilliseconds:0} ms to arrive");

        // The app went away without answering: on its next connection the push is still there.
        Assert.Equal((string?)received[0]!["transactionId"], (string?)Assert.Single(await device.PendingAsync())!["transactionId"]);
        device.Dispose();
    }

    [Fact]
    public async Task Two_answers_racing_one_push_leave_exactly_one_winner()
    {
        var (device, _) = await EnrolledAsync();
        for (var round = 0; round < 5; round++)
        {
            var sent = (await SendPushAsync(device)).Expect(HttpStatusCode.Created);
            var number = (int)sent.Object["_embedded"]!["challenge"]!["correctAnswer"]!;
            var pending = Assert.Single(await device.PendingAsync())!.AsObject();
            var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => device.AnswerAsync(pending, true, number)));
            Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
            Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
        }

        device.Dispose();
    }

    [Fact]
    public async Task Device_requests_say_why_they_are_refused_unknown_enrollment_clock_skew_or_another_enrollment()
    {
        var (device, _) = await EnrolledAsync();
        var path = $"/idp/authenticators/{device.EnrollmentId}/pending?wait=0";
        var unknown = await device.SendAsync(HttpMethod.Get, path, token: device.Sign(new JsonObject { ["iss"] = "pfd" + new string('0', 17), ["aud"] = device.OrgUrl }));
        Assert.Contains("enrollment_not_found", unknown.Expect(HttpStatusCode.Unauthorized).Body, StringComparison.Ordinal);

        var skewed = await device.SendAsync(HttpMethod.Get, path,
            token: device.Sign(new JsonObject { ["iss"] = device.EnrollmentId, ["aud"] = device.OrgUrl }, at: server.Time.GetUtcNow().AddMinutes(12)));
        // The token's iat is whole seconds, the server's clock is not: 12 minutes reads as 719 or 720 seconds.
        Assert.Matches("clock_skew: the device clock is 7(19|20) seconds ahead of the server", skewed.Expect(HttpStatusCode.Unauthorized).Body);

        var audience = await device.SendAsync(HttpMethod.Get, path, token: device.Sign(new JsonObject { ["iss"] = device.EnrollmentId, ["aud"] = "https://elsewhere.example" }));
        Assert.Contains("invalid_audience", audience.Expect(HttpStatusCode.Unauthorized).Body, StringComparison.Ordinal);

        var (other, _) = await EnrolledAsync();
        var crossed = await device.SendAsync(HttpMethod.Get, $"/idp/authenticators/{other.EnrollmentId}/pending?wait=0");
        crossed.Expect(HttpStatusCode.Unauthorized);
        (await Api.SendRawAsync(HttpMethod.Get, path, null, auth: null)).Expect(HttpStatusCode.Unauthorized);
        device.Dispose();
        other.Dispose();
    }

    [Fact]
    public async Task Push_and_fastpass_factors_are_enrolled_by_the_app_not_the_api()
    {
        var user = await server.CreateUserAsync();
        var refused = (await Api.PostAsync($"/api/v1/users/{ServerFixture.Id(user)}/factors", new JsonObject { ["factorType"] = "push", ["provider"] = "OKTA" }))
            .Expect(HttpStatusCode.BadRequest);
        Assert.Contains("latchkey-verify enroll", refused.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verifying_a_factor_that_is_not_the_users_is_404_before_the_body_is_read()
    {
        var (device, _) = await EnrolledAsync();
        var stranger = ServerFixture.Id(await server.CreateUserAsync());
        var pushId = device.MethodId("push");
        // An empty body to a factor that is gone (or someone else's) is 404 E0000007, not 400 "passCode cannot be left blank".
        Assert.Equal("E0000007", (await Api.PostAsync($"/api/v1/users/{stranger}/factors/{pushId}/verify", new JsonObject())).Expect(HttpStatusCode.NotFound).ErrorCode);
        (await Api.DeleteAsync($"/api/v1/users/{device.UserId}/factors/{pushId}")).Expect(HttpStatusCode.NoContent);
        var gone = (await Api.PostAsync($"/api/v1/users/{device.UserId}/factors/{pushId}/verify", new JsonObject())).Expect(HttpStatusCode.NotFound);
        Assert.Equal("E0000007", gone.ErrorCode);
        Assert.Contains(pushId, gone.Body, StringComparison.Ordinal);
        device.Dispose();
    }
}
