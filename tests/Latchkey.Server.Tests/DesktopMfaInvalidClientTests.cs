using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Wrong Desktop MFA client credentials from one address: up to <c>Latchkey:RateLimits:DesktopMfaInvalidClient</c> (30 a
/// minute) each is refused <c>invalid_client</c> and logged; past it, 429 <c>rate_limited</c> with the wait, and no more log
/// events, so agents left with a rotated secret cannot flood the System Log; the right credentials are still served.
/// </summary>
public sealed class DesktopMfaInvalidClientTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(HttpStatusCode Status, JsonObject Body)> MethodsAsync(string clientId, string secret, string login)
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}"));
        var body = new JsonObject { ["login"] = login, ["computer"] = new JsonObject { ["name"] = "Mac" } };
        var response = await server.Api.SendRawAsync(HttpMethod.Post, "/device-access/desktop-mfa/v1/methods", body.ToJsonString(), basic, scheme: "Basic");
        return (response.Status, response.Object);
    }

    [Fact]
    public async Task Past_the_limit_wrong_credentials_get_429_and_are_no_longer_logged_while_the_right_ones_still_work()
    {
        var app = await DesktopMfaKit.CreateAppAsync(server);
        var appId = ServerFixture.Id(app);
        var secret = (string)app["credentials"]!["oauthClient"]!["client_secret"]!;
        var (login, _) = await DesktopMfaKit.AssignedUserAsync(server, appId);

        var answers = new List<(HttpStatusCode Status, JsonObject Body)>();
        for (var i = 0; i < 32; i++)
        {
            answers.Add(await MethodsAsync(appId, "wrong-secret", login));
        }

        var logged = await server.WithDbAsync(db => Task.FromResult(db.LogEvents.Count(e => e.EventType == "user.authentication.auth_via_mfa" && e.Json.Contains(appId))));
        var right = await MethodsAsync(appId, secret, login);

        Assert.All(answers.Take(30), a => Assert.Equal("invalid_client", (string)a.Body["error"]!));
        Assert.All(answers.Skip(30), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.Status));
        Assert.Equal("rate_limited", (string)answers[^1].Body["error"]!);
        Assert.True((long)answers[^1].Body["retryAfterSeconds"]! > 0);
        Assert.Equal(30, logged);
        Assert.Equal(HttpStatusCode.OK, right.Status);
    }
}
