using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 7, enrollment through the same pipeline: a sign-in that asks for a second factor, for a user who has
/// none, offers <c>select-authenticator-enroll</c>; a code authenticator is set up with <c>enroll-authenticator</c> (its
/// secret shown in the step, the first code activates it) and the authenticator app with <c>enroll-poll</c> (the app
/// enrolls with the step's one-time activation link); finishing the enrollment is the second factor.
/// </summary>
public sealed class IdxEnrollmentTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private const string TwoFactor = "urn:okta:loa:2fa:any";

    private async Task<(SignInClient Client, string Handle, JsonObject Idx, string UserId)> AtEnrollmentAsync()
    {
        var user = await server.CreateUserAsync();
        var client = new SignInClient(server);
        var start = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["acr_values"] = TwoFactor })).Expect(HttpStatusCode.OK);
        var handle = (string)start.Object["stateHandle"]!;
        (await client.IdentifyAsync(handle, (string)user["profile"]!["login"]!)).Expect(HttpStatusCode.OK);
        var idx = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        return (client, handle, idx, ServerFixture.Id(user));
    }

    private static string AuthenticatorId(JsonObject idx, string key) =>
        (string)idx["authenticators"]!["value"]!.AsArray().Single(a => (string?)a!["key"] == key)!["id"]!;

    private static Task<ApiResponse> EnrollAsync(SignInClient client, string handle, string authenticatorId) =>
        client.IdxAsync("/idp/idx/credential/enroll", new JsonObject { ["authenticator"] = new JsonObject { ["id"] = authenticatorId }, ["stateHandle"] = handle });

    private static Task<ApiResponse> PollAsync(SignInClient client, string handle) =>
        client.IdxAsync("/idp/idx/challenge/poll", new JsonObject { ["stateHandle"] = handle });

    private static JsonObject Contextual(JsonObject idx) => (JsonObject)idx["currentAuthenticator"]!["value"]!["contextualData"]!;

    private string CodeNow(string secret) =>
        TotpVerifier.Code(Base32Encoding.ToBytes(secret), TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);

    [Fact]
    public async Task A_user_without_factors_is_offered_the_authenticators_to_enroll_in_the_ion_shape()
    {
        var (client, handle, idx, _) = await AtEnrollmentAsync();
        using var _client = client;
        Assert.Equal(["select-authenticator-enroll"], SignInClient.RemediationNames(idx));
        Assert.Null(client.SessionCookie);
        var select = idx["remediation"]!["value"]![0]!;
        Assert.EndsWith("/idp/idx/credential/enroll", (string)select["href"]!);
        var keys = idx["authenticators"]!["value"]!.AsArray().Select(a => (string?)a!["key"]).ToList();
        Assert.Equal(["okta_verify", "google_otp", "webauthn"], keys);
        var options = select["value"]!.AsArray().Single(f => (string?)f!["name"] == "authenticator")!["options"]!.AsArray();
        Assert.Equal(keys.Count, options.Count);
        Assert.Equal(AuthenticatorId(idx, "google_otp"), (string)options[1]!["value"]!["form"]!["value"]![0]!["value"]!);
        Assert.Equal("$.authenticators.value[1]", (string)options[1]!["relatesTo"]!);

        // The password authenticator, or one not offered, cannot be enrolled here.
        var refused = (await EnrollAsync(client, handle, "autNoSuchAuthentica")).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Contains("idx.authenticator.not.available", SignInClient.MessageKeys(refused));
        Assert.Equal(["select-authenticator-enroll"], SignInClient.RemediationNames(refused));
    }

    [Fact]
    public async Task A_code_authenticator_is_enrolled_with_the_secret_of_the_step_and_its_first_code_signs_in()
    {
        var (client, handle, idx, userId) = await AtEnrollmentAsync();
        using var _client = client;
        var enroll = (await EnrollAsync(client, handle, AuthenticatorId(idx, "google_otp"))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("enroll-authenticator", SignInClient.RemediationNames(enroll)[0]);
        Assert.Contains("select-authenticator-enroll", SignInClient.RemediationNames(enroll));
        var data = Contextual(enroll);
        var secret = (string)data["sharedSecret"]!;
        Assert.Equal(32, secret.Length);
        Assert.StartsWith("data:image/png;base64,", (string)data["qrcode"]!["href"]!);
        Assert.Equal("google_otp", (string)enroll["currentAuthenticator"]!["value"]!["key"]!);

        // Introspect shows the same secret while the enrollment waits; a wrong code is refused and counted, no session.
        var again = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = handle })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(secret, (string)Contextual(again)["sharedSecret"]!);
        var right = CodeNow(secret);
        var wrong = right == "000000" ? "111111" : "000000";
        var refused = (await client.AnswerAsync(handle, wrong)).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Equal("enroll-authenticator", SignInClient.RemediationNames(refused)[0]);
        Assert.Null(client.SessionCookie);
        var pending = (await server.Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal("PENDING_ACTIVATION", (string)pending.Single()!["status"]!);

        var done = (await client.AnswerAsync(handle, right)).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(done["success"]);
        Assert.NotNull(client.SessionCookie);
        var factors = (await server.Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array;
        var factor = factors.Single()!;
        Assert.Equal(("token:software:totp", "GOOGLE", "ACTIVE"), ((string)factor["factorType"]!, (string)factor["provider"]!, (string)factor["status"]!));
        Assert.Equal(1, await server.WithDbAsync(db => db.LogEvents.CountAsync(e => e.EventType == "user.mfa.factor.activate" && e.Json.Contains(userId))));

        // The handle is used up; the same code at the next sign-in is a replay.
        (await client.AnswerAsync(handle, right)).Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_authenticator_app_enrolls_with_the_activation_link_of_the_step_once_and_the_poll_then_signs_in()
    {
        var (client, handle, idx, userId) = await AtEnrollmentAsync();
        using var _client = client;
        var enroll = (await EnrollAsync(client, handle, AuthenticatorId(idx, "okta_verify"))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("enroll-poll", SignInClient.RemediationNames(enroll)[0]);
        var poll = enroll["remediation"]!["value"]![0]!;
        Assert.EndsWith("/idp/idx/challenge/poll", (string)poll["href"]!);
        Assert.True((int)poll["refresh"]! > 0);
        var data = Contextual(enroll);
        Assert.Equal("qrcode", (string)data["selectedChannel"]!);
        Assert.StartsWith("data:image/png;base64,", (string)data["qrcode"]!["href"]!);
        var link = (string)data["activationLink"]!;
        Assert.StartsWith("latchkey-verify://enroll?", link);
        Assert.Contains($"u={userId}", link);

        // Until the app enrolls, the poll waits (no session).
        Assert.Equal("enroll-poll", SignInClient.RemediationNames((await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object)[0]);
        Assert.Null(client.SessionCookie);

        // A made-up token is refused; the real one enrolls the device once.
        using var stranger = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        var forged = link.Replace("t=", "t=x", StringComparison.Ordinal);
        Assert.Equal("E0000011", (string)(await stranger.EnrollWithLinkAsync(forged)).Expect(HttpStatusCode.Unauthorized).Object["errorCode"]!);
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollWithLinkAsync(link)).Expect(HttpStatusCode.OK);
        Assert.Equal(userId, device.UserId);
        (await stranger.EnrollWithLinkAsync(link)).Expect(HttpStatusCode.Unauthorized);

        var done = (await PollAsync(client, handle)).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(done["success"]);
        Assert.NotNull(client.SessionCookie);
        Assert.Equal(1, await server.WithDbAsync(db => db.Devices.CountAsync(d => d.ClientInstanceId == device.ClientInstanceId)));
        Assert.Equal(0, await server.WithDbAsync(db => db.Devices.CountAsync(d => d.ClientInstanceId == stranger.ClientInstanceId)));
    }

    [Fact]
    public async Task The_activation_link_dies_with_its_sign_in_and_a_user_with_factors_is_not_offered_enrollment()
    {
        var (client, handle, idx, _) = await AtEnrollmentAsync();
        using var _client = client;
        var link = (string)Contextual((await EnrollAsync(client, handle, AuthenticatorId(idx, "okta_verify"))).Expect(HttpStatusCode.OK).Object)["activationLink"]!;
        // Switching to a code authenticator drops the link.
        (await EnrollAsync(client, handle, AuthenticatorId(idx, "google_otp"))).Expect(HttpStatusCode.OK);
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollWithLinkAsync(link)).Expect(HttpStatusCode.Unauthorized);

        // Back to the app: a link again; cancelling the sign-in kills it.
        var second = (string)Contextual((await EnrollAsync(client, handle, AuthenticatorId(idx, "okta_verify"))).Expect(HttpStatusCode.OK).Object)["activationLink"]!;
        (await client.IdxAsync("/idp/idx/cancel", new JsonObject { ["stateHandle"] = handle })).Expect(HttpStatusCode.OK);
        (await device.EnrollWithLinkAsync(second)).Expect(HttpStatusCode.Unauthorized);

        // A user who has a factor to answer chooses it; enrolling another is not offered in the sign-in.
        var (other, otherHandle, _, _) = await AtEnrollmentAsync();
        using var _other = other;
        var otherLink = (string)Contextual((await EnrollAsync(other, otherHandle, AuthenticatorId(idx, "okta_verify"))).Expect(HttpStatusCode.OK).Object)["activationLink"]!;
        (await device.EnrollWithLinkAsync(otherLink)).Expect(HttpStatusCode.OK);
        (await PollAsync(other, otherHandle)).Expect(HttpStatusCode.OK);
        var login = (string)device.Enrollment!["user"]!["login"]!;
        using var next = new SignInClient(server);
        var start = (await next.IdxAsync("/idp/idx/introspect", new JsonObject { ["acr_values"] = TwoFactor })).Expect(HttpStatusCode.OK);
        var nextHandle = (string)start.Object["stateHandle"]!;
        (await next.IdentifyAsync(nextHandle, login)).Expect(HttpStatusCode.OK);
        var choose = (await next.AnswerAsync(nextHandle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["select-authenticator-authenticate"], SignInClient.RemediationNames(choose));
        var refused = (await EnrollAsync(next, nextHandle, AuthenticatorId(idx, "google_otp"))).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Contains("idx.authenticator.not.available", SignInClient.MessageKeys(refused));
    }

    [Fact]
    public async Task A_security_key_is_enrolled_over_the_challenge_the_step_keeps_and_a_credential_for_another_challenge_is_refused()
    {
        var (client, handle, idx, userId) = await AtEnrollmentAsync();
        using var _client = client;
        var origin = server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);
        var key = new SoftwareSecurityKey(new SecurityKeyRecord { Name = "test key", Aaguid = Guid.NewGuid(), Created = server.Time.GetUtcNow() }, server.Time);

        async Task<ApiResponse> RegisterAsync(Action<JsonObject>? tamper = null)
        {
            var enroll = (await EnrollAsync(client, handle, AuthenticatorId(idx, "webauthn"))).Expect(HttpStatusCode.OK).Object;
            Assert.Equal(["enroll-authenticator", "select-authenticator-enroll"], SignInClient.RemediationNames(enroll));
            var creation = (JsonObject)Contextual(enroll)["activationData"]!;
            Assert.Equal(new Uri(origin).Host, (string?)creation["rp"]!["id"]);
            var shown = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = handle })).Expect(HttpStatusCode.OK).Object;
            Assert.Equal((string?)creation["challenge"], (string?)Contextual(shown)["activationData"]!["challenge"]);
            tamper?.Invoke(creation);
            var made = key.Register(creation.ToJsonString(), origin);
            return await client.IdxAsync("/idp/idx/challenge/answer", new JsonObject
            {
                ["credentials"] = new JsonObject
                {
                    ["clientData"] = (string)made["response"]!["clientDataJSON"]!, ["attestation"] = (string)made["response"]!["attestationObject"]!,
                },
                ["stateHandle"] = handle,
            });
        }

        var refused = (await RegisterAsync(o => o["challenge"] = System.Buffers.Text.Base64Url.EncodeToString(new byte[32]))).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Equal(["select-authenticator-enroll"], SignInClient.RemediationNames(refused));
        Assert.Contains("api.authn.authenticator.challenge.invalid", SignInClient.MessageKeys(refused));
        Assert.Null(client.SessionCookie);
        Assert.Equal(0, await server.WithDbAsync(db => db.WebAuthnCredentials.CountAsync(c => c.UserId == userId)));

        var done = (await RegisterAsync()).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(done["success"]);
        Assert.NotNull(client.SessionCookie);
        var factors = (await server.Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(("webauthn", "ACTIVE"), ((string)factors.Single()!["factorType"]!, (string)factors.Single()!["status"]!));
    }
}
