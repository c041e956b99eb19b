namespace Latchkey.Core.Policies;

/// <summary>
/// Evaluates a policy's rules against a request: by priority (lowest first), the system catch-all last; the first active
/// rule whose conditions all match decides. No rule matching denies, and so does a condition that fails to evaluate
/// (default deny). <see cref="Decide"/> is the same walk without the trace, for hot paths: it allocates nothing.
/// </summary>
public static class PolicyEngine
{
    /// <summary>The rules in evaluation order: active or not, by priority, then id; the system rule last.</summary>
    public static PolicyRule[] Order(IEnumerable<PolicyRule> rules) =>
        [.. rules.OrderBy(r => r.System ? 1 : 0).ThenBy(r => r.Priority).ThenBy(r => r.Id, StringComparer.Ordinal)];

    /// <summary>The decision with its trace. <paramref name="ordered"/>: rules as <see cref="Order"/> gives them.</summary>
    public static PolicyDecision Evaluate(IReadOnlyList<PolicyRule> ordered, PolicyContext context)
    {
        var trace = new List<RuleTrace>(ordered.Count);
        foreach (var rule in ordered)
        {
            if (!rule.Active)
            {
                trace.Add(new RuleTrace(rule, RuleOutcome.Skipped, []));
                continue;
            }

            var results = new List<ConditionResult>(rule.Conditions.Count);
            var matched = Matches(rule, context, results);
            trace.Add(new RuleTrace(rule, matched ? RuleOutcome.Matched : RuleOutcome.NotMatched, results));
            if (matched)
            {
                var verb = rule.Access == PolicyAccess.Allow ? "Allowed" : "Denied";
                return new PolicyDecision(rule.Access, rule, $"{verb} by the rule \"{rule.Name}\".", trace);
            }
        }

        return new PolicyDecision(PolicyAccess.Deny, null, "Denied: no rule of the policy matched the request.", trace);
    }

    /// <summary>The decision alone (allow or deny and the rule), without the trace: the same walk as <see cref="Evaluate"/>.</summary>
    public static (PolicyAccess Access, PolicyRule? Rule) Decide(PolicyRule[] ordered, PolicyContext context)
    {
        foreach (var rule in ordered)
        {
            if (rule.Active && Matches(rule, context, results: null))
            {
                return (rule.Access, rule);
            }
        }

        return (PolicyAccess.Deny, null);
    }

    /// <summary>Whether every condition of <paramref name="rule"/> matches, asking them in order up to the first that does not; each answer goes to <paramref name="results"/> when given.</summary>
    private static bool Matches(PolicyRule rule, PolicyContext context, List<ConditionResult>? results)
    {
        var conditions = rule.Conditions;
        for (var i = 0; i < conditions.Count; i++)
        {
            var result = Safely(conditions[i], context);
            results?.Add(result);
            if (result.Status != ConditionStatus.Match)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A condition that throws does not match: the rule cannot be trusted to allow, so it is as if it said no.</summary>
    private static ConditionResult Safely(IPolicyCondition condition, PolicyContext context)
    {
        try
        {
            return condition.Evaluate(context);
        }
        catch (Exception) // an evaluation error must deny, whatever it is
        {
            return new ConditionResult(condition.Name, ConditionStatus.Undefined, "The condition could not be evaluated, so the rule does not apply.");
        }
    }
}
