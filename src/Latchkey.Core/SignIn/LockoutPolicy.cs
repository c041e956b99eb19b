namespace Latchkey.Core.SignIn;

/// <summary>
/// The lockout part of the org's PASSWORD policy (<c>settings.password.lockout</c>, okta-api.md section 5.4): after
/// <see cref="MaxAttempts"/> failed passwords in a row the user is LOCKED_OUT (0: never); a locked user is unlocked
/// by an admin, or by itself <see cref="AutoUnlockMinutes"/> after the lock (0: only by an admin). A new org's
/// default: 10 attempts, no automatic unlock.
/// </summary>
public sealed record LockoutPolicy(int MaxAttempts = 10, int AutoUnlockMinutes = 0)
{
    public static LockoutPolicy Default { get; } = new();
}
