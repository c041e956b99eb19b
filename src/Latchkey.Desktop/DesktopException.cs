namespace Latchkey.Desktop;

/// <summary>
/// The exit codes of <c>latchkey-desktop</c> (documented in docs/desktop-mfa.md, "The agent"): 0 success; every failure
/// non-zero, one code per kind of failure a login plug-in or a script may want to tell apart. The reason itself is
/// always written on standard error.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>The configuration profile is missing, unreadable or has a bad or missing key (each one named).</summary>
    public const int Configuration = 3;

    /// <summary>The state directory is refused: corrupt, tampered, another machine's, or open to other users. Nothing in it was changed.</summary>
    public const int State = 4;

    /// <summary>The org's server is needed and cannot be reached (network, DNS, TLS, or no answer in time); the message names the URL.</summary>
    public const int Unreachable = 5;

    /// <summary>The code was refused: wrong, already used, malformed, or the method is not allowed.</summary>
    public const int Refused = 6;

    /// <summary>The code is right for another time: this computer's clock is off (the message says by how much).</summary>
    public const int ClockSkew = 7;

    /// <summary>Offline sign-in is not possible now: the offline period ended, or the profile turns offline sign-in off.</summary>
    public const int OfflinePeriod = 8;

    /// <summary>The user has no offline factor set up on this computer.</summary>
    public const int NotEnrolled = 9;

    /// <summary>An offline enrollment was not confirmed within 5 minutes.</summary>
    public const int EnrollmentExpired = 10;

    /// <summary>The server refused: the person is not assigned to the Desktop MFA app (<c>user_not_assigned</c>).</summary>
    public const int NotAssigned = 11;

    /// <summary>The server refused: the person's account is locked, suspended or not active.</summary>
    public const int AccountStatus = 12;

    /// <summary>The server refused: the app's access policy denies the person here (<c>policy_denied</c>; the rule is named).</summary>
    public const int PolicyDenied = 13;

    /// <summary>The server refused: the method is not set up for the person, or push is turned off in the org.</summary>
    public const int FactorNotSetUp = 14;

    /// <summary>The server refused for now: too many wrong codes (the factor is locked) or too many requests; try later.</summary>
    public const int TryLater = 15;

    /// <summary>The push was denied on the phone (or the wrong number was chosen).</summary>
    public const int PushRejected = 16;

    /// <summary>Nobody answered the push in time.</summary>
    public const int PushExpired = 17;

    /// <summary>No security key is visible in the USB slot (none inserted, or the OS has not allowed it to connect).</summary>
    public const int NoSecurityKey = 18;
}

/// <summary>
/// A failure the person at the login window can act on: the message says what happened and the fix. The library
/// throws only these (or <see cref="OperationCanceledException"/>) for expected failures.
/// </summary>
public sealed class DesktopException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
