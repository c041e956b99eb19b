using Latchkey.Core.Security;

namespace Latchkey.Core.Authenticators.Totp;

/// <summary>How a TOTP code is checked: RFC 6238 parameters, the drift allowed and the lockout after failures.</summary>
public sealed record TotpPolicy
{
    public int StepSeconds { get; init; } = 30;
    public int Digits { get; init; } = 6;
    public TotpAlgorithm Algorithm { get; init; } = TotpAlgorithm.Sha1;

    /// <summary>Time steps accepted either side of the current one (clock drift of the device).</summary>
    public int DriftSteps { get; init; } = 1;

    /// <summary>Consecutive failures that lock the factor; 0 never locks.</summary>
    public int MaxFailures { get; init; } = 5;

    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(5);

    public static TotpPolicy Default { get; } = new();
}

/// <summary>The stored facts of one TOTP factor that a check reads and changes.</summary>
public sealed record TotpFactorState(long? LastAcceptedStep, int ConsecutiveFailures, DateTimeOffset? LockedUntil)
{
    public static TotpFactorState New { get; } = new(null, 0, null);
}

public enum TotpOutcome
{
    /// <summary>The code is right for a time step after the last one accepted.</summary>
    Accepted,

    /// <summary>Wrong, malformed, or outside the drift window: counts toward the lockout.</summary>
    Invalid,

    /// <summary>Right, but for a time step already used (RFC 6238 §5.2: each code once). Not a failure.</summary>
    Replayed,

    /// <summary>The factor is locked: the code was not even checked.</summary>
    Locked,
}

/// <summary>
/// A check's verdict and the factor's next state. <see cref="LockedNow"/> is true when this very failure locked it.
/// On <see cref="TotpOutcome.Accepted"/> the caller must record <see cref="Step"/> atomically (only if it is still
/// after the stored last step), or treat the code as replayed: two requests racing one code, exactly one wins.
/// </summary>
public sealed record TotpCheck(TotpOutcome Outcome, long Step, TotpFactorState Next, bool LockedNow);

/// <summary>RFC 6238 time-based one-time passwords (<see cref="TotpCodes"/> computes and matches the codes), with single use and lockout.</summary>
public static class TotpVerifier
{
    /// <summary>Secrets of new factors: 20 random bytes (160 bits, RFC 4226's recommended length for HMAC-SHA1).</summary>
    public const int SecretBytes = 20;

    public static byte[] NewSecret() => TotpCodes.NewSecret(SecretBytes);

    public static string ToBase32(byte[] secret) => TotpCodes.ToBase32(secret);

    /// <summary>The time step of <paramref name="now"/> (seconds since the Unix epoch divided by the step).</summary>
    public static long StepAt(DateTimeOffset now, TotpPolicy policy) => now.ToUnixTimeSeconds() / policy.StepSeconds;

    /// <summary>The code of <paramref name="secret"/> at <paramref name="step"/>.</summary>
    public static string Code(byte[] secret, long step, TotpPolicy policy) =>
        TotpCodes.Compute(secret, step, policy.StepSeconds, policy.Digits, policy.Algorithm);

    /// <summary>
    /// Checks <paramref name="code"/>. A <paramref name="secret"/> that could not be read (null) matches nothing: the
    /// attempt is a failure like any wrong code, so a factor whose secret is lost still locks.
    /// </summary>
    public static TotpCheck Check(byte[]? secret, string? code, DateTimeOffset now, TotpFactorState state, TotpPolicy policy)
    {
        if (state.LockedUntil is { } until && until > now)
        {
            return new TotpCheck(TotpOutcome.Locked, 0, state, false);
        }

        // A lock that ran out starts a fresh count.
        var failures = state.LockedUntil is not null ? 0 : state.ConsecutiveFailures;
        var current = StepAt(now, policy);
        long? matched = secret is not null && WellFormed(code, policy) ? Match(secret, code!, current, policy) : null;

        if (matched is { } step)
        {
            return state.LastAcceptedStep is { } last && step <= last
                ? new TotpCheck(TotpOutcome.Replayed, step, state with { ConsecutiveFailures = failures, LockedUntil = null }, false)
                : new TotpCheck(TotpOutcome.Accepted, step, new TotpFactorState(step, 0, null), false);
        }

        failures++;
        if (policy.MaxFailures > 0 && failures >= policy.MaxFailures)
        {
            return new TotpCheck(TotpOutcome.Invalid, 0, state with { ConsecutiveFailures = 0, LockedUntil = now + policy.LockDuration }, true);
        }

        return new TotpCheck(TotpOutcome.Invalid, 0, state with { ConsecutiveFailures = failures, LockedUntil = null }, false);
    }

    private static bool WellFormed(string? code, TotpPolicy policy) =>
        code is not null && code.Length == policy.Digits && code.All(char.IsAsciiDigit);

    private static long? Match(byte[] secret, string code, long current, TotpPolicy policy) =>
        TotpCodes.Match(secret, code, current - policy.DriftSteps, current + policy.DriftSteps, policy.StepSeconds, policy.Digits, policy.Algorithm);
}
