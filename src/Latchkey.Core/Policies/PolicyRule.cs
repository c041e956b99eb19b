namespace Latchkey.Core.Policies;

/// <summary>What a matching rule does with the request: <c>actions.appSignOn.access</c>.</summary>
public enum PolicyAccess
{
    Allow,
    Deny,
}

/// <summary>
/// A rule of a policy: its conditions (all must match) and its access. <see cref="System"/>: the catch-all rule, always
/// evaluated last whatever its priority; an inactive rule is skipped (and says so in the trace).
/// </summary>
public sealed record PolicyRule(string Id, string Name, int Priority, PolicyAccess Access, IReadOnlyList<IPolicyCondition> Conditions)
{
    public bool Active { get; init; } = true;
    public bool System { get; init; }

    /// <summary>
    /// The rule's <c>actions.appSignOn.verificationMethod</c> as stored JSON (null: none), kept for what enforces it
    /// (factor mode, re-authentication, constraints); the engine itself decides on <see cref="Access"/> alone.
    /// </summary>
    public string? VerificationMethodJson { get; init; }
}
