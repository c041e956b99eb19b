using System.Net;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 items 2 and 3: sign-in obeys the settings stored on the org's PASSWORD and OKTA_SIGN_ON policies (a new
/// org's defaults are seeded there), not constants: a stricter lockout with an automatic unlock, a shorter idle limit.
/// </summary>
public sealed class SignInPolicyTests
{
    [Fact]
    public async Task A_new_org_stores_the_default_lockout_and_session_settings_on_its_policies()
    {
        await using var server = new ServerFixture();
        await server.InitializeAsync();
        var settings = await server.WithDbAsync(db => db.Policies.Where(p => p.Type == "PASSWORD" || p.Type == "OKTA_SIGN_ON")
            .ToDictionaryAsync(p => p.Type, p => p.SettingsJson));
        Assert.Contains("\"maxAttempts\":10", settings["PASSWORD"], StringComparison.Ordinal);
        Assert.Contains("\"autoUnlockMinutes\":0", settings["PASSWORD"], StringComparison.Ordinal);
        Assert.Contains("\"maxSessionIdleMinutes\":120", settings["OKTA_SIGN_ON"], StringComparison.Ordinal);
        Assert.Contains("\"maxSessionLifetimeMinutes\":1440", settings["OKTA_SIGN_ON"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_of_three_attempts_and_a_fifteen_minute_auto_unlock_is_obeyed()
    {
        await using var server = new ClockedServerFixture();
        await server.InitializeAsync();
        await server.WithDbAsync(db => db.Policies.Where(p => p.Type == "PASSWORD")
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.SettingsJson, "{\"password\":{\"lockout\":{\"maxAttempts\":3,\"autoUnlockMinutes\":15}}}")));
        await server.WithDbAsync(db => db.Policies.Where(p => p.Type == "OKTA_SIGN_ON")
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.SettingsJson, "{\"session\":{\"maxSessionIdleMinutes\":30,\"maxSessionLifetimeMinutes\":60}}")));
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        using var client = new SignInClient(server);
        for (var i = 0; i < 3; i++)
        {
            (await client.SignInAsync(login, "Wr0ngPassword!")).Expect(HttpStatusCode.Unauthorized);
        }

        Assert.Equal("LOCKED_OUT", (string?)(await server.Api.GetAsync($"/api/v1/users/{ServerFixture.Id(user)}")).Object["status"]);
        server.Time.Advance(TimeSpan.FromMinutes(14));
        (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.Unauthorized);
        server.Time.Advance(TimeSpan.FromMinutes(1));
        (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", (string?)(await server.Api.GetAsync($"/api/v1/users/{ServerFixture.Id(user)}")).Object["status"]);

        server.Time.Advance(TimeSpan.FromMinutes(31));
        (await client.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }
}
