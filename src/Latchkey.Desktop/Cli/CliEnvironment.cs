using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// What a run of <c>latchkey-desktop</c> talks to: standard input and output, whether input is a terminal, the clock,
/// the default state directory, the computer's name, and the org's server. <see cref="FromConsole"/> is the real
/// process (which has no server implementation yet); tests give their own readers, writers, clock and a fake server.
/// </summary>
public sealed class CliEnvironment
{
    public required TextReader In { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string DefaultState { get; init; } = DesktopState.DefaultDirectory;

    /// <summary>The computer's name or serial number, shown in the device access code account's label.</summary>
    public string ComputerName { get; init; } = Environment.MachineName;

    /// <summary>The org's server for a profile; null until the Desktop MFA protocol is built in, so commands that need it fail saying so.</summary>
    public Func<DesktopProfile, IDesktopMfaServer>? Server { get; init; }

    public static CliEnvironment FromConsole() => new()
    {
        In = Console.In,
        Out = Console.Out,
        Error = Console.Error,
    };

    public IDesktopMfaServer ServerFor(DesktopProfile profile) => Server?.Invoke(profile) ?? new DesktopMfaServerUnavailable(profile.OrgUrl);

    /// <summary>
    /// Asks <paramref name="question"/> on its own line and returns the next line of standard input (a terminal or not:
    /// DESIGN.md settled conventions); input that ends first is a refusal, never a default answer.
    /// </summary>
    public string Ask(string question)
    {
        Out.WriteLine(question);
        Out.Flush();
        var line = In.ReadLine() ?? throw new DesktopException(ExitCodes.Failure, $"standard input ended before an answer to \"{question}\"");
        return line.TrimEnd('\r');
    }
}
