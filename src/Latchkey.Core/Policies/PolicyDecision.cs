namespace Latchkey.Core.Policies;

/// <summary>How a rule fared: matched, did not match (a condition said no), or was skipped (inactive).</summary>
public enum RuleOutcome
{
    Matched,
    NotMatched,
    Skipped,
}

/// <summary>One rule tried, in order, with what each of its conditions said (the conditions after a failing one are not asked).</summary>
public sealed record RuleTrace(PolicyRule Rule, RuleOutcome Outcome, IReadOnlyList<ConditionResult> Conditions);

/// <summary>
/// The engine's answer: allow or deny, the rule that decided (null: no rule matched, so deny), why in one sentence, and
/// the trace of every rule tried. The System Log, the end user's message, the console and the simulation all read it.
/// </summary>
public sealed record PolicyDecision(PolicyAccess Access, PolicyRule? MatchedRule, string Reason, IReadOnlyList<RuleTrace> Trace)
{
    public bool Allowed => Access == PolicyAccess.Allow;
}
