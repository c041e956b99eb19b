using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Core.Security;

/// <summary>
/// The Desktop MFA recovery PIN (docs/desktop-mfa.md, "Recovery PIN"): a help-desk admin generates one for a person and
/// a computer on the server, and the agent on that computer checks it with no network. Both sides hold the person's
/// device access code secret for that computer; the PIN key is derived from it with HKDF-SHA256 (RFC 5869, its own
/// <c>info</c>, so a PIN says nothing about the codes), and the PIN is the 8-digit TOTP (RFC 6238, HMAC-SHA256) of the
/// 10-second step it was generated in. The agent accepts a PIN for 13 steps from that one: at least 2 minutes, at most
/// 2 minutes 10 seconds; it records the step so a PIN works once.
/// </summary>
public static class RecoveryPins
{
    public const int Digits = 8;
    public const int StepSeconds = 10;

    /// <summary>The steps after its own in which a PIN is still accepted (12 x 10 s, plus what is left of its own step).</summary>
    public const int LaterSteps = 12;

    private static readonly byte[] Info = Encoding.ASCII.GetBytes("latchkey desktop-mfa recovery-pin v1");

    /// <summary>The PIN key of a device access code secret.</summary>
    public static byte[] Key(byte[] deviceAccessCodeSecret) => HKDF.DeriveKey(HashAlgorithmName.SHA256, deviceAccessCodeSecret, 32, [], Info);

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The PIN of <paramref name="step"/>.</summary>
    public static string Pin(byte[] key, long step) => TotpCodes.Compute(key, step, StepSeconds, Digits, TotpAlgorithm.Sha256);

    /// <summary>When a PIN of <paramref name="step"/> stops being accepted.</summary>
    public static DateTimeOffset ExpiresAt(long step) => DateTimeOffset.FromUnixTimeSeconds((step + LaterSteps + 1) * StepSeconds);

    /// <summary>The step of the PIN if <paramref name="pin"/> is a PIN accepted at <paramref name="now"/> (constant time per step), else null.</summary>
    public static long? Match(byte[] key, string pin, DateTimeOffset now)
    {
        var current = StepAt(now);
        return TotpCodes.Match(key, pin, current - LaterSteps, current, StepSeconds, Digits, TotpAlgorithm.Sha256);
    }

    /// <summary>
    /// The step of <paramref name="pin"/> when it was a PIN of the <paramref name="reach"/> before its accepted window
    /// (an expired PIN), else null; only called after <see cref="Match"/> failed. Only earlier steps are searched: a PIN of
    /// a later step is never hinted at, so a guess cannot learn when it would become right.
    /// </summary>
    public static long? MatchExpired(byte[] key, string pin, DateTimeOffset now, TimeSpan reach)
    {
        var current = StepAt(now);
        var steps = (long)reach.TotalSeconds / StepSeconds;
        return TotpCodes.Match(key, pin, current - LaterSteps - steps, current - LaterSteps - 1, StepSeconds, Digits, TotpAlgorithm.Sha256);
    }
}
