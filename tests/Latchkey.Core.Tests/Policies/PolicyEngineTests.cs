using Latchkey.Core.Policies;
using Xunit;

namespace Latchkey.Core.Tests.Policies;

/// <summary>Issue 12 item 2: the policy engine: first matching rule by priority, catch-all last, default deny, a trace that says why.</summary>
public sealed class PolicyEngineTests
{
    private static PolicyContext Alice(DeviceFacts? device = null, params string[] groups) => new("00ualice", new HashSet<string>(groups), device);

    private static PolicyRule Rule(string id, int priority, PolicyAccess access, params IPolicyCondition[] conditions) =>
        new(id, $"rule {id}", priority, access, conditions);

    private static PolicyRule CatchAll(PolicyAccess access = PolicyAccess.Deny) =>
        new("rulCatchAll", "Catch-all Rule", 99, access, []) { System = true };

    private static PeopleCondition People(string[]? users = null, string[]? groups = null, string[]? excludeUsers = null, string[]? excludeGroups = null) =>
        new(users ?? [], excludeUsers ?? [], groups ?? [], excludeGroups ?? []);

    [Fact]
    public void The_first_matching_rule_by_priority_decides_and_the_catch_all_is_last_whatever_its_priority()
    {
        var rules = PolicyEngine.Order([
            CatchAll() with { Priority = 0 },
            Rule("rul2", 2, PolicyAccess.Deny),
            Rule("rul1", 1, PolicyAccess.Allow, People(groups: ["00gEng"])),
        ]);
        Assert.Equal(["rul1", "rul2", "rulCatchAll"], rules.Select(r => r.Id));

        var engineer = PolicyEngine.Evaluate(rules, Alice(null, "00gEng"));
        Assert.True(engineer.Allowed);
        Assert.Equal("rul1", engineer.MatchedRule!.Id);
        Assert.Single(engineer.Trace);

        var other = PolicyEngine.Evaluate(rules, Alice());
        Assert.False(other.Allowed);
        Assert.Equal("rul2", other.MatchedRule!.Id);
        Assert.Equal([RuleOutcome.NotMatched, RuleOutcome.Matched], other.Trace.Select(t => t.Outcome));
        Assert.Equal(ConditionStatus.NotMatch, other.Trace[0].Conditions.Single().Status);
        Assert.Contains("neither named", other.Trace[0].Conditions.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_rule_matching_denies_and_an_inactive_rule_is_skipped_with_a_line_in_the_trace()
    {
        var rules = PolicyEngine.Order([Rule("rul1", 1, PolicyAccess.Allow) with { Active = false }, Rule("rul2", 2, PolicyAccess.Allow, People(users: ["00ubob"]))]);
        var decision = PolicyEngine.Evaluate(rules, Alice());
        Assert.False(decision.Allowed);
        Assert.Null(decision.MatchedRule);
        Assert.Contains("no rule", decision.Reason, StringComparison.Ordinal);
        Assert.Equal([RuleOutcome.Skipped, RuleOutcome.NotMatched], decision.Trace.Select(t => t.Outcome));
        Assert.Equal((PolicyAccess.Deny, (PolicyRule?)null), PolicyEngine.Decide(rules, Alice()));
    }

    [Fact]
    public void A_condition_that_throws_does_not_match_so_it_can_never_allow()
    {
        var rules = PolicyEngine.Order([Rule("rul1", 1, PolicyAccess.Allow, new Throwing()), CatchAll()]);
        var decision = PolicyEngine.Evaluate(rules, Alice());
        Assert.False(decision.Allowed);
        Assert.Equal("rulCatchAll", decision.MatchedRule!.Id);
        Assert.Equal(ConditionStatus.Undefined, decision.Trace[0].Conditions.Single().Status);
        Assert.Equal(PolicyAccess.Deny, PolicyEngine.Decide(rules, Alice()).Access);
    }

    [Fact]
    public void People_exclusions_win_over_inclusions_and_no_include_list_means_everyone()
    {
        var everyone = People();
        Assert.Equal(ConditionStatus.Match, everyone.Evaluate(Alice()).Status);
        Assert.Equal(ConditionStatus.NotMatch, People(users: ["00ualice"], excludeGroups: ["00gContractors"]).Evaluate(Alice(null, "00gContractors")).Status);
        Assert.Equal(ConditionStatus.NotMatch, People(groups: ["00gEng"], excludeUsers: ["00ualice"]).Evaluate(Alice(null, "00gEng")).Status);
        Assert.Equal(ConditionStatus.Match, People(users: ["00ualice"]).Evaluate(Alice()).Status);
        Assert.Equal(ConditionStatus.NotMatch, People(groups: ["00gSales"]).Evaluate(Alice(null, "00gEng")).Status);
    }

    [Theory]
    [InlineData(null, null, null, "UNDEFINED", "UNDEFINED", "UNDEFINED")]
    [InlineData(false, false, "LINUX", "NOT_MATCH", "NOT_MATCH", "MATCH")]
    [InlineData(true, false, "MACOS", "MATCH", "NOT_MATCH", "NOT_MATCH")]
    [InlineData(true, true, "linux", "MATCH", "MATCH", "MATCH")]
    public void Device_conditions_say_undefined_without_a_device_and_match_its_registration_management_and_platform(
        bool? registered, bool? managed, string? platform, string registeredStatus, string managedStatus, string platformStatus)
    {
        var context = Alice(registered is null ? null : new DeviceFacts(registered.Value, managed!.Value, platform));
        Assert.Equal(registeredStatus, new DeviceRegisteredCondition().Evaluate(context).StatusName);
        Assert.Equal(managedStatus, new DeviceManagedCondition(true).Evaluate(context).StatusName);
        Assert.Equal(platformStatus, new PlatformCondition(["LINUX", "WINDOWS"]).Evaluate(context).StatusName);
        if (managed is false)
        {
            Assert.Equal("MATCH", new DeviceManagedCondition(false).Evaluate(context).StatusName);
        }

        Assert.Equal(registered is null ? "UNDEFINED" : "MATCH", new PlatformCondition(["OTHER"]).Evaluate(context).StatusName);
    }

    [Fact]
    public void Scenario_B1_require_a_managed_device_denies_until_the_device_is_managed_and_says_which_condition_failed()
    {
        var rules = PolicyEngine.Order([
            Rule("rulManaged", 1, PolicyAccess.Allow, People(), new DeviceRegisteredCondition(), new DeviceManagedCondition(true)),
            CatchAll(),
        ]);
        var registered = PolicyEngine.Evaluate(rules, Alice(new DeviceFacts(true, false, "LINUX")));
        Assert.False(registered.Allowed);
        var failed = registered.Trace[0].Conditions[^1];
        Assert.Equal(("device.managed", ConditionStatus.NotMatch), (failed.Condition, failed.Status));
        Assert.Contains("management credential", failed.Reason, StringComparison.Ordinal);

        Assert.True(PolicyEngine.Evaluate(rules, Alice(new DeviceFacts(true, true, "LINUX"))).Allowed);
    }

    [Fact]
    public void Decide_and_Evaluate_agree_on_every_combination_of_the_facts()
    {
        var rules = PolicyEngine.Order([
            Rule("rul1", 1, PolicyAccess.Deny, People(groups: ["00gBlocked"])),
            Rule("rul2", 2, PolicyAccess.Allow, People(groups: ["00gEng"]), new DeviceManagedCondition(true)),
            Rule("rul3", 3, PolicyAccess.Allow, new DeviceRegisteredCondition(), new PlatformCondition(["MACOS"])),
            Rule("rul4", 4, PolicyAccess.Allow, People(users: ["00ualice"])) with { Active = false },
            CatchAll(),
        ]);
        foreach (var groups in new[] { Array.Empty<string>(), ["00gEng"], ["00gBlocked", "00gEng"] })
        {
            foreach (var device in new DeviceFacts?[] { null, new(false, false, "MACOS"), new(true, false, "MACOS"), new(true, true, "LINUX") })
            {
                var context = Alice(device, groups);
                var full = PolicyEngine.Evaluate(rules, context);
                var fast = PolicyEngine.Decide(rules, context);
                Assert.Equal(full.Access, fast.Access);
                Assert.Same(full.MatchedRule, fast.Rule);
            }
        }
    }

    private sealed class Throwing : IPolicyCondition
    {
        public string Name => "broken";

        public ConditionResult Evaluate(PolicyContext context) => throw new InvalidOperationException("boom");
    }
}
