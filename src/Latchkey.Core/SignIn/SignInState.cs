namespace Latchkey.Core.SignIn;

/// <summary>
/// One sign-in transaction: its step, the identifier typed and the user it names (null when no user has it: the
/// transaction goes on as if one did, so the answers never tell who has an account), and its expiry, which each step
/// pushes <see cref="SignInMachine.StepLifetime"/> further, up to <see cref="SignInMachine.MaxLifetime"/> after the start.
/// </summary>
public sealed record SignInState(string Step, string? Identifier, string? UserId, DateTimeOffset Created, DateTimeOffset ExpiresAt)
{
    /// <summary>The assurance the caller asked for (<see cref="SignInAssurance"/>); null: only what the org's policy asks.</summary>
    public string? Assurance { get; init; }

    /// <summary>At the authenticator step: the factor being answered (or enrolled).</summary>
    public string? FactorId { get; init; }

    /// <summary>At the authenticator step: the challenge sent for the factor (a push), when it has one.</summary>
    public string? ChallengeId { get; init; }

    /// <summary>At the authenticator step: the authenticator being enrolled (the user had none to answer), or null when one is answered.</summary>
    public string? Enrolling { get; init; }

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;
}
