namespace Latchkey.Core.SignIn;

/// <summary>
/// One sign-in transaction: its step, the identifier typed and the user it names (null when no user has it: the
/// transaction goes on as if one did, so the answers never tell who has an account), and its expiry, which each step
/// pushes <see cref="SignInMachine.StepLifetime"/> further, up to <see cref="SignInMachine.MaxLifetime"/> after the start.
/// </summary>
public sealed record SignInState(string Step, string? Identifier, string? UserId, DateTimeOffset Created, DateTimeOffset ExpiresAt)
{
    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;
}
