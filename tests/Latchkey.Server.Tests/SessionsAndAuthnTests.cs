using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 items 3 and 5: the classic <c>/api/v1/authn</c> (SUCCESS with a one-time sessionToken, PASSWORD_EXPIRED,
/// LOCKED_OUT) into the same pipeline, the Sessions API as the SDK's sessionApi uses it, the cookie's own
/// <c>/sessions/me</c>, sign-out and revocation, with their System Log events.
/// </summary>
public sealed class SessionsAndAuthnTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(string Id, string Login)> UserAsync()
    {
        var user = await server.CreateUserAsync();
        return (ServerFixture.Id(user), (string)user["profile"]!["login"]!);
    }

    private Task<ApiResponse> AuthnAsync(string username, string password) =>
        server.Api.SendRawAsync(HttpMethod.Post, "/api/v1/authn",
            new JsonObject { ["username"] = username, ["password"] = password }.ToJsonString(), auth: null);

    [Fact]
    public async Task Authn_with_the_right_password_answers_success_with_a_session_token_that_makes_one_session()
    {
        var (id, login) = await UserAsync();
        var authn = (await AuthnAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("SUCCESS", (string?)authn["status"]);
        Assert.Equal(id, (string?)authn["_embedded"]!["user"]!["id"]);
        Assert.Equal(login, (string?)authn["_embedded"]!["user"]!["profile"]!["login"]);
        var token = (string)authn["sessionToken"]!;

        var session = (await server.Api.PostAsync("/api/v1/sessions", new JsonObject { ["sessionToken"] = token })).Expect(HttpStatusCode.OK).Object;
        var sessionId = (string)session["id"]!;
        Assert.StartsWith("102", sessionId, StringComparison.Ordinal);
        Assert.Equal(id, (string?)session["userId"]);
        Assert.Equal("ACTIVE", (string?)session["status"]);
        Assert.Equal(["pwd"], session["amr"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("OKTA", (string?)session["idp"]!["type"]);
        Assert.EndsWith($"/api/v1/sessions/{sessionId}", (string)session["_links"]!["self"]!["href"]!, StringComparison.Ordinal);

        (await server.Api.PostAsync("/api/v1/sessions", new JsonObject { ["sessionToken"] = token })).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.session.start", id));

        (await server.Api.GetAsync($"/api/v1/sessions/{sessionId}")).Expect(HttpStatusCode.OK);
        var refreshed = (await server.Api.PostAsync($"/api/v1/sessions/{sessionId}/lifecycle/refresh")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(sessionId, (string?)refreshed["id"]);
        (await server.Api.DeleteAsync($"/api/v1/sessions/{sessionId}")).Expect(HttpStatusCode.NoContent);
        (await server.Api.GetAsync($"/api/v1/sessions/{sessionId}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        var ended = Assert.Single(await IdxSignInTests.EventsAsync(server, "user.session.end", sessionId))!;
        Assert.Equal(server.Admin.Id, (string?)ended["actor"]!["id"]);
    }

    [Fact]
    public async Task Authn_refuses_a_wrong_password_an_unknown_and_a_suspended_user_alike()
    {
        var (_, login) = await UserAsync();
        var (suspendedId, suspended) = await UserAsync();
        (await server.Api.PostAsync($"/api/v1/users/{suspendedId}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        (await AuthnAsync(login, "Wr0ngPassword!")).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        (await AuthnAsync($"nobody.{ServerFixture.Unique()}@example.com", ServerFixture.Password)).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        (await AuthnAsync(suspended, ServerFixture.Password)).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        (await AuthnAsync(login, "")).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        (await AuthnAsync(login, new string('x', 5000))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task Authn_answers_locked_out_only_to_someone_with_the_right_password()
    {
        var (id, login) = await UserAsync();
        for (var i = 0; i < 10; i++)
        {
            (await AuthnAsync(login, "Wr0ngPassword!")).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        }

        (await AuthnAsync(login, "Wr0ngPassword!")).ExpectError(HttpStatusCode.Unauthorized, "E0000004");
        var locked = (await AuthnAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("LOCKED_OUT", (string?)locked["status"]);
        Assert.Null(locked["sessionToken"]);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.account.lock", id));
    }

    [Fact]
    public async Task Authn_of_an_expired_password_answers_password_expired_and_change_password_ends_in_success()
    {
        var (id, login) = await UserAsync();
        (await server.Api.PostAsync($"/api/v1/users/{id}/lifecycle/expire_password")).Expect(HttpStatusCode.OK);
        var expired = (await AuthnAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("PASSWORD_EXPIRED", (string?)expired["status"]);
        Assert.Null(expired["sessionToken"]);
        var stateToken = (string)expired["stateToken"]!;
        Assert.EndsWith("/api/v1/authn/credentials/change_password", (string)expired["_links"]!["next"]!["href"]!, StringComparison.Ordinal);

        Task<ApiResponse> Change(string oldPassword, string newPassword) => server.Api.SendRawAsync(HttpMethod.Post, "/api/v1/authn/credentials/change_password",
            new JsonObject { ["stateToken"] = stateToken, ["oldPassword"] = oldPassword, ["newPassword"] = newPassword }.ToJsonString(), auth: null);

        (await Change("Wr0ngPassword!", "N3wPassword!xyz")).ExpectError(HttpStatusCode.Forbidden, "E0000014");
        (await Change(ServerFixture.Password, "short")).ExpectError(HttpStatusCode.Forbidden, "E0000080");
        var done = (await Change(ServerFixture.Password, "N3wPassword!xyz")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("SUCCESS", (string?)done["status"]);
        (await Change(ServerFixture.Password, "N3wPassword!xyz")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
        (await server.Api.PostAsync("/api/v1/sessions", new JsonObject { ["sessionToken"] = (string)done["sessionToken"]! })).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", (string?)(await server.Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object["status"]);
    }

    [Fact]
    public async Task Sessions_me_without_a_cookie_is_not_found_rather_than_an_api_token_error()
    {
        using var client = new SignInClient(server);
        (await client.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        client.Cookies.Add(server.Api.BaseAddress, new Cookie("sid", "forged-" + ServerFixture.Unique(30)));
        (await client.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_clears_the_cookie()
    {
        var (id, login) = await UserAsync();
        using var client = new SignInClient(server);
        (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        var cookie = client.SessionCookie!.Value;
        var sessionId = (string)(await client.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK).Object["id"]!;
        (await client.DeleteAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.NoContent);
        Assert.Null(client.SessionCookie);
        var ended = Assert.Single(await IdxSignInTests.EventsAsync(server, "user.session.end", sessionId))!;
        Assert.Equal(id, (string?)ended["actor"]!["id"]);

        using var replay = new SignInClient(server);
        replay.Cookies.Add(server.Api.BaseAddress, new Cookie("sid", cookie));
        (await replay.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Revoking_a_users_sessions_ends_every_one_of_them()
    {
        var (id, login) = await UserAsync();
        using var browser = new SignInClient(server);
        using var laptop = new SignInClient(server);
        (await browser.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        (await laptop.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        var other = await UserAsync();
        using var bystander = new SignInClient(server);
        (await bystander.SignInAsync(other.Login, ServerFixture.Password)).Expect(HttpStatusCode.OK);

        (await server.Api.DeleteAsync($"/api/v1/users/{id}/sessions")).Expect(HttpStatusCode.NoContent);
        (await browser.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await laptop.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await bystander.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK);
        var cleared = Assert.Single(await IdxSignInTests.EventsAsync(server, "user.session.clear", id))!;
        Assert.Equal(2, (int)cleared["debugContext"]!["debugData"]!["sessionsRevoked"]!);
    }

    [Fact]
    public async Task The_token_endpoints_of_sessions_need_an_api_token()
    {
        (await server.Api.SendRawAsync(HttpMethod.Get, "/api/v1/sessions/102abcdefghijklmnopq", null, auth: null)).ExpectError(HttpStatusCode.Forbidden, "E0000005");
        (await server.Api.SendRawAsync(HttpMethod.Post, "/api/v1/sessions", "{\"sessionToken\":\"x\"}", auth: null)).ExpectError(HttpStatusCode.Forbidden, "E0000005");
        (await server.Api.GetAsync("/api/v1/sessions/102abcdefghijklmnopq")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Change_password_with_revoke_sessions_ends_the_users_sessions_and_without_it_keeps_them()
    {
        var (id, login) = await UserAsync();
        using var kept = new SignInClient(server);
        (await kept.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        (await server.Api.PostAsync($"/api/v1/users/{id}/credentials/change_password", new JsonObject
        {
            ["oldPassword"] = new JsonObject { ["value"] = ServerFixture.Password }, ["newPassword"] = new JsonObject { ["value"] = "Chang3dPassword!" },
        })).Expect(HttpStatusCode.OK);
        (await kept.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK);

        (await server.Api.PostAsync($"/api/v1/users/{id}/credentials/change_password", new JsonObject
        {
            ["oldPassword"] = new JsonObject { ["value"] = "Chang3dPassword!" }, ["newPassword"] = new JsonObject { ["value"] = "Chang3dAgain!99" },
            ["revokeSessions"] = true,
        })).Expect(HttpStatusCode.OK);
        (await kept.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.session.clear", id));
    }

    [Fact]
    public async Task A_suspended_users_session_no_longer_counts()
    {
        var (id, login) = await UserAsync();
        using var client = new SignInClient(server);
        (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        (await server.Api.PostAsync($"/api/v1/users/{id}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        (await client.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }
}
