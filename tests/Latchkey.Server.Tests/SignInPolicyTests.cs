using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 items 2 and 3: sign-in obeys the settings stored on the org's PASSWORD and OKTA_SIGN_ON policies (a new
/// org's defaults are seeded there), not constants: a stricter lockout with an automatic unlock, a shorter idle limit.
/// </summary>
public sealed class SignInPolicyTests
{
    [Fact]
    public async Task A_new_org_stores_the_default_lockout_on_its_password_policy_and_the_session_on_its_sign_on_default_rule()
    {
        await using var server = new ServerFixture();
        await server.InitializeAsync();
        var password = (await server.Api.GetAsync("/api/v1/policies?type=PASSWORD")).Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Equal(10, (int)password["settings"]!["password"]!["lockout"]!["maxAttempts"]!);
        Assert.Equal(0, (int)password["settings"]!["password"]!["lockout"]!["autoUnlockMinutes"]!);
        var signOn = (await server.Api.GetAsync("/api/v1/policies?type=OKTA_SIGN_ON&expand=rules")).Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Null(signOn["settings"]);
        var session = signOn["_embedded"]!["rules"]![0]!["actions"]!["signon"]!["session"]!;
        Assert.Equal(120, (int)session["maxSessionIdleMinutes"]!);
        Assert.Equal(1440, (int)session["maxSessionLifetimeMinutes"]!);
    }

    [Fact]
    public async Task A_lockout_of_three_attempts_with_a_fifteen_minute_auto_unlock_and_a_thirty_minute_idle_limit_set_through_the_api_are_obeyed()
    {
        await using var server = new ClockedServerFixture();
        await server.InitializeAsync();
        var password = (JsonObject)(await server.Api.GetAsync("/api/v1/policies?type=PASSWORD")).Array.Single()!;
        password["settings"]!["password"]!["lockout"] = new JsonObject { ["maxAttempts"] = 3, ["autoUnlockMinutes"] = 15 };
        (await server.Api.PutAsync($"/api/v1/policies/{password["id"]}", password)).Expect(HttpStatusCode.OK);
        var signOn = (await server.Api.GetAsync("/api/v1/policies?type=OKTA_SIGN_ON")).Array.Single()!;
        var rule = (JsonObject)(await server.Api.GetAsync($"/api/v1/policies/{signOn["id"]}/rules")).Array.Single()!;
        rule["actions"]!["signon"]!["session"] = new JsonObject { ["maxSessionIdleMinutes"] = 30, ["maxSessionLifetimeMinutes"] = 60 };
        (await server.Api.PutAsync($"/api/v1/policies/{signOn["id"]}/rules/{rule["id"]}", rule)).Expect(HttpStatusCode.OK);

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

    [Fact]
    public async Task An_org_from_before_policy_rules_gets_its_system_rules_at_start_up_and_keeps_its_session_settings()
    {
        await using var server = new ServerFixture();
        await server.InitializeAsync();
        await server.WithDbAsync(db => db.PolicyRules.ExecuteDeleteAsync(TestContext.Current.CancellationToken));
        await server.WithDbAsync(db => db.Policies.Where(p => p.Type == "OKTA_SIGN_ON")
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.SettingsJson, "{\"session\":{\"maxSessionIdleMinutes\":45,\"maxSessionLifetimeMinutes\":90}}"),
                TestContext.Current.CancellationToken));

        await DatabaseInitializer.InitializeAsync(server.Factory.Services, TestContext.Current.CancellationToken);

        var policies = await server.WithDbAsync(db => db.Policies.ToListAsync(TestContext.Current.CancellationToken));
        var rules = await server.WithDbAsync(db => db.PolicyRules.ToListAsync(TestContext.Current.CancellationToken));
        Assert.All(policies, p => Assert.Single(rules, r => r.PolicyId == p.Id && r.IsSystem));
        Assert.Null(policies.Single(p => p.Type == "OKTA_SIGN_ON").SettingsJson);
        using var scope = server.Factory.Services.CreateScope();
        var decided = await scope.ServiceProvider.GetRequiredService<SignOnPolicy>().DecideAsync(policies[0].OrgId, "00uanyone", TestContext.Current.CancellationToken);
        Assert.Equal(new Core.SignIn.SessionPolicy(45, 90), decided.Session);
    }
}
