using Latchkey.Core.Policies;
using Latchkey.Core.SystemLog;

namespace Latchkey.Server.Features.Policies;

/// <summary>How a policy evaluation appears in the System Log (<c>policy.evaluate_sign_on</c>): the deciding rule as a target, the trace in <c>debugData</c>.</summary>
public static class PolicyEvaluation
{
    public static LogTarget Target(AppAccessResult result) => result.Decision.MatchedRule is { } rule
        ? new LogTarget(rule.Id, "Rule", null, rule.Name) { DetailEntry = new Dictionary<string, object?> { ["policyId"] = result.PolicyId, ["policyName"] = result.PolicyName } }
        : new LogTarget(result.PolicyId, "Policy", null, result.PolicyName);

    public static IReadOnlyDictionary<string, object?> DebugData(AppAccessResult result) => new Dictionary<string, object?>
    {
        ["policyId"] = result.PolicyId,
        ["matchedRule"] = result.Decision.MatchedRule?.Name,
        ["decision"] = result.Outcome,
        ["reason"] = result.Reason,
        ["trace"] = Trace(result.Decision),
    };

    /// <summary>One line per rule tried: its outcome and each condition's status and reason.</summary>
    public static string Trace(PolicyDecision decision) => string.Join("\n", decision.Trace.Select(step =>
        $"{step.Rule.Name}: {step.Outcome switch { RuleOutcome.Matched => "MATCH", RuleOutcome.Skipped => "SKIPPED (inactive)", _ => "NOT_MATCH" }}"
        + string.Concat(step.Conditions.Select(c => $"; {c.Condition} {c.StatusName}: {c.Reason}"))));
}
