using System.Net;
using Microsoft.EntityFrameworkCore;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 7 over HTTP: when a sign-in asks for a second factor (<c>acr_values=urn:okta:loa:2fa:any</c>), the IDX
/// transaction goes on after the password with <c>select-authenticator-authenticate</c>, then <c>challenge-authenticator</c>
/// for a code or <c>challenge-poll</c> for a push (the number in <c>currentAuthenticator.value.contextualData.correctAnswer</c>),
/// and a session is given only once the factor is verified (a code, or a push the device signed).
/// </summary>
public sealed class IdxSecondFactorTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private const string TwoFactor = "urn:okta:loa:2fa:any";

    private async Task<(TestDevice Device, string Login)> EnrolledAsync()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        return (device, login);
    }

    /// <summary>identify and password of a sign-in that asks for a second factor; returns the handle and the response.</summary>
    private static async Task<(string Handle, ApiResponse Response)> PasswordAsync(SignInClient client, string login, string? acr = TwoFactor)
    {
        var start = (await client.IdxAsync("/idp/idx/introspect", acr is null ? null : new JsonObject { ["acr_values"] = acr })).Expect(HttpStatusCode.OK);
        var handle = (string)start.Object["stateHandle"]!;
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        return (handle, await client.AnswerAsync(handle, ServerFixture.Password));
    }

    private static Task<ApiResponse> ChooseAsync(SignInClient client, string handle, string authenticatorId, string? method) =>
        client.IdxAsync("/idp/idx/challenge", new JsonObject
        {
            ["authenticator"] = method is null ? new JsonObject { ["id"] = authenticatorId } : new JsonObject { ["id"] = authenticatorId, ["methodType"] = method },
            ["stateHandle"] = handle,
        });

    private static Task<ApiResponse> PollAsync(SignInClient client, string handle) =>
        client.IdxAsync("/idp/idx/authenticators/poll", new JsonObject { ["stateHandle"] = handle });

    private static JsonObject Option(JsonObject idx, string key)
    {
        var select = idx["remediation"]!["value"]!.AsArray().Single(r => (string?)r!["name"] == "select-authenticator-authenticate")!;
        var options = select["value"]!.AsArray().Single(f => (string?)f!["name"] == "authenticator")!["options"]!.AsArray();
        var authenticators = idx["authenticators"]!["value"]!.AsArray();
        var index = authenticators.Select((a, i) => (a, i)).Single(x => (string?)x.a!["key"] == key).i;
        return (JsonObject)options[index]!;
    }

    private static string AuthenticatorId(JsonObject idx, string key) =>
        (string)idx["authenticators"]!["value"]!.AsArray().Single(a => (string?)a!["key"] == key)!["id"]!;

    private string CodeNow(string secret) =>
        TotpVerifier.Code(Base32Encoding.ToBytes(secret), TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);

    private static string TotpSecret(TestDevice device) =>
        (string)device.Enrollment!["methods"]!.AsArray().Single(m => (string?)m!["type"] == "totp")!["sharedSecret"]!;

    [Fact]
    public async Task Without_a_request_for_a_second_factor_the_password_is_enough_even_with_factors_enrolled()
    {
        var (device, login) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (_, response) = await PasswordAsync(client, login, acr: null);
        Assert.Equal("success-redirect", (string?)response.Expect(HttpStatusCode.OK).Object["success"]!["name"]);
        Assert.NotNull(client.SessionCookie);
        device.Dispose();
    }

    [Fact]
    public async Task After_the_password_the_user_chooses_among_their_authenticators_and_a_code_from_the_app_signs_in_once()
    {
        var (device, login) = await EnrolledAsync();
        server.Time.Advance(TimeSpan.FromSeconds(30)); // the enrollment's own code is not what this test sends
        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var select = response.Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["select-authenticator-authenticate"], SignInClient.RemediationNames(select));
        Assert.Null(client.SessionCookie);
        var verify = Option(select, "okta_verify");
        Assert.Equal("Okta Verify", (string?)verify["label"]);
        var methods = verify["value"]!["form"]!["value"]![1]!["options"]!.AsArray().Select(o => (string?)o!["value"]).ToList();
        Assert.Equal(["push", "signed_nonce", "totp"], methods.Order());
        Assert.Equal("Test laptop", (string?)select["authenticatorEnrollments"]!["value"]![0]!["profile"]!["deviceName"]);

        var challenge = (await ChooseAsync(client, handle, AuthenticatorId(select, "okta_verify"), "totp")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["challenge-authenticator", "select-authenticator-authenticate"], SignInClient.RemediationNames(challenge));
        Assert.Equal("okta_verify", (string?)challenge["currentAuthenticatorEnrollment"]!["value"]!["key"]);
        Assert.EndsWith("/idp/idx/challenge/answer", (string)challenge["remediation"]!["value"]![0]!["href"]!, StringComparison.Ordinal);

        var code = CodeNow(TotpSecret(device));
        var wrong = (await client.AnswerAsync(handle, code == "000000" ? "111111" : "000000")).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Equal(["challenge-authenticator", "select-authenticator-authenticate"], SignInClient.RemediationNames(wrong));
        Assert.Contains("api.authn.authenticator.challenge.invalid", SignInClient.MessageKeys(wrong));
        Assert.Null(client.SessionCookie);

        // Okta Verify's own client sends the code as credentials.totp.
        var success = (await client.IdxAsync("/idp/idx/challenge/answer", new JsonObject
        {
            ["credentials"] = new JsonObject { ["totp"] = code }, ["stateHandle"] = handle,
        })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("success-redirect", (string?)success["success"]!["name"]);
        Assert.NotNull(client.SessionCookie);
        Assert.Equal(device.UserId, (string?)(await client.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK).Object["userId"]);

        // The same code is refused in another sign-in: every code counts once.
        using var other = new SignInClient(server);
        var (again, _) = await PasswordAsync(other, login);
        (await ChooseAsync(other, again, AuthenticatorId(select, "okta_verify"), "totp")).Expect(HttpStatusCode.OK);
        Assert.Contains("errors.E0000082", SignInClient.MessageKeys((await other.AnswerAsync(again, code)).Expect(HttpStatusCode.Unauthorized).Object));
        Assert.Null(other.SessionCookie);

        var failures = await IdxSignInTests.EventsAsync(server, "user.authentication.verify", device.UserId);
        Assert.Contains(failures, e => (string?)e!["outcome"]!["result"] == "FAILURE");
        device.Dispose();
    }

    [Fact]
    public async Task A_push_shows_the_number_waits_and_signs_in_once_the_device_approves_it_with_its_key()
    {
        var (device, login) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var select = response.Expect(HttpStatusCode.OK).Object;

        // No method named: push, the default of the authenticator app.
        var poll = (await ChooseAsync(client, handle, AuthenticatorId(select, "okta_verify"), null)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["challenge-poll", "select-authenticator-authenticate"], SignInClient.RemediationNames(poll));
        var form = poll["remediation"]!["value"]![0]!;
        Assert.EndsWith("/idp/idx/authenticators/poll", (string)form["href"]!, StringComparison.Ordinal);
        Assert.Equal(2000, (int)form["refresh"]!);
        var current = poll["currentAuthenticator"]!["value"]!;
        Assert.Equal("push", (string?)current["methods"]![0]!["type"]);
        var number = (int)current["contextualData"]!["correctAnswer"]!;
        Assert.InRange(number, 10, 99);

        var waiting = (await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["challenge-poll", "select-authenticator-authenticate"], SignInClient.RemediationNames(waiting));
        Assert.Null(client.SessionCookie);
        // A code cannot answer a push.
        (await client.AnswerAsync(handle, "123456")).Expect(HttpStatusCode.BadRequest);

        var push = (JsonObject)Assert.Single(await device.PendingAsync())!;
        (await device.AnswerAsync(push, approve: true, number)).Expect(HttpStatusCode.OK);
        var success = (await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("success-redirect", (string?)success["success"]!["name"]);
        Assert.NotNull(client.SessionCookie);
        Assert.Equal(2, (await IdxSignInTests.EventsAsync(server, "user.session.start", device.UserId)).Count); // the enrollment's and this one

        // The handle is spent: polling again is refused.
        Assert.Contains("idx.session.expired", SignInClient.MessageKeys((await PollAsync(client, handle)).Object));
        device.Dispose();
    }

    [Fact]
    public async Task A_denied_or_expired_push_goes_back_to_choosing_with_a_message_and_another_factor_still_works()
    {
        var (device, login) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var verifyId = AuthenticatorId(response.Expect(HttpStatusCode.OK).Object, "okta_verify");

        // The wrong number rejects the push, as on the real service.
        var first = (await ChooseAsync(client, handle, verifyId, "push")).Expect(HttpStatusCode.OK).Object;
        var number = (int)first["currentAuthenticator"]!["value"]!["contextualData"]!["correctAnswer"]!;
        (await device.AnswerAsync((JsonObject)(await device.PendingAsync())[0]!, approve: true, number == 99 ? 98 : number + 1)).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("oie.okta_verify.push.rejected", SignInClient.MessageKeys((await PollAsync(client, handle)).Expect(HttpStatusCode.Forbidden).Object));

        (await ChooseAsync(client, handle, verifyId, "push")).Expect(HttpStatusCode.OK);
        (await device.AnswerAsync((JsonObject)(await device.PendingAsync())[0]!, approve: false)).Expect(HttpStatusCode.OK);
        var denied = (await PollAsync(client, handle)).Expect(HttpStatusCode.Forbidden).Object;
        Assert.Equal(["select-authenticator-authenticate"], SignInClient.RemediationNames(denied));
        Assert.Contains("oie.okta_verify.push.rejected", SignInClient.MessageKeys(denied));
        Assert.Null(client.SessionCookie);
        Assert.NotEmpty(await IdxSignInTests.EventsAsync(server, "user.mfa.okta_verify.deny_push", device.UserId));

        // A second push left unanswered expires (5 minutes by default).
        (await ChooseAsync(client, handle, verifyId, "push")).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromMinutes(6));
        var expired = (await PollAsync(client, handle)).Expect(HttpStatusCode.Forbidden).Object;
        Assert.Contains("oie.okta_verify.push.expired", SignInClient.MessageKeys(expired));

        (await ChooseAsync(client, handle, verifyId, "totp")).Expect(HttpStatusCode.OK);
        Assert.NotNull((await client.AnswerAsync(handle, CodeNow(TotpSecret(device)))).Expect(HttpStatusCode.OK).Object["success"]);
        device.Dispose();
    }

    [Fact]
    public async Task A_code_from_a_google_authenticator_factor_enrolled_through_the_api_is_offered_and_works()
    {
        var user = await server.CreateUserAsync();
        var (userId, login) = (ServerFixture.Id(user), (string)user["profile"]!["login"]!);
        var secret = await DesktopMfaKit.CodeFactorAsync(server, userId);

        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var select = response.Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["google_otp"], select["authenticators"]!["value"]!.AsArray().Select(a => (string?)a!["key"]));
        (await ChooseAsync(client, handle, AuthenticatorId(select, "google_otp"), null)).Expect(HttpStatusCode.OK);
        Assert.NotNull((await client.AnswerAsync(handle, CodeNow(secret))).Expect(HttpStatusCode.OK).Object["success"]);
    }

    [Fact]
    public async Task A_user_without_factors_gets_no_session_but_enrollment_and_an_unknown_authenticator_is_refused()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var none = response.Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["select-authenticator-enroll"], SignInClient.RemediationNames(none));
        Assert.Null(client.SessionCookie);
        var refused = (await ChooseAsync(client, handle, "autNoSuchAuthentica", null)).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Contains("idx.authenticator.not.available", SignInClient.MessageKeys(refused));
        Assert.Null(client.SessionCookie);
    }

    [Fact]
    public async Task A_suspended_devices_factors_are_not_offered()
    {
        var (device, login) = await EnrolledAsync();
        var deviceId = (string)device.Enrollment!["device"]!["id"]!;
        (await server.Api.PostAsync($"/api/v1/devices/{deviceId}/lifecycle/suspend", new JsonObject())).Expect(HttpStatusCode.NoContent);
        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var none = response.Expect(HttpStatusCode.OK).Object;
        // Nothing to answer: the suspended device's Okta Verify is not offered to answer, only (again) to enroll.
        Assert.Equal(["select-authenticator-enroll"], SignInClient.RemediationNames(none));
        Assert.Empty(none["authenticatorEnrollments"]!["value"]!.AsArray());
        var verifyId = (string)device.Enrollment["methods"]![0]!["id"]!;
        (await ChooseAsync(client, handle, verifyId, "push")).Expect(HttpStatusCode.BadRequest);
        Assert.Equal(0, await server.WithDbAsync(db => db.PushChallenges.CountAsync(p => p.UserId == device.UserId)));
        device.Dispose();
    }

    [Fact]
    public async Task Introspect_at_the_push_step_shows_the_same_number_and_the_handle_cannot_be_used_before_the_password()
    {
        var (device, login) = await EnrolledAsync();
        using var client = new SignInClient(server);
        var start = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["acr_values"] = TwoFactor })).Expect(HttpStatusCode.OK).Object;
        var handle = (string)start["stateHandle"]!;
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        // Before the password, the authenticator step is not open.
        (await PollAsync(client, handle)).Expect(HttpStatusCode.BadRequest);
        var select = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        var poll = (await ChooseAsync(client, handle, AuthenticatorId(select, "okta_verify"), "push")).Expect(HttpStatusCode.OK).Object;
        var number = (int)poll["currentAuthenticator"]!["value"]!["contextualData"]!["correctAnswer"]!;
        var again = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = handle })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(number, (int)again["currentAuthenticator"]!["value"]!["contextualData"]!["correctAnswer"]!);
        device.Dispose();
    }

    [Fact]
    public async Task A_security_key_answers_the_challenge_the_sign_in_keeps_and_a_wrong_answer_goes_back_to_choosing()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        var origin = server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);
        var key = new SoftwareSecurityKey(new SecurityKeyRecord { Name = "test key", Aaguid = Guid.NewGuid(), Created = server.Time.GetUtcNow() }, server.Time);
        using (var session = new SignInClient(server))
        {
            (await session.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
            var creation = (await session.PostJsonAsync("/idp/webauthn/registration/options", new JsonObject())).Expect(HttpStatusCode.OK).Object;
            (await session.PostJsonAsync("/idp/webauthn/registration", new JsonObject { ["credential"] = key.Register(creation.ToJsonString(), origin) }))
                .Expect(HttpStatusCode.OK);
        }

        using var client = new SignInClient(server);
        var (handle, response) = await PasswordAsync(client, login);
        var select = response.Expect(HttpStatusCode.OK).Object;
        var credentialId = key.Record.Credentials.Single().Id;
        var enrollment = select["authenticatorEnrollments"]!["value"]!.AsArray().Single(e => (string?)e!["key"] == "webauthn")!;
        Assert.Equal(credentialId, (string?)enrollment["credentialId"]);
        Assert.Equal("Use a security key", (string?)Option(select, "webauthn")["value"]!["form"]!["value"]![1]!["options"]![0]!["label"]);

        async Task<(ApiResponse Answer, string Challenge)> AnswerAsync(Action<JsonObject>? tamper = null)
        {
            var challenge = (await ChooseAsync(client, handle, AuthenticatorId(select, "webauthn"), null)).Expect(HttpStatusCode.OK).Object;
            Assert.Equal(["challenge-authenticator", "select-authenticator-authenticate"], SignInClient.RemediationNames(challenge));
            var data = challenge["currentAuthenticator"]!["value"]!["contextualData"]!["challengeData"]!;
            Assert.Equal("discouraged", (string?)data["userVerification"]);
            var options = new JsonObject
            {
                ["challenge"] = (string)data["challenge"]!, ["rpId"] = new Uri(origin).Host,
                ["allowCredentials"] = new JsonArray(new JsonObject { ["type"] = "public-key", ["id"] = credentialId }),
            };
            tamper?.Invoke(options);
            var assertion = key.Assert(options.ToJsonString(), origin);
            var answer = await client.IdxAsync("/idp/idx/challenge/answer", new JsonObject
            {
                ["credentials"] = new JsonObject
                {
                    ["id"] = (string)assertion["id"]!, ["clientData"] = (string)assertion["response"]!["clientDataJSON"]!,
                    ["authenticatorData"] = (string)assertion["response"]!["authenticatorData"]!, ["signatureData"] = (string)assertion["response"]!["signature"]!,
                },
                ["stateHandle"] = handle,
            });
            return (answer, (string)data["challenge"]!);
        }

        // An assertion over another challenge (here: one the key made up) is refused, and the kept challenge is spent.
        var (refused, _) = await AnswerAsync(o => o["challenge"] = System.Buffers.Text.Base64Url.EncodeToString(new byte[32]));
        var back = refused.Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Equal(["select-authenticator-authenticate"], SignInClient.RemediationNames(back));
        Assert.Contains("api.authn.authenticator.challenge.invalid", SignInClient.MessageKeys(back));
        Assert.Null(client.SessionCookie);

        var (right, _) = await AnswerAsync();
        Assert.Equal("success-redirect", (string?)right.Expect(HttpStatusCode.OK).Object["success"]!["name"]);
        Assert.NotNull(client.SessionCookie);
    }
}
