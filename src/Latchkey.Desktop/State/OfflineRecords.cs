namespace Latchkey.Desktop.State;

/// <summary>
/// What this computer keeps for one user so they can sign in offline, sealed with the machine key: the device access
/// code's secret, the security keys registered for this computer, the last online sign-in (start of the offline
/// period) and the time steps of the codes already used (no replay).
/// </summary>
public sealed class OfflineUserRecord
{
    /// <summary>How many used steps are kept: every step at or before the latest is refused anyway.</summary>
    public const int KeptUsedSteps = 16;

    public required string Login { get; init; }

    public DeviceAccessCodeRecord? DeviceAccessCode { get; set; }

    public List<RegisteredSecurityKey> SecurityKeys { get; init; } = [];

    public DateTimeOffset? LastOnlineSignIn { get; set; }

    /// <summary>The first online sign-in on this computer: <c>LoginPeriodWithNoOfflineFactor</c> runs from it.</summary>
    public DateTimeOffset? FirstOnlineSignIn { get; set; }

    public List<long> UsedSteps { get; init; } = [];

    /// <summary>The steps of the recovery PINs already used here (a PIN works once); those older than a PIN's life are dropped.</summary>
    public List<long> UsedRecoverySteps { get; init; } = [];

    /// <summary>When wrong recovery PINs were typed here lately (a few are allowed, then a wait: see <c>DesktopAgent.SignInWithRecoveryPin</c>).</summary>
    public List<DateTimeOffset> RecoveryPinFailures { get; init; } = [];

    public void MarkUsed(long step)
    {
        UsedSteps.Add(step);
        UsedSteps.Sort();
        if (UsedSteps.Count > KeptUsedSteps)
        {
            UsedSteps.RemoveRange(0, UsedSteps.Count - KeptUsedSteps);
        }
    }
}

/// <summary>The device access code (offline TOTP) enrolled for a user on this computer.</summary>
public sealed record DeviceAccessCodeRecord
{
    /// <summary>The secret, base32 as in the otpauth URI.</summary>
    public required string Secret { get; init; }

    /// <summary>The account's name in the authenticator app ("Device access code" plus the computer's name).</summary>
    public required string Label { get; init; }

    public required DateTimeOffset EnrolledAt { get; init; }

    /// <summary>The server's id of the enrollment (its System Log and readiness views name it).</summary>
    public required string ServerEnrollmentId { get; init; }
}

/// <summary>
/// A security key (device access key) the server registered for this user and computer for offline use: the WebAuthn
/// credential id and its COSE public key (both base64url, as the server sends them), so an assertion can be verified
/// here with no network, and the last signature counter seen.
/// </summary>
public sealed record RegisteredSecurityKey
{
    public required string CredentialId { get; init; }

    public required string PublicKey { get; init; }

    public string? Name { get; init; }

    public required DateTimeOffset RegisteredAt { get; init; }

    public long SignCount { get; init; }
}

/// <summary>
/// An offline sign-in attempt to report to the server's System Log when the computer is online again, with the time
/// it happened. <see cref="Id"/> makes the upload idempotent (the journal and the server both deduplicate by it).
/// </summary>
public sealed record OfflineEvent
{
    public required string Id { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required string ComputerId { get; init; }

    public required string Login { get; init; }

    /// <summary><c>offline-code</c>, <c>security-key</c> or <c>recovery-pin</c>.</summary>
    public required string Method { get; init; }

    /// <summary><c>SUCCESS</c> or <c>FAILURE</c>, as in the System Log's <c>outcome.result</c>.</summary>
    public required string Result { get; init; }

    /// <summary>For a failure, the reason (<c>wrong_code</c>, <c>code_replayed</c>, <c>clock_skew</c>, ...).</summary>
    public string? Reason { get; init; }
}

/// <summary>An offline event with the computer key's ES256 signature (base64url) over its canonical JSON (see <see cref="OfflineJournal"/>).</summary>
public sealed record SignedOfflineEvent(OfflineEvent Event, string Signature);
