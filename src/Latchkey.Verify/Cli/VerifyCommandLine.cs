using System.CommandLine;
using System.CommandLine.Parsing;
using Latchkey.Verify.State;
using Spectre.Console;

namespace Latchkey.Verify.Cli;

/// <summary>
/// The <c>latchkey-verify</c> command line. The global options (<c>--home</c>, <c>--org</c>, <c>--account</c>) are
/// recursive options of the root, so they are accepted before or after the command. Exit codes are
/// <see cref="ExitCodes"/>; every failure's reason goes to standard error; a usage error prints the command's help
/// there and exits 2. Lines meant to be copied (a code, a URI, the number question, JSON) are written whole.
/// </summary>
public static class VerifyCommandLine
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var root = Build(environment);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = environment.Out, Error = environment.Error };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync($"latchkey-verify: {error.Message}");
            }

            await environment.Error.WriteLineAsync();
            await root.Parse([.. CommandPath(parse), "--help"]).InvokeAsync(new InvocationConfiguration { Output = environment.Error }, cancellationToken);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    public static RootCommand Build(CliEnvironment environment)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand(
            "latchkey-verify: an authenticator app for Latchkey (push with number matching, time-based codes, a device-bound key) " +
            "and a software FIDO2 security key. Keys are software keys kept in --home (never hardware-protected).");
        root.Options.Add(globals.Home);
        root.Options.Add(globals.Org);
        root.Options.Add(globals.Account);
        root.Subcommands.Add(EnrollCommand.Build(environment, globals));
        root.Subcommands.Add(AccountsCommand(environment, globals));
        root.Subcommands.Add(CodeCommand(environment, globals));
        root.Subcommands.Add(ImportCommand(environment, globals));
        root.Subcommands.Add(PushCommands.Listen(environment, globals));
        root.Subcommands.Add(PushCommands.Push(environment, globals));
        root.Subcommands.Add(FastPassCommands.SignIn(environment, globals));
        root.Subcommands.Add(OpenCommand.Create(environment, globals));
        root.Subcommands.Add(KeyCommands.Build(environment, globals));
        root.Subcommands.Add(MdmCommands.Build(environment, globals));
        return root;
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the app of the run's home; a <see cref="VerifyException"/> becomes its reason
    /// on standard error and its exit code.
    /// </summary>
    internal static Func<ParseResult, CancellationToken, Task<int>> Guarded(
        CliEnvironment environment, GlobalOptions globals, Func<CommandContext, CancellationToken, Task<int>> action) => async (parse, cancellationToken) =>
    {
        try
        {
            var home = new VerifyHome(parse.GetValue(globals.Home) ?? environment.DefaultHome);
            var context = new CommandContext(parse, environment, new AuthenticatorApp(home, environment.Time, environment.Handler), environment.CreateConsole(), globals);
            return await action(context, cancellationToken);
        }
        catch (VerifyException e)
        {
            await environment.Error.WriteLineAsync($"latchkey-verify: {e.Message}");
            return e.ExitCode;
        }
    };

    private static Command AccountsCommand(CliEnvironment environment, GlobalOptions globals)
    {
        var command = new Command("accounts", "List the accounts: enrolled orgs and imported codes.");
        command.SetAction(Guarded(environment, globals, (context, _) =>
        {
            var accounts = context.App.Home.Load().Accounts;
            if (accounts.Count == 0)
            {
                environment.Out.WriteLine($"No accounts in {context.App.Home.Directory}: run `latchkey-verify enroll --org URL --user LOGIN` or `latchkey-verify import URI`.");
                return Task.FromResult(ExitCodes.Ok);
            }

            var table = new Table().AddColumns("Name", "Org", "User", "Methods", "Device");
            foreach (var account in accounts)
            {
                var enrollment = account.Enrollment;
                table.AddRow(
                    Markup.Escape(account.Name),
                    Markup.Escape(account.Org ?? (account.Issuer is null ? "(imported)" : $"{account.Issuer} (imported)")),
                    Markup.Escape(account.Login ?? ""),
                    Markup.Escape(enrollment is null ? "totp" : string.Join(", ", enrollment.Methods())),
                    Markup.Escape(enrollment is null ? "" : $"{enrollment.DeviceName} {enrollment.DeviceId} (software key)".Trim()));
            }

            context.Console.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command CodeCommand(CliEnvironment environment, GlobalOptions globals)
    {
        var command = new Command("code", "Print the current time-based code of an account (on its own line) and the seconds it has left.");
        command.SetAction(Guarded(environment, globals, (context, _) =>
        {
            var account = context.App.FindAccount(context.AccountName, context.Org);
            var code = context.App.Code(account);
            environment.Out.WriteLine(code.Code);
            environment.Out.WriteLine($"valid for {code.SecondsLeft} more seconds ({account.Name})");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command ImportCommand(CliEnvironment environment, GlobalOptions globals)
    {
        var uri = new Argument<string>("URI") { Description = "An otpauth://totp/Issuer:account?secret=...&issuer=... URI (quote it in the shell)." };
        var command = new Command("import", "Add a time-based code account from an otpauth://totp/ URI (e.g. a device access code).") { uri };
        command.SetAction(Guarded(environment, globals, (context, _) =>
        {
            var account = context.App.Import(context.Parse.GetValue(uri)!);
            var totp = account.Totp!;
            environment.Out.WriteLine($"Imported {account.Name} ({totp.Algorithm}, {totp.Digits} digits every {totp.Period} s). Show its code with: latchkey-verify code --account \"{account.Name}\"");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            path.Insert(0, result.Command.Name);
        }

        return path;
    }
}

/// <summary>The options every command accepts, before or after the command's name.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Home { get; } = new("--home") { Description = "The state directory (default ~/.latchkey-verify).", Recursive = true };

    public Option<string?> Org { get; } = new("--org") { Description = "The org's URL, e.g. http://127.0.0.1:8080 (enroll; elsewhere it picks the account).", Recursive = true };

    public Option<string?> Account { get; } = new("--account") { Description = "The account to use when there are several (see `accounts`).", Recursive = true };
}

/// <summary>One command's run: its parse result, environment, app, console and the global options' values.</summary>
internal sealed record CommandContext(ParseResult Parse, CliEnvironment Environment, AuthenticatorApp App, IAnsiConsole Console, GlobalOptions Globals)
{
    public string? Org => Parse.GetValue(Globals.Org);

    public string? AccountName => Parse.GetValue(Globals.Account);

    public Prompter Prompter => new(Environment, Console);
}
