using System.CommandLine;
using Latchkey.Desktop.Offline;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// <c>login --profile FILE --user LOGIN --method offline-code [--code N] [--offline]</c>: the second factor at the login
/// window. The device access code is verified here with no network; the online methods need the org's server, which
/// this build cannot reach yet, and say so instead of pretending.
/// </summary>
internal static class LoginCommand
{
    public static readonly string[] Methods = ["push", "code", DesktopAgent.OfflineCodeMethod, "security-key", "recovery-pin"];

    public static Command Build(CliEnvironment environment, DesktopOptions options)
    {
        var method = new Option<string?>("--method") { Description = "push, code, offline-code, security-key or recovery-pin (with --offline, offline-code is the default)." };
        method.AcceptOnlyFromAmong(Methods);
        var code = new Option<string?>("--code") { Description = "The code (otherwise it is asked for; read from standard input when it is not a terminal)." };
        var offline = new Option<bool>("--offline") { Description = "Sign in without the network: only offline methods (the device access code)." };
        var command = new Command("login", "Sign in to this computer with a second factor; exit 0 when it is accepted.")
        {
            options.Profile, options.User, method, code, offline,
        };
        command.SetAction(DesktopCommandLine.Guarded(environment, options, (run, _) =>
        {
            var isOffline = run.Parse.GetValue(offline);
            var chosen = run.Parse.GetValue(method) ?? (isOffline ? DesktopAgent.OfflineCodeMethod
                : throw new DesktopException(ExitCodes.Usage, $"choose a method with --method ({string.Join(", ", Methods)}), or sign in offline with --offline"));
            if (chosen != DesktopAgent.OfflineCodeMethod)
            {
                throw isOffline
                    ? new DesktopException(ExitCodes.Refused, $"{chosen} does not work offline in this agent: offline, use --method {DesktopAgent.OfflineCodeMethod} (the device access code)")
                    : new DesktopException(ExitCodes.Unreachable,
                        $"{chosen} needs the org's server ({run.Agent.Profile.OrgUrl}), which this latchkey-desktop cannot reach yet (the online Desktop MFA protocol " +
                        $"is not built in); offline, use --method {DesktopAgent.OfflineCodeMethod} --offline");
            }

            var window = run.Agent.CheckOfflineCodeReady(run.User);
            var given = run.Parse.GetValue(code) ?? environment.Ask($"Device access code for {run.User} (the \"{run.Agent.AccountLabel}\" account in the authenticator app):");
            var signIn = run.Agent.SignInWithOfflineCode(run.User, given);
            environment.Out.WriteLine($"Signed in {signIn.Login} offline with the device access code. Offline sign-in works until {OfflinePeriod.Format(window.Until!.Value)}.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
