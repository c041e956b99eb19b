using Latchkey.Core.Policies;
using Latchkey.Core.SystemLog;

namespace Latchkey.Server.Features.Policies;

/// <summary>How a policy evaluation appears in the System Log (<c>policy.evaluate_sign_on</c>): the deciding rule as a target, the trace in <c>debugData</c>.</summary>
public static class PolicyEvaluation
{
    public static LogTarget Target(AppAccessResult result) => Target(result.Decision, result.PolicyId, result.PolicyName);

    public static LogTarget Target(PolicyDecision decision, string policyId, string policyName) => decision.MatchedRule is { } rule
        ? new LogTarget(rule.Id, "Rule", null, rule.Name) { DetailEntry = new Dictionary<string, object?> { ["policyId"] = policyId, ["policyName"] = policyName } }
        : new LogTarget(policyId, "Policy", null, policyName);

    public static IReadOnlyDictionary<string, object?> DebugData(AppAccessResult result) => DebugData(result.Decision, result.PolicyId, result.Outcome, result.Reason);

    public static IReadOnlyDictionary<string, object?> DebugData(PolicyDecision decision, string policyId, string outcome, string reason) => new Dictionary<string, object?>
    {
        ["policyId"] = policyId,
        ["matchedRule"] = decision.MatchedRule?.Name,
        ["decision"] = outcome,
        ["reason"] = reason,
        ["trace"] = Trace(decision),
    };

    /// <summary>One line per rule tried: its outcome and each condition's status and reason.</summary>
    public static string Trace(PolicyDecision decision) => string.Join("\n", decision.Trace.Select(step =>
        $"{step.Rule.Name}: {step.Outcome switch { RuleOutcome.Matched => "MATCH", RuleOutcome.Skipped => "SKIPPED (inactive)", _ => "NOT_MATCH" }}"
        + string.Concat(step.Conditions.Select(c => $"; {c.Condition} {c.StatusName}: {c.Reason}"))));
}
