using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// What a run of <c>latchkey-desktop</c> talks to: standard input and output, whether input is a terminal, the clock,
/// the default state directory, the computer's name, and the org's server. <see cref="FromConsole"/> is the real
/// process (the server over HTTP); tests give their own readers, writers, clock and a fake server.
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

    /// <summary>The org's server for a profile; null: the Desktop MFA protocol over HTTP at the profile's <c>DMFAOrgURL</c> (<see cref="HttpDesktopMfaServer"/>).</summary>
    public Func<DesktopProfile, IDesktopMfaServer>? Server { get; init; }

    public static CliEnvironment FromConsole() => new()
    {
        In = Console.In,
        Out = Console.Out,
        Error = Console.Error,
    };

    /// <summary>The org's server for a profile, speaking for the computer of <paramref name="state"/> (its id is made on first use).</summary>
    public IDesktopMfaServer ServerFor(DesktopProfile profile, DesktopState state) => Server?.Invoke(profile)
        ?? new HttpDesktopMfaServer(profile, DesktopComputer.Current(ComputerName), Time) { Identity = state.Identity };

    /// <summary>How often a push is asked about while the person has not answered it.</summary>
    public TimeSpan PushPollInterval { get; init; } = TimeSpan.FromSeconds(1);

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
