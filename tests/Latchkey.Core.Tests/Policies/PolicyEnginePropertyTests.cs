using CsCheck;
using Latchkey.Core.Policies;
using Xunit;

namespace Latchkey.Core.Tests.Policies;

/// <summary>
/// Issue 12: for random policies and requests, the decision without a trace (enforcement's hot path) and the decision
/// with one (simulation, the log) agree, and the trace is an honest account: the deciding rule is the first active rule
/// in order whose every condition matched, each active rule before it has a condition that did not, and nothing
/// matching denies.
/// </summary>
public sealed class PolicyEnginePropertyTests
{
    private static readonly string[] Users = ["00ualice", "00ubob", "00ucarol"];
    private static readonly string[] Groups = ["00gEng", "00gSales", "00gAdmins"];
    private static readonly string[] Platforms = ["MACOS", "WINDOWS", "LINUX", "IOS", "ANDROID", "CHROMEOS"];

    private static readonly Gen<string[]> SomeUsers = Gen.Int[0, 2].SelectMany(n => Gen.OneOf(Users).Array[n]);
    private static readonly Gen<string[]> SomeGroups = Gen.Int[0, 2].SelectMany(n => Gen.OneOf(Groups).Array[n]);

    private static readonly Gen<IPolicyCondition> Condition = Gen.OneOf<IPolicyCondition>(
        Gen.Select(SomeUsers, SomeUsers, SomeGroups, SomeGroups, (iu, eu, ig, eg) => (IPolicyCondition)new PeopleCondition(iu, eu, ig, eg)),
        Gen.Const((IPolicyCondition)new DeviceRegisteredCondition()),
        Gen.Bool.Select(b => (IPolicyCondition)new DeviceManagedCondition(b)),
        Gen.Int[1, 3].SelectMany(n => Gen.OneOf<string>([.. Platforms, "OTHER"]).Array[n]).Select(p => (IPolicyCondition)new PlatformCondition(p)));

    private static readonly Gen<PolicyRule> Rule = Gen.Select(Gen.Int[0, 20], Gen.Bool, Gen.Int[0, 9], Gen.Int[0, 3].SelectMany(n => Condition.Array[n]),
        (priority, allow, active, conditions) => new PolicyRule($"rul{priority:00}{active}{conditions.Length}", $"rule {priority}", priority,
            allow ? PolicyAccess.Allow : PolicyAccess.Deny, conditions) { Active = active > 1 });

    private static readonly Gen<PolicyRule[]> Policy = Gen.Select(Rule.Array[0, 8], Gen.Bool, Gen.Bool, (rules, withCatchAll, catchAllAllows) =>
        withCatchAll ? [.. rules, new PolicyRule("rulCatchAll", "Catch-all Rule", 99, catchAllAllows ? PolicyAccess.Allow : PolicyAccess.Deny, []) { System = true }] : rules);

    private static readonly Gen<DeviceFacts?> Device = Gen.OneOf(
        Gen.Const((DeviceFacts?)null),
        Gen.Select(Gen.Bool, Gen.Bool, Gen.OneOf(Platforms), (registered, managed, platform) => (DeviceFacts?)new DeviceFacts(registered, registered && managed, platform)));

    private static readonly Gen<PolicyContext> Context = Gen.Select(Gen.OneOf(Users), SomeGroups, Device,
        (user, groups, device) => new PolicyContext(user, new HashSet<string>(groups), device));

    [Fact]
    public void Simulation_and_enforcement_agree_and_the_trace_accounts_for_the_decision()
    {
        Gen.Select(Policy, Context).Sample((rules, context) =>
        {
            var ordered = PolicyEngine.Order(rules);
            var decision = PolicyEngine.Evaluate(ordered, context);
            var (access, rule) = PolicyEngine.Decide(ordered, context);

            Assert.Equal(decision.Access, access);
            Assert.Same(decision.MatchedRule, rule);

            foreach (var step in decision.Trace.Take(decision.Trace.Count - (decision.MatchedRule is null ? 0 : 1)))
            {
                Assert.NotEqual(RuleOutcome.Matched, step.Outcome);
                Assert.Equal(step.Rule.Active ? RuleOutcome.NotMatched : RuleOutcome.Skipped, step.Outcome);
                if (step.Outcome == RuleOutcome.NotMatched)
                {
                    Assert.NotEqual(ConditionStatus.Match, step.Conditions[^1].Status);
                }
            }

            if (decision.MatchedRule is { } matched)
            {
                var last = decision.Trace[^1];
                Assert.Same(matched, last.Rule);
                Assert.True(matched.Active);
                Assert.All(last.Conditions, c => Assert.Equal(ConditionStatus.Match, c.Status));
                Assert.Equal(matched.Conditions.Count, last.Conditions.Count);
                Assert.Equal(matched.Access, decision.Access);
            }
            else
            {
                Assert.Equal(PolicyAccess.Deny, decision.Access);
                Assert.Equal(ordered.Length, decision.Trace.Count);
            }

            // The order the engine walks: the catch-all last, the others by priority.
            Assert.Equal(ordered.Take(decision.Trace.Count).Select(r => r.Id), decision.Trace.Select(t => t.Rule.Id));
            Assert.True(ordered.SkipWhile(r => !r.System).All(r => r.System));
        }, iter: 5000);
    }
}
