using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 items 1-3: the org's authenticators (/api/v1/authenticators) and TOTP factors through the classic Factors API:
/// enroll (the secret shown once), activate, verify, single use of every code, the lockout after five wrong codes, the
/// secret encrypted at rest, the System Log, and codes cross-checked with Debian's oathtool.
/// </summary>
public sealed class AuthenticatorsAndTotpTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private ApiClient Api => server.Api;

    private DateTimeOffset Now => server.Time.GetUtcNow();

    private static string Code(string base32, DateTimeOffset at) =>
        TotpVerifier.Code(Base32Encoding.ToBytes(base32), TotpVerifier.StepAt(at, TotpPolicy.Default), TotpPolicy.Default);

    private async Task<JsonArray> AuthenticatorsAsync() => (await Api.GetAsync("/api/v1/authenticators")).Expect(HttpStatusCode.OK).Array;

    private async Task<JsonObject> AuthenticatorAsync(string key) =>
        (JsonObject)(await AuthenticatorsAsync()).Single(a => (string?)a!["key"] == key)!;

    /// <summary>A new user with a TOTP factor enrolled (not yet active): the user id, the factor and its secret.</summary>
    private async Task<(string UserId, JsonObject Factor, string Secret)> EnrollAsync(string provider = "OKTA")
    {
        var userId = ServerFixture.Id(await server.CreateUserAsync());
        var factor = (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = provider }))
            .Expect(HttpStatusCode.OK).Object;
        return (userId, factor, (string)factor["_embedded"]!["activation"]!["sharedSecret"]!);
    }

    private async Task<(string UserId, string FactorId, string Secret)> ActiveFactorAsync()
    {
        var (userId, factor, secret) = await EnrollAsync();
        var id = ServerFixture.Id(factor);
        (await Api.PostAsync($"/api/v1/users/{userId}/factors/{id}/lifecycle/activate", new JsonObject { ["passCode"] = Code(secret, Now) })).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(30)); // the activation used this step's code
        return (userId, id, secret);
    }

    private Task<ApiResponse> VerifyAsync(string userId, string factorId, string? passCode) =>
        Api.PostAsync($"/api/v1/users/{userId}/factors/{factorId}/verify", passCode is null ? new JsonObject() : new JsonObject { ["passCode"] = passCode });

    [Fact]
    public async Task A_new_org_has_the_password_authenticator_app_security_keys_and_google_active_and_email_and_phone_inactive()
    {
        var all = await AuthenticatorsAsync();
        string? Status(string key) => (string?)all.Single(a => (string?)a!["key"] == key)!["status"];
        Assert.Equal("ACTIVE", Status("okta_password"));
        Assert.Equal("ACTIVE", Status("okta_verify"));
        Assert.Equal("ACTIVE", Status("webauthn"));
        Assert.Equal("ACTIVE", Status("google_otp"));
        Assert.Equal("INACTIVE", Status("okta_email"));
        Assert.Equal("INACTIVE", Status("phone_number"));

        var verify = await AuthenticatorAsync("okta_verify");
        Wire.AssertId((string?)verify["id"], "aut");
        Assert.Equal("app", (string?)verify["type"]);
        Assert.Equal("NUMBER_CHALLENGE", (string?)verify["settings"]!["channelBinding"]!["style"]);
        Wire.AssertDate(verify["created"], "created");
        var methods = (await Api.GetAsync($"/api/v1/authenticators/{verify["id"]}/methods")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(["push", "totp", "signed_nonce"], methods.Select(m => (string?)m!["type"]));
        Assert.Equal(30, (int?)methods[1]!["settings"]!["timeIntervalInSeconds"]);
        Assert.EndsWith("/lifecycle/deactivate", (string?)methods[1]!["_links"]!["deactivate"]!["href"], StringComparison.Ordinal);

        // The password authenticator keeps the id the sign-in pipeline shows for it.
        var password = await AuthenticatorAsync("okta_password");
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var user = await server.CreateUserAsync();
        var step = (await client.IdentifyAsync(handle, (string)user["profile"]!["login"]!)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)password["id"], (string?)step["currentAuthenticatorEnrollment"]!["value"]!["id"]);
    }

    [Fact]
    public async Task Deactivating_the_authenticator_or_its_code_method_stops_existing_factors_from_verifying_until_it_is_active_again()
    {
        var (userId, factorId, secret) = await ActiveFactorAsync();
        var verify = ServerFixture.Id(await AuthenticatorAsync("okta_verify"));
        (await Api.PostAsync($"/api/v1/authenticators/{verify}/methods/totp/lifecycle/deactivate", null)).Expect(HttpStatusCode.OK);
        try
        {
            (await VerifyAsync(userId, factorId, Code(secret, Now))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        }
        finally
        {
            (await Api.PostAsync($"/api/v1/authenticators/{verify}/methods/totp/lifecycle/activate", null)).Expect(HttpStatusCode.OK);
        }

        // The refused code was not spent: it works once the method is active again.
        Assert.Equal("SUCCESS", (string?)(await VerifyAsync(userId, factorId, Code(secret, Now))).Expect(HttpStatusCode.OK).Object["factorResult"]);

        var (googleUser, googleFactor, googleSecret) = await EnrollAsync("GOOGLE");
        var googleId = ServerFixture.Id(googleFactor);
        (await Api.PostAsync($"/api/v1/users/{googleUser}/factors/{googleId}/lifecycle/activate", new JsonObject { ["passCode"] = Code(googleSecret, Now) }))
            .Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(30));
        var google = ServerFixture.Id(await AuthenticatorAsync("google_otp"));
        (await Api.PostAsync($"/api/v1/authenticators/{google}/methods/otp/lifecycle/deactivate", null)).Expect(HttpStatusCode.OK);
        try
        {
            (await VerifyAsync(googleUser, googleId, Code(googleSecret, Now))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        }
        finally
        {
            (await Api.PostAsync($"/api/v1/authenticators/{google}/methods/otp/lifecycle/activate", null)).Expect(HttpStatusCode.OK);
        }

        Assert.Equal("SUCCESS", (string?)(await VerifyAsync(googleUser, googleId, Code(googleSecret, Now))).Expect(HttpStatusCode.OK).Object["factorResult"]);
    }

    [Fact]
    public async Task Authenticators_are_activated_and_deactivated_with_their_events_but_the_password_cannot_be_switched_off()
    {
        var google = await AuthenticatorAsync("google_otp");
        var id = ServerFixture.Id(google);
        var off = (await Api.PostAsync($"/api/v1/authenticators/{id}/lifecycle/deactivate", null)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("INACTIVE", (string?)off["status"]);
        Assert.NotNull(off["_links"]!["activate"]);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "security.authenticator.lifecycle.deactivate", id));

        // An inactive authenticator's factor is neither offered nor enrolled.
        var userId = ServerFixture.Id(await server.CreateUserAsync());
        var catalog = (await Api.GetAsync($"/api/v1/users/{userId}/factors/catalog")).Expect(HttpStatusCode.OK).Array;
        Assert.DoesNotContain(catalog, f => (string?)f!["provider"] == "GOOGLE");
        (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "GOOGLE" }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");

        Assert.Equal("ACTIVE", (string?)(await Api.PostAsync($"/api/v1/authenticators/{id}/lifecycle/activate", null)).Expect(HttpStatusCode.OK).Object["status"]);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "security.authenticator.lifecycle.activate", id));
        catalog = (await Api.GetAsync($"/api/v1/users/{userId}/factors/catalog")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal("NOT_SETUP", (string?)catalog.Single(f => (string?)f!["provider"] == "GOOGLE")!["status"]);

        var password = ServerFixture.Id(await AuthenticatorAsync("okta_password"));
        (await Api.PostAsync($"/api/v1/authenticators/{password}/lifecycle/deactivate", null)).ExpectError(HttpStatusCode.Forbidden, "E0000148");
        (await Api.GetAsync("/api/v1/authenticators/autNoSuchAuthentic8")).ExpectError(HttpStatusCode.NotFound, "E0000007");

        var readOnly = await server.AdminAsync(AdminRole.ReadOnlyAdmin);
        (await readOnly.Api.GetAsync("/api/v1/authenticators")).Expect(HttpStatusCode.OK);
        (await readOnly.Api.PostAsync($"/api/v1/authenticators/{id}/lifecycle/deactivate", null)).ExpectError(HttpStatusCode.Forbidden, "E0000006");
    }

    [Fact]
    public async Task A_totp_factor_is_enrolled_with_its_secret_shown_once_activated_with_a_code_and_verified()
    {
        var (userId, factor, secret) = await EnrollAsync();
        var id = ServerFixture.Id(factor);
        Wire.AssertId(id, "ost");
        Assert.Equal("PENDING_ACTIVATION", (string?)factor["status"]);
        Assert.Equal("token:software:totp", (string?)factor["factorType"]);
        Assert.Equal("OKTA", (string?)factor["provider"]);
        Assert.Equal("base32", (string?)factor["_embedded"]!["activation"]!["encoding"]);
        Assert.Equal(30, (int?)factor["_embedded"]!["activation"]!["timeStep"]);
        Assert.Matches("^[A-Z2-7]{32}$", secret);
        Assert.NotNull(factor["_links"]!["activate"]);

        // Never again: not in a read, a list, nor in the database as it is.
        var read = (await Api.GetAsync($"/api/v1/users/{userId}/factors/{id}")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, read.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, (await Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Body, StringComparison.Ordinal);
        await using (var scope = server.Factory.Services.CreateAsyncScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().UserFactors.AsNoTracking().SingleAsync(f => f.Id == id, TestContext.Current.CancellationToken);
            Assert.DoesNotContain(secret, row.SealedSecret!, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Base32Encoding.ToBytes(secret)).TrimEnd('='), row.SealedSecret!, StringComparison.Ordinal);
        }

        (await Api.PostAsync($"/api/v1/users/{userId}/factors/{id}/verify", new JsonObject { ["passCode"] = Code(secret, Now) }))
            .ExpectError(HttpStatusCode.Gone, "E0000154");
        (await Api.PostAsync($"/api/v1/users/{userId}/factors/{id}/lifecycle/activate", new JsonObject { ["passCode"] = "000000" == Code(secret, Now) ? "111111" : "000000" }))
            .ExpectError(HttpStatusCode.Forbidden, "E0000068");
        var active = (await Api.PostAsync($"/api/v1/users/{userId}/factors/{id}/lifecycle/activate", new JsonObject { ["passCode"] = Code(secret, Now) }))
            .Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)active["status"]);
        Assert.NotNull(active["_links"]!["verify"]);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.activate", id));

        server.Time.Advance(TimeSpan.FromSeconds(30));
        var verified = (await VerifyAsync(userId, id, Code(secret, Now))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("SUCCESS", (string?)verified["factorResult"]);
        var events = await IdxSignInTests.EventsAsync(server, "user.authentication.verify", id);
        Assert.Contains(events, e => (string?)e!["outcome"]!["result"] == "SUCCESS");
        Assert.Contains(events, e => (string?)e!["outcome"]!["reason"] == "INVALID_CREDENTIALS");
        var success = events.First(e => (string?)e!["outcome"]!["result"] == "SUCCESS")!;
        Assert.Equal(["User", "AuthenticatorEnrollment"], success["target"]!.AsArray().Select(t => (string?)t!["type"]));

        var listed = (await Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(id, (string?)Assert.Single(listed)!["id"]);
        (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "OKTA" }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task Every_code_is_accepted_once_including_a_code_of_an_earlier_step_after_a_later_one()
    {
        var (userId, id, secret) = await ActiveFactorAsync();
        var code = Code(secret, Now);
        (await VerifyAsync(userId, id, code)).Expect(HttpStatusCode.OK);
        var replayed = (await VerifyAsync(userId, id, code)).ExpectError(HttpStatusCode.Forbidden, "E0000082");
        Assert.Equal("Each code can only be used once. Please wait for a new code and try again.", (string?)replayed["errorSummary"]);
        (await VerifyAsync(userId, id, Code(secret, Now.AddSeconds(-30)))).ExpectError(HttpStatusCode.Forbidden, "E0000082");
        Assert.Contains(await IdxSignInTests.EventsAsync(server, "user.authentication.verify", id), e => (string?)e!["outcome"]!["reason"] == "PASSCODE_REPLAYED");

        // One step of drift either way is accepted; two are not.
        server.Time.Advance(TimeSpan.FromSeconds(30));
        (await VerifyAsync(userId, id, Code(secret, Now.AddSeconds(30)))).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(90));
        (await VerifyAsync(userId, id, Code(secret, Now.AddSeconds(60)))).ExpectError(HttpStatusCode.Forbidden, "E0000068");
    }

    [Fact]
    public async Task Five_wrong_codes_lock_the_factor_for_five_minutes_and_malformed_codes_count()
    {
        var (userId, id, secret) = await ActiveFactorAsync();
        var wrong = Code(secret, Now) == "000000" ? "111111" : "000000";
        // No code at all is a malformed request and costs no attempt; every code of the wrong shape does.
        (await VerifyAsync(userId, id, null)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        foreach (var bad in new[] { wrong, "12345", "abcdef", "1234567", "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16" })
        {
            (await VerifyAsync(userId, id, bad)).ExpectError(HttpStatusCode.Forbidden, "E0000068");
        }

        var locked = (await VerifyAsync(userId, id, Code(secret, Now))).ExpectError(HttpStatusCode.Forbidden, "E0000069");
        Assert.Equal("User Locked", (string?)locked["errorSummary"]);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.suspend", id));
        Assert.Contains(await IdxSignInTests.EventsAsync(server, "user.authentication.verify", id), e => (string?)e!["outcome"]!["reason"] == "LOCKED_OUT");

        server.Time.Advance(TimeSpan.FromMinutes(5));
        (await VerifyAsync(userId, id, Code(secret, Now))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reset_factors_removes_every_factor_of_the_user_with_an_event_and_deleting_the_user_removes_them_too()
    {
        var (userId, id, _) = await ActiveFactorAsync();
        var (_, pending, _) = await EnrollAsync("GOOGLE");
        (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "GOOGLE" })).Expect(HttpStatusCode.OK);
        Assert.Equal(2, (await Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array.Count);

        (await Api.PostAsync($"/api/v1/users/{userId}/lifecycle/reset_factors", null)).Expect(HttpStatusCode.OK);
        Assert.Empty((await Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array);
        (await Api.GetAsync($"/api/v1/users/{userId}/factors/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.reset_all", userId));

        // Deleting a user (deactivate, then delete) deletes their factors: no sealed secret is left behind.
        var owner = (string)pending["_links"]!["user"]!["href"]!;
        var ownerId = owner[(owner.LastIndexOf('/') + 1)..];
        (await Api.DeleteAsync($"/api/v1/users/{ownerId}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{ownerId}")).Expect(HttpStatusCode.NoContent);
        Assert.Equal(0, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == ownerId)));
    }

    [Fact]
    public async Task A_suspended_or_locked_out_user_s_right_code_is_refused()
    {
        var (userId, id, secret) = await ActiveFactorAsync();
        (await Api.PostAsync($"/api/v1/users/{userId}/lifecycle/suspend", null)).Expect(HttpStatusCode.OK);
        (await VerifyAsync(userId, id, Code(secret, Now))).ExpectError((HttpStatusCode)423, "E0000155");
        (await Api.PostAsync($"/api/v1/users/{userId}/lifecycle/unsuspend", null)).Expect(HttpStatusCode.OK);
        await server.WithDbAsync(db => db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, "LOCKED_OUT")));
        (await VerifyAsync(userId, id, Code(secret, Now))).ExpectError(HttpStatusCode.Forbidden, "E0000069");
        (await Api.PostAsync($"/api/v1/users/{userId}/lifecycle/unlock", null)).Expect(HttpStatusCode.OK);
        (await VerifyAsync(userId, id, Code(secret, Now))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_sealed_secret_copied_to_another_factor_does_not_open_there_and_that_factor_still_locks()
    {
        var (userId, id, _) = await ActiveFactorAsync();
        var (otherUser, otherId, otherSecret) = await ActiveFactorAsync();
        await server.WithDbAsync(async db =>
        {
            var sealedSecret = await db.UserFactors.Where(f => f.Id == otherId).Select(f => f.SealedSecret).SingleAsync();
            return await db.UserFactors.Where(f => f.Id == id).ExecuteUpdateAsync(f => f.SetProperty(x => x.SealedSecret, sealedSecret));
        });
        for (var i = 0; i < 5; i++)
        {
            (await VerifyAsync(userId, id, Code(otherSecret, Now))).ExpectError(HttpStatusCode.Forbidden, "E0000068");
        }

        (await VerifyAsync(userId, id, Code(otherSecret, Now))).ExpectError(HttpStatusCode.Forbidden, "E0000069");
        Assert.Contains(await IdxSignInTests.EventsAsync(server, "user.authentication.verify", id), e => (string?)e!["outcome"]!["reason"] == "FACTOR_SECRET_UNREADABLE");
        (await VerifyAsync(otherUser, otherId, Code(otherSecret, Now))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_code_from_oathtool_is_accepted_and_the_servers_codes_match_oathtools()
    {
        var (userId, id, secret) = await ActiveFactorAsync();
        var at = Now.ToUnixTimeSeconds();
        var info = new ProcessStartInfo("oathtool", ["--totp", "--base32", secret, "--now", $"@{at}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("oathtool did not start (apt-get install oathtool)");
        var code = (await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Code(secret, Now), code);
        Assert.Equal("SUCCESS", (string?)(await VerifyAsync(userId, id, code)).Expect(HttpStatusCode.OK).Object["factorResult"]);
    }

    [Fact]
    public async Task Unknown_users_factors_and_types_are_refused_and_a_deleted_factor_is_gone_with_an_event()
    {
        var (userId, id, _) = await ActiveFactorAsync();
        (await Api.GetAsync($"/api/v1/users/{userId}/factors/ostNoSuchFactor12345")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await VerifyAsync(userId, "ostNoSuchFactor12345", "123456")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.GetAsync("/api/v1/users/00uNoSuchUser1234567/factors")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "sms", ["provider"] = "OKTA" }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "RSA" }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["provider"] = "OKTA" })).ExpectError(HttpStatusCode.BadRequest, "E0000001");

        // Another user's factor is not this user's.
        var other = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.GetAsync($"/api/v1/users/{other}/factors/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");

        (await Api.DeleteAsync($"/api/v1/users/{userId}/factors/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/users/{userId}/factors/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.deactivate", id));

        var helpDesk = await server.AdminAsync(AdminRole.HelpDeskAdmin);
        var (second, secondFactor, _) = await EnrollAsync("GOOGLE");
        Wire.AssertId(ServerFixture.Id(secondFactor), "uft");
        (await helpDesk.Api.DeleteAsync($"/api/v1/users/{second}/factors/{ServerFixture.Id(secondFactor)}")).Expect(HttpStatusCode.NoContent);
        var appAdmin = await server.AdminAsync(AdminRole.AppAdmin);
        (await appAdmin.Api.PostAsync($"/api/v1/users/{second}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "OKTA" }))
            .ExpectError(HttpStatusCode.Forbidden, "E0000006");
    }
}
