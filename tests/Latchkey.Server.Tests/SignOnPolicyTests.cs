using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 12 item 3: the org's OKTA_SIGN_ON policies (the global session policy) drive the sign-in pipeline. A policy for
/// a group, ahead of the default one, whose rule says <c>requireFactor</c>, asks that group for a second factor after
/// the password; a DENY rule keeps its people out once their password was right (403 E0000006 over IDX and authn,
/// <c>policy.evaluate_sign_on</c> DENY in the log naming the rule), and says nothing different to a wrong password;
/// the deciding rule's session lifetimes are the session's.
/// </summary>
public sealed class SignOnPolicyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private async Task<(string Login, string UserId)> MemberOfAsync(string groupId)
    {
        var user = await server.CreateUserAsync();
        (await server.Api.PutAsync($"/api/v1/groups/{groupId}/users/{ServerFixture.Id(user)}", null)).Expect(HttpStatusCode.NoContent);
        return ((string)user["profile"]!["login"]!, ServerFixture.Id(user));
    }

    /// <summary>An active OKTA_SIGN_ON policy for <paramref name="groupId"/> (priority 1) with one rule of <paramref name="signon"/> actions.</summary>
    private async Task<(string PolicyId, string RuleId)> SignOnPolicyAsync(string groupId, JsonObject signon, string ruleName)
    {
        var policy = (await server.Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "OKTA_SIGN_ON", ["name"] = $"For {groupId}", ["status"] = "ACTIVE", ["priority"] = 1,
            ["conditions"] = new JsonObject { ["people"] = new JsonObject { ["groups"] = new JsonObject { ["include"] = new JsonArray(groupId) } } },
        })).Expect(HttpStatusCode.OK).Object;
        var rule = (await server.Api.PostAsync($"/api/v1/policies/{policy["id"]}/rules", new JsonObject
        {
            ["type"] = "SIGN_ON", ["name"] = ruleName, ["priority"] = 1,
            ["actions"] = new JsonObject { ["signon"] = signon },
        })).Expect(HttpStatusCode.OK).Object;
        return ((string)policy["id"]!, (string)rule["id"]!);
    }

    [Fact]
    public async Task A_rule_that_requires_a_factor_asks_its_group_for_a_second_factor_and_no_one_else()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        await SignOnPolicyAsync(group, new JsonObject { ["access"] = "ALLOW", ["requireFactor"] = true, ["factorPromptMode"] = "ALWAYS" }, "MFA for the group");
        var (member, _) = await MemberOfAsync(group);
        var outsider = (string)(await server.CreateUserAsync())["profile"]!["login"]!;

        using var client = new SignInClient(server);
        var asked = (await client.SignInAsync(member, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Null(asked["success"]);
        Assert.Contains(asked["remediation"]!["value"]!.AsArray(), r => ((string?)r!["name"])!.StartsWith("select-authenticator", StringComparison.Ordinal));

        using var other = new SignInClient(server);
        Assert.NotNull((await other.SignInAsync(outsider, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object["success"]);
    }

    [Fact]
    public async Task A_deny_rule_refuses_its_group_after_a_right_password_logs_the_rule_and_a_wrong_password_reads_as_before()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var (_, ruleId) = await SignOnPolicyAsync(group, new JsonObject { ["access"] = "DENY" }, "No sign-in for contractors");
        var (member, memberId) = await MemberOfAsync(group);

        using var client = new SignInClient(server);
        var wrong = (await client.SignInAsync(member, "Wr0ngPassword!")).Expect(HttpStatusCode.Unauthorized).Object;
        Assert.Contains("errors.E0000004", SignInClient.MessageKeys(wrong));

        using var again = new SignInClient(server);
        var denied = (await again.SignInAsync(member, ServerFixture.Password)).Expect(HttpStatusCode.Forbidden).Object;
        Assert.Contains("errors.E0000006", SignInClient.MessageKeys(denied));
        Assert.Null(denied["success"]);
        Assert.Null(again.SessionCookie);

        var evaluated = (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"policy.evaluate_sign_on\" and actor.id eq \"{memberId}\"")}"))
            .Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Equal("DENY", (string?)evaluated["outcome"]!["result"]);
        Assert.Equal("POLICY_DENIED", (string?)evaluated["outcome"]!["reason"]);
        Assert.Contains(evaluated["target"]!.AsArray(), t => (string?)t!["id"] == ruleId && (string?)t["type"] == "Rule");
        Assert.Contains("No sign-in for contractors: MATCH", (string?)evaluated["debugContext"]!["debugData"]!["trace"]);

        var authn = await server.Api.SendRawAsync(HttpMethod.Post, "/api/v1/authn",
            new JsonObject { ["username"] = member, ["password"] = ServerFixture.Password }.ToJsonString(), auth: null);
        authn.ExpectError(HttpStatusCode.Forbidden, "E0000006");
    }

    [Fact]
    public async Task The_deciding_rule_sets_the_session_lifetimes()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        await SignOnPolicyAsync(group, new JsonObject
        {
            ["access"] = "ALLOW", ["requireFactor"] = false,
            ["session"] = new JsonObject { ["maxSessionIdleMinutes"] = 15, ["maxSessionLifetimeMinutes"] = 45, ["usePersistentCookie"] = false },
        }, "Short sessions");
        var (member, _) = await MemberOfAsync(group);

        using var client = new SignInClient(server);
        (await client.SignInAsync(member, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        var session = (await client.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK).Object;
        var created = DateTimeOffset.Parse((string)session["createdAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        var expires = DateTimeOffset.Parse((string)session["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - created, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
    }

    /// <summary>An active MFA_ENROLL policy for <paramref name="groupId"/> (priority 1) with <paramref name="settings"/> and one rule whose <c>enroll.self</c> is <paramref name="self"/>.</summary>
    private async Task EnrollPolicyAsync(string groupId, JsonObject settings, string self)
    {
        var policy = (await server.Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "MFA_ENROLL", ["name"] = $"Enroll {groupId}", ["status"] = "ACTIVE", ["priority"] = 1, ["settings"] = settings,
            ["conditions"] = new JsonObject { ["people"] = new JsonObject { ["groups"] = new JsonObject { ["include"] = new JsonArray(groupId) } } },
        })).Expect(HttpStatusCode.OK).Object;
        (await server.Api.PostAsync($"/api/v1/policies/{policy["id"]}/rules", new JsonObject
        {
            ["type"] = "MFA_ENROLL", ["name"] = $"Enroll {self}", ["priority"] = 1,
            ["actions"] = new JsonObject { ["enroll"] = new JsonObject { ["self"] = self } },
        })).Expect(HttpStatusCode.OK);
    }

    private static List<string> EnrollableKeys(JsonObject idx) =>
        idx["remediation"]!["value"]!.AsArray().Any(r => (string?)r!["name"] == "select-authenticator-enroll")
            ? [.. idx["authenticators"]!["value"]!.AsArray().Select(a => (string)a!["key"]!)]
            : [];

    [Fact]
    public async Task An_mfa_enroll_policy_decides_which_authenticators_its_people_may_set_up_at_sign_in()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var never = ServerFixture.Id(await server.CreateGroupAsync());
        var others = ServerFixture.Id(await server.CreateGroupAsync());
        foreach (var g in new[] { group, never, others })
        {
            await SignOnPolicyAsync(g, new JsonObject { ["access"] = "ALLOW", ["requireFactor"] = true }, "MFA");
        }

        await EnrollPolicyAsync(group, new JsonObject
        {
            ["type"] = "AUTHENTICATORS",
            ["authenticators"] = new JsonArray(new JsonObject { ["key"] = "google_otp", ["enroll"] = new JsonObject { ["self"] = "NOT_ALLOWED" } }),
        }, "CHALLENGE");
        await EnrollPolicyAsync(never, new JsonObject { ["type"] = "AUTHENTICATORS" }, "NEVER");
        var (member, _) = await MemberOfAsync(group);
        var (barred, _) = await MemberOfAsync(never);
        var (other, _) = await MemberOfAsync(others);

        using var memberClient = new SignInClient(server);
        var limited = EnrollableKeys((await memberClient.SignInAsync(member, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object);
        using var barredClient = new SignInClient(server);
        var none = (await barredClient.SignInAsync(barred, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        using var otherClient = new SignInClient(server);
        var every = EnrollableKeys((await otherClient.SignInAsync(other, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object);

        Assert.Contains("okta_verify", limited);
        Assert.DoesNotContain("google_otp", limited);
        Assert.Empty(EnrollableKeys(none));
        Assert.Contains("idx.no.authenticator.enrolled", none.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("google_otp", every);
        Assert.Contains("okta_verify", every);
    }

    [Fact]
    public async Task A_required_authenticator_makes_a_person_with_no_factor_set_it_up_at_sign_in_and_only_it_is_offered()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        await EnrollPolicyAsync(group, new JsonObject
        {
            ["type"] = "AUTHENTICATORS",
            ["authenticators"] = new JsonArray(new JsonObject { ["key"] = "okta_verify", ["enroll"] = new JsonObject { ["self"] = "REQUIRED" } }),
        }, "CHALLENGE");
        var (member, _) = await MemberOfAsync(group);
        var outsider = (string)(await server.CreateUserAsync())["profile"]!["login"]!;

        using var memberClient = new SignInClient(server);
        var asked = (await memberClient.SignInAsync(member, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        using var outsiderClient = new SignInClient(server);
        var other = (await outsiderClient.SignInAsync(outsider, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;

        Assert.Null(asked["success"]);
        Assert.Equal(["okta_verify"], EnrollableKeys(asked));
        Assert.NotNull(other["success"]);
    }
}
