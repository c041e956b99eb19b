namespace Latchkey.Verify;

/// <summary>
/// The exit codes of <c>latchkey-verify</c>: 0 success; every failure non-zero, one code per kind of failure a script
/// may want to tell apart (the reason itself is always written on standard error).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Home = 3;
    public const int Unreachable = 4;
    public const int EnrollmentRevoked = 5;
    public const int SignInRefused = 6;
    public const int ClockSkew = 7;
    /// <summary>The org refused to open an app (<c>open</c>): its policy denied it, or it is not assigned.</summary>
    public const int AccessDenied = 8;
}

/// <summary>
/// A failure the person can act on: its message says what happened and, where there is one, the fix; the command
/// line prints it on standard error and exits with <see cref="ExitCode"/>. The library throws only these (or
/// <see cref="OperationCanceledException"/>) for expected failures, so callers and tests can tell them apart.
/// </summary>
public sealed class VerifyException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
