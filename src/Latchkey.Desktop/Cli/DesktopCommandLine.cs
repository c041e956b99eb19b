using System.CommandLine;
using System.CommandLine.Parsing;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// The <c>latchkey-desktop</c> command line: <c>login</c>, <c>enroll-offline</c>, <c>status</c> and <c>sync</c>. <c>--state</c> is a
/// recursive option of the root, so it is accepted before or after the command. Exit codes are <see cref="ExitCodes"/>;
/// every failure's reason goes to standard error; a usage error prints the command's help there and exits 2. Lines
/// meant to be copied (the otpauth URI) are written whole.
/// </summary>
public static class DesktopCommandLine
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var root = Build(environment);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync($"latchkey-desktop: {error.Message}");
            }

            await environment.Error.WriteLineAsync();
            await root.Parse([.. CommandPath(parse), "--help"]).InvokeAsync(new InvocationConfiguration { Output = environment.Error }, cancellationToken);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = environment.Out, Error = environment.Error }, cancellationToken);
    }

    public static RootCommand Build(CliEnvironment environment)
    {
        var options = new DesktopOptions();
        var root = new RootCommand(
            "latchkey-desktop: the Desktop MFA agent (what the login window's plug-in does): a second factor when signing in to this computer, " +
            "online and offline. Offline secrets are sealed in --state with this computer's machine key.");
        root.Options.Add(options.State);
        root.Subcommands.Add(LoginCommand.Build(environment, options));
        root.Subcommands.Add(EnrollOfflineCommand.Build(environment, options));
        root.Subcommands.Add(StatusCommand.Build(environment, options));
        root.Subcommands.Add(SyncCommand.Build(environment, options));
        return root;
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the run's agent (profile read and validated, state directory, clock, server);
    /// a <see cref="DesktopException"/> becomes its reason on standard error and its exit code.
    /// </summary>
    internal static Func<ParseResult, CancellationToken, Task<int>> Guarded(
        CliEnvironment environment, DesktopOptions options, Func<CommandRun, CancellationToken, Task<int>> action) => async (parse, cancellationToken) =>
    {
        try
        {
            var profile = ProfileReader.Load(parse.GetValue(options.Profile)!);
            var state = new DesktopState(parse.GetValue(options.State) ?? environment.DefaultState);
            var agent = new DesktopAgent(profile, state, environment.Time, environment.ServerFor(profile, state), environment.ComputerName);
            return await action(new CommandRun(parse, environment, agent, options), cancellationToken);
        }
        catch (DesktopException e)
        {
            await environment.Error.WriteLineAsync($"latchkey-desktop: {e.Message}");
            return e.ExitCode;
        }
    };

    private static List<string> CommandPath(ParseResult parse)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            path.Insert(0, result.Command.Name);
        }

        return path;
    }
}

/// <summary>The options several commands share; <see cref="State"/> is accepted before or after the command's name.</summary>
internal sealed class DesktopOptions
{
    public Option<string?> State { get; } = new("--state")
    {
        Description = "The machine state directory (default ~/.latchkey-desktop): machine key, sealed offline secrets, offline journal.",
        Recursive = true,
    };

    public Option<string> Profile { get; } = new("--profile")
    {
        Description = "The configuration profile (JSON, or an XML property list for com.okta.deviceaccess.servicedaemon).",
        Required = true,
    };

    public Option<string> User { get; } = new("--user") { Description = "The user's login (Latchkey username).", Required = true };
}

/// <summary>One command's run: its parse result, environment, agent and the shared options.</summary>
internal sealed record CommandRun(ParseResult Parse, CliEnvironment Environment, DesktopAgent Agent, DesktopOptions Options)
{
    public string User => Parse.GetValue(Options.User)!;
}
