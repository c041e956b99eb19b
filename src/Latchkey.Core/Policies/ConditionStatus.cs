namespace Latchkey.Core.Policies;

/// <summary>What one condition of a rule said about a request (the spec's simulation statuses).</summary>
public enum ConditionStatus
{
    /// <summary>The request meets the condition.</summary>
    Match,

    /// <summary>The request does not meet it.</summary>
    NotMatch,

    /// <summary>A fact the condition needs is unknown (e.g. no device): the rule does not match.</summary>
    Undefined,
}

/// <summary>A condition's verdict and why, in words a person understands (a constant text: no allocation to decide).</summary>
public readonly record struct ConditionResult(string Condition, ConditionStatus Status, string Reason)
{
    /// <summary>The spec's name of the status: <c>MATCH</c>, <c>NOT_MATCH</c>, <c>UNDEFINED</c>.</summary>
    public string StatusName => Status switch
    {
        ConditionStatus.Match => "MATCH",
        ConditionStatus.NotMatch => "NOT_MATCH",
        _ => "UNDEFINED",
    };
}
