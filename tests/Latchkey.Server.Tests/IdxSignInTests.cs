using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 items 1-3 over HTTP: the IDX endpoints (okta-api.md section 10.4) drive identify -> password -> success
/// with the real response shapes and media type; every refused password looks the same; bad state handles are refused
/// with the IDX error shape, never a 500.
/// </summary>
public sealed class IdxSignInTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(string Id, string Login)> UserAsync()
    {
        var user = await server.CreateUserAsync();
        return (ServerFixture.Id(user), (string)user["profile"]!["login"]!);
    }

    internal static async Task<JsonArray> EventsAsync(ServerFixture server, string eventType, string targetId) =>
        (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"{eventType}\" and target.id eq \"{targetId}\"")}"))
            .Expect(HttpStatusCode.OK).Array;

    [Fact]
    public async Task Introspect_without_a_body_starts_an_org_sign_in_at_the_identify_step_in_ion_json()
    {
        using var client = new SignInClient(server);
        var response = (await client.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK);
        Assert.Equal("application/ion+json", response.ContentType?.MediaType);
        Assert.Contains(response.ContentType!.Parameters, p => p.Name == "okta-version" && p.Value == "1.0.0");
        var idx = response.Object;
        Assert.Equal("1.0.0", (string?)idx["version"]);
        Assert.StartsWith("02", (string)idx["stateHandle"]!, StringComparison.Ordinal);
        Assert.Equal("LOGIN", (string?)idx["intent"]);
        Assert.True(DateTimeOffset.Parse((string)idx["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        Assert.Equal(["identify", "launch-authenticator"], SignInClient.RemediationNames(idx));
        var identify = idx["remediation"]!["value"]![0]!;
        Assert.EndsWith("/idp/idx/identify", (string)identify["href"]!, StringComparison.Ordinal);
        Assert.Equal("application/json; okta-version=1.0.0", (string?)identify["accepts"]);
        var fields = identify["value"]!.AsArray().Select(f => (string)f!["name"]!).ToList();
        Assert.Equal(["identifier", "rememberMe", "stateHandle"], fields);
        Assert.Equal((string)idx["stateHandle"]!, (string?)identify["value"]![2]!["value"]);
        Assert.EndsWith("/idp/idx/cancel", (string)idx["cancel"]!["href"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_password_after_identify_ends_in_success_with_an_httponly_lax_session_cookie()
    {
        var (id, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var challenge = (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["challenge-authenticator"], SignInClient.RemediationNames(challenge));
        Assert.Equal("okta_password", (string?)challenge["currentAuthenticatorEnrollment"]!["value"]!["key"]);
        Assert.Equal(login, (string?)challenge["user"]!["value"]!["identifier"]);
        Assert.Null(challenge["user"]!["value"]!["id"]);

        var success = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        Assert.Equal("success-redirect", (string?)success.Object["success"]!["name"]);
        Assert.Equal(id, (string?)success.Object["user"]!["value"]!["id"]);
        var setCookie = success.Header("Set-Cookie")!.ToLowerInvariant();
        Assert.Contains("sid=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", setCookie, StringComparison.Ordinal);

        var session = (await client.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(id, (string?)session["userId"]);
        Assert.Equal(login, (string?)session["login"]);
        Assert.Equal("ACTIVE", (string?)session["status"]);

        Assert.Single(await EventsAsync(server, "user.session.start", id));
        Assert.Single(await EventsAsync(server, "user.authentication.authenticate", id));
        var verify = Assert.Single(await EventsAsync(server, "user.authentication.verify", id))!;
        Assert.Equal("SUCCESS", (string?)verify["outcome"]!["result"]);
        Assert.Equal(id, (string?)verify["actor"]!["id"]);
        var user = (await server.Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull((string?)user["lastLogin"]);
    }

    [Fact]
    public async Task Identify_with_credentials_signs_in_in_one_request()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var response = await client.IdxAsync("/idp/idx/identify", new JsonObject
        {
            ["identifier"] = login, ["credentials"] = new JsonObject { ["passcode"] = ServerFixture.Password }, ["stateHandle"] = handle,
        });
        Assert.NotNull(response.Expect(HttpStatusCode.OK).Object["success"]);
        Assert.NotNull(client.SessionCookie);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_suspended_or_deprovisioned_user_get_the_same_refusal_while_the_log_has_the_reason()
    {
        var (wrongId, wrongLogin) = await UserAsync();
        var (suspendedId, suspendedLogin) = await UserAsync();
        (await server.Api.PostAsync($"/api/v1/users/{suspendedId}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        var (goneId, goneLogin) = await UserAsync();
        (await server.Api.PostAsync($"/api/v1/users/{goneId}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        using var client = new SignInClient(server);

        var answers = new List<JsonObject>();
        foreach (var (login, password) in new[]
                 {
                     (wrongLogin, "Wr0ngPassword!"), (suspendedLogin, ServerFixture.Password), (goneLogin, ServerFixture.Password),
                     ($"nobody.{ServerFixture.Unique()}@example.com", ServerFixture.Password),
                 })
        {
            var refused = (await client.SignInAsync(login, password)).Expect(HttpStatusCode.Unauthorized).Object;
            answers.Add(refused);
        }

        foreach (var refused in answers)
        {
            Assert.Equal(["challenge-authenticator"], SignInClient.RemediationNames(refused));
            Assert.Equal(["errors.E0000004"], SignInClient.MessageKeys(refused));
            Assert.Null(refused["success"]);
            Assert.Null(refused["user"]!["value"]!["id"]);
        }

        Assert.Equal(answers[0].Select(p => p.Key), answers[3].Select(p => p.Key));
        Assert.Null(client.SessionCookie);
        Assert.Equal("INVALID_CREDENTIALS", Reason(Assert.Single(await EventsAsync(server, "user.authentication.verify", wrongId))));
        Assert.Equal("USER_SUSPENDED", Reason(Assert.Single(await EventsAsync(server, "user.authentication.verify", suspendedId))));
        Assert.Equal("USER_DEPROVISIONED", Reason(Assert.Single(await EventsAsync(server, "user.authentication.verify", goneId))));
    }

    private static string? Reason(JsonNode? e) => (string?)e!["outcome"]!["reason"];

    [Fact]
    public async Task A_refused_password_leaves_the_transaction_at_the_password_step_for_another_try()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        (await client.AnswerAsync(handle, "Wr0ngPassword!")).Expect(HttpStatusCode.Unauthorized);
        Assert.NotNull((await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object["success"]);
    }

    [Fact]
    public async Task A_forged_a_used_and_a_cancelled_state_handle_are_refused_with_the_idx_session_expired_shape()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var forged = await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = "02" + ServerFixture.Unique(43) });
        AssertExpired(forged);

        var handle = await client.StartAsync();
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        AssertExpired(await client.AnswerAsync(handle, ServerFixture.Password));
        AssertExpired(await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = handle }));

        var cancelled = await client.StartAsync();
        var fresh = (await client.IdxAsync("/idp/idx/cancel", new JsonObject { ["stateHandle"] = cancelled })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["identify", "launch-authenticator"], SignInClient.RemediationNames(fresh));
        Assert.NotEqual(cancelled, (string?)fresh["stateHandle"]);
        AssertExpired(await client.IdentifyAsync(cancelled, login));
        AssertExpired(await client.IdxAsync("/idp/idx/identify", new JsonObject { ["identifier"] = login }));
    }

    internal static void AssertExpired(ApiResponse response)
    {
        response.Expect(HttpStatusCode.Unauthorized);
        Assert.Equal("application/ion+json", response.ContentType?.MediaType);
        Assert.Equal("1.0.0", (string?)response.Object["version"]);
        Assert.Equal(["idx.session.expired"], SignInClient.MessageKeys(response.Object));
    }

    [Fact]
    public async Task Introspect_with_a_live_state_handle_or_state_token_shows_the_current_step()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        foreach (var key in new[] { "stateHandle", "stateToken" })
        {
            var idx = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { [key] = handle })).Expect(HttpStatusCode.OK).Object;
            Assert.Equal(["challenge-authenticator"], SignInClient.RemediationNames(idx));
        }
    }

    [Fact]
    public async Task A_form_the_current_step_does_not_offer_is_refused_with_the_current_step()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var early = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Equal(["identify", "launch-authenticator"], SignInClient.RemediationNames(early));
        Assert.Equal(["idx.remediation.not.available"], SignInClient.MessageKeys(early));
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Challenge_selects_the_password_authenticator_and_refuses_another()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var challenge = (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK).Object;
        var authenticatorId = (string)challenge["currentAuthenticatorEnrollment"]!["value"]!["id"]!;
        Assert.StartsWith("aut", authenticatorId, StringComparison.Ordinal);
        var selected = await client.IdxAsync("/idp/idx/challenge", new JsonObject
        {
            ["authenticator"] = new JsonObject { ["id"] = authenticatorId, ["methodType"] = "password" }, ["stateHandle"] = handle,
        });
        Assert.Equal(["challenge-authenticator"], SignInClient.RemediationNames(selected.Expect(HttpStatusCode.OK).Object));
        (await client.IdxAsync("/idp/idx/challenge", new JsonObject
        {
            ["authenticator"] = new JsonObject { ["id"] = "autNOTHERE", ["methodType"] = "push" }, ["stateHandle"] = handle,
        })).Expect(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Malformed_blank_and_oversized_input_is_refused_in_the_idx_shape_never_with_a_500()
    {
        using var client = new SignInClient(server);
        var malformed = await client.SendAsync(HttpMethod.Post, "/idp/idx/introspect", "{\"stateHandle\":", SignInClient.IonJson);
        malformed.Expect(HttpStatusCode.BadRequest);
        Assert.Equal("1.0.0", (string?)malformed.Object["version"]);
        Assert.Equal(["errors.E0000003"], SignInClient.MessageKeys(malformed.Object));

        var handle = await client.StartAsync();
        var blank = (await client.IdentifyAsync(handle, "  ")).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Equal(["model.validation.field.blank"], SignInClient.MessageKeys(blank));
        var oversized = (await client.IdentifyAsync(handle, new string('a', 300) + "@example.com")).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Equal(["model.validation.field.string.maxLength"], SignInClient.MessageKeys(oversized));
        (await client.IdentifyAsync(handle, $"x.{ServerFixture.Unique()}@example.com")).Expect(HttpStatusCode.OK);
        var longPassword = (await client.AnswerAsync(handle, new string('p', 5000))).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Equal(["model.validation.field.string.maxLength"], SignInClient.MessageKeys(longPassword));
        (await client.IdxAsync("/idp/idx/identify", new JsonObject { ["identifier"] = 5, ["stateHandle"] = handle })).Expect(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_expired_password_must_be_replaced_through_reenroll_authenticator_before_a_session()
    {
        var (id, login) = await UserAsync();
        (await server.Api.PostAsync($"/api/v1/users/{id}/lifecycle/expire_password")).Expect(HttpStatusCode.OK);
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        var reenroll = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["reenroll-authenticator"], SignInClient.RemediationNames(reenroll));
        Assert.Equal(["password.expired.title"], SignInClient.MessageKeys(reenroll));
        Assert.Equal(8, (int)reenroll["currentAuthenticator"]!["value"]!["settings"]!["complexity"]!["minLength"]!);
        Assert.Null(client.SessionCookie);

        var weak = (await client.AnswerAsync(handle, "short")).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Contains("password.passwordRequirementsNotMet", SignInClient.MessageKeys(weak));
        var reused = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Contains("password.passwordRequirementsNotMet", SignInClient.MessageKeys(reused));

        var done = (await client.AnswerAsync(handle, "N3wPassword!xyz")).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(done["success"]);
        Assert.NotNull(client.SessionCookie);
        var user = (await server.Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)user["status"]);
        using var again = new SignInClient(server);
        (await again.SignInAsync(login, "N3wPassword!xyz")).Expect(HttpStatusCode.OK);
    }

    private async Task<int> StoredTransactionsAsync()
    {
        await using var scope = server.Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Latchkey.Server.Persistence.LatchkeyDbContext>().SignInTransactions.CountAsync();
    }

    [Fact]
    public async Task Starting_sign_ins_writes_nothing_until_a_username_is_given()
    {
        using var client = new SignInClient(server);
        var before = await StoredTransactionsAsync();
        var handles = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            handles.Add(await client.StartAsync());
        }

        Assert.Equal(before, await StoredTransactionsAsync());
        Assert.Equal(20, handles.Distinct().Count());
        var again = (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = handles[0] })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(["identify", "launch-authenticator"], SignInClient.RemediationNames(again));

        var (_, login) = await UserAsync();
        (await client.IdentifyAsync(handles[0], login)).Expect(HttpStatusCode.OK);
        Assert.Equal(before + 1, await StoredTransactionsAsync());
    }

    [Fact]
    public async Task A_new_sign_in_handle_identified_by_racing_requests_continues_for_exactly_one()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.IdentifyAsync(handle, login)));
        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.OK));
        // A loser either met the stored winner (the username step is no longer offered) or lost the insert itself (expired).
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Contains(a.Status, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized }));
        Assert.Equal(["challenge-authenticator"], SignInClient.RemediationNames(
            (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = handle })).Expect(HttpStatusCode.OK).Object));
        (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_altered_new_sign_in_handle_is_refused_as_expired()
    {
        using var client = new SignInClient(server);
        var handle = await client.StartAsync();
        var middle = handle.Length / 2;
        var altered = handle[..middle] + (handle[middle] == 'A' ? 'B' : 'A') + handle[(middle + 1)..];
        var (_, login) = await UserAsync();
        var refused = (await client.IdentifyAsync(altered, login)).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Contains("idx.session.expired", SignInClient.MessageKeys(refused));
        (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = altered + "x" })).Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_new_sign_in_handle_is_refused_once_it_signed_in_or_was_cancelled()
    {
        var (_, login) = await UserAsync();
        using var client = new SignInClient(server);
        var used = await client.StartAsync();
        (await client.IdentifyAsync(used, login)).Expect(HttpStatusCode.OK);
        (await client.AnswerAsync(used, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = used })).Expect(HttpStatusCode.Unauthorized);
        (await client.IdentifyAsync(used, login)).Expect(HttpStatusCode.Unauthorized);

        var cancelled = await client.StartAsync();
        (await client.IdxAsync("/idp/idx/cancel", new JsonObject { ["stateHandle"] = cancelled })).Expect(HttpStatusCode.OK);
        (await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["stateHandle"] = cancelled })).Expect(HttpStatusCode.Unauthorized);
        (await client.IdentifyAsync(cancelled, login)).Expect(HttpStatusCode.Unauthorized);
    }
}
