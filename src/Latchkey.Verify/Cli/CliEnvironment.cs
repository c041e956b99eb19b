using Latchkey.Verify.Channel;
using Latchkey.Verify.State;
using Spectre.Console;

namespace Latchkey.Verify.Cli;

/// <summary>
/// What a run of the command line talks to: standard input and output (and whether they are terminals), the clock,
/// the HTTP handler, the default home and how the device describes itself. <see cref="FromConsole"/> is the real
/// process; tests give their own readers, writers, clock and handler.
/// </summary>
public sealed class CliEnvironment
{
    /// <summary>Spectre.Console wraps at 80 columns when output is redirected; tables get this width instead (a table is only as wide as its content).</summary>
    public const int RedirectedWidth = 2000;

    public required TextReader In { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public bool InputIsTerminal { get; init; }

    public bool OutputIsTerminal { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public HttpMessageHandler? Handler { get; init; }

    public string DefaultHome { get; init; } = VerifyHome.DefaultDirectory;

    public Func<string?, DeviceDescription> Device { get; init; } = DeviceDescription.ThisDevice;

    public static CliEnvironment FromConsole() => new()
    {
        In = Console.In,
        Out = Console.Out,
        Error = Console.Error,
        InputIsTerminal = !Console.IsInputRedirected,
        OutputIsTerminal = !Console.IsOutputRedirected,
    };

    /// <summary>A Spectre console on <see cref="Out"/>: no colours or wrapping at 80 columns when output is redirected.</summary>
    public IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = OutputIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = OutputIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InputIsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (!OutputIsTerminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
