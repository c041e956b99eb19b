namespace Latchkey.Server.Hosting;

/// <summary>A start-up failure an operator can fix: printed as one line (no stack trace) and exits with <see cref="ExitCode"/>.</summary>
public sealed class StartupException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
