using System.CommandLine;
using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.SecurityKeys;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// <c>login --profile FILE --user LOGIN [--method push|code|offline-code|security-key|recovery-pin] [--code N] [--keys DIR] [--offline]</c>:
/// the second factor at the login window. Push and the org account's code go to the org's server; the device access
/// code is verified here with no network; a security key (<c>--keys DIR</c>: the USB slot) is checked by the server
/// online and here offline (with <c>--offline</c>, or when the server cannot be reached). Without <c>--method</c>, the
/// methods the server says are available are offered in a menu. A recovery PIN is checked here with no network.
/// </summary>
internal static class LoginCommand
{
    public static readonly string[] Methods = [OnlineSignInFlow.Push, OnlineSignInFlow.Code, DesktopAgent.OfflineCodeMethod, SecurityKeySignIn.Method, DesktopAgent.RecoveryPinMethod];

    public static Command Build(CliEnvironment environment, DesktopOptions options)
    {
        var method = new Option<string?>("--method")
        {
            Description = "push, code, offline-code, security-key or recovery-pin (default: a menu of the methods available now; with --offline, offline-code).",
        };
        method.AcceptOnlyFromAmong(Methods);
        var code = new Option<string?>("--code") { Description = "The code or recovery PIN (otherwise it is asked for; read from standard input when it is not a terminal)." };
        var offline = new Option<bool>("--offline") { Description = "Sign in without the network: only offline methods (the device access code, a security key)." };
        var keys = new Option<string?>("--keys")
        {
            Description = "The USB slot: a directory of software security keys (a latchkey-verify home; default ~/.latchkey-verify). A file NAME.blocked there: the key NAME is not allowed to connect.",
        };
        var command = new Command("login", "Sign in to this computer with a second factor; exit 0 when it is accepted.")
        {
            options.Profile, options.User, method, code, keys, offline,
        };
        command.SetAction(DesktopCommandLine.Guarded(environment, options, async (run, cancellationToken) =>
        {
            var isOffline = run.Parse.GetValue(offline);
            var chosen = run.Parse.GetValue(method) ?? (isOffline ? DesktopAgent.OfflineCodeMethod : await OnlineSignInFlow.ChooseAsync(run, null, cancellationToken));
            if (chosen is OnlineSignInFlow.Push or OnlineSignInFlow.Code && !isOffline)
            {
                var online = await OnlineSignInFlow.SignInAsync(run, chosen, run.Parse.GetValue(code), cancellationToken);
                environment.Out.WriteLine($"Signed in {online.Login} online with {(chosen == OnlineSignInFlow.Push ? "a push" : "the org account's code")}.");
                return await OfflineFactorAsync(run, online, cancellationToken);
            }

            if (chosen == DesktopAgent.RecoveryPinMethod)
            {
                var pin = run.Parse.GetValue(code) ?? environment.Ask($"Recovery PIN for {run.User} on this computer (from your administrator):");
                var recovered = run.Agent.SignInWithRecoveryPin(run.User, pin);
                environment.Out.WriteLine($"Signed in {recovered.Login} with a recovery PIN (checked on this computer; it cannot be used again).");
                return ExitCodes.Ok;
            }

            if (chosen == SecurityKeySignIn.Method)
            {
                return await SecurityKeyAsync(run, new SecurityKeySlot(run.Parse.GetValue(keys) ?? Verify.State.VerifyHome.DefaultDirectory, environment.Time), isOffline,
                    cancellationToken);
            }

            if (chosen != DesktopAgent.OfflineCodeMethod)
            {
                // Only push and the org account's code are left here, and only with --offline.
                throw new DesktopException(ExitCodes.Refused,
                    $"{chosen} does not work offline: offline, use --method {DesktopAgent.OfflineCodeMethod} (the device access code), {SecurityKeySignIn.Method} or {DesktopAgent.RecoveryPinMethod}");
            }

            var window = run.Agent.CheckOfflineCodeReady(run.User);
            var given = run.Parse.GetValue(code) ?? environment.Ask($"Device access code for {run.User} (the \"{run.Agent.AccountLabel}\" account in the authenticator app):");
            var signIn = run.Agent.SignInWithOfflineCode(run.User, given);
            environment.Out.WriteLine($"Signed in {signIn.Login} offline with the device access code. Offline sign-in works until {OfflinePeriod.Format(window.Until!.Value)}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// After an online sign-in: when <c>LoginPeriodWithNoOfflineFactor</c> has run out for a person with no offline
    /// factor here, the login goes on into setting up the device access code (with this sign-in's token) and succeeds
    /// only when it is set up; before that, the deadline is said.
    /// </summary>
    private static async Task<int> OfflineFactorAsync(CommandRun run, OnlineSignIn online, CancellationToken cancellationToken)
    {
        var due = run.Agent.OfflineFactorDue(run.User);
        if (due.Deadline is not { } deadline)
        {
            return ExitCodes.Ok;
        }

        if (!due.Now)
        {
            run.Environment.Out.WriteLine($"Set up an offline factor on this computer before {OfflinePeriod.Format(deadline)} (latchkey-desktop enroll-offline --user {run.User}); " +
                "after that, logging in here asks for it.");
            return ExitCodes.Ok;
        }

        if (!run.Agent.Profile.Allows(Profile.DesktopFactor.OfflineTotp))
        {
            // A security key is registered on the server (the dashboard), not here: say so rather than lock the person out.
            run.Environment.Out.WriteLine($"An offline factor was due on this computer by {OfflinePeriod.Format(deadline)} (the profile's {Profile.ProfileReader.NoOfflineFactorPeriodKey}): " +
                "register a security key while online so that it works here offline.");
            return ExitCodes.Ok;
        }

        run.Environment.Out.WriteLine($"An offline factor was due on this computer by {OfflinePeriod.Format(deadline)} (the profile's {Profile.ProfileReader.NoOfflineFactorPeriodKey}): " +
            "set up the device access code now to finish logging in.");
        return await EnrollOfflineCommand.EnrollAsync(run, online, cancellationToken);
    }

    /// <summary>A security key online, or offline when asked to or when the server cannot be reached (said on its own line).</summary>
    private static async Task<int> SecurityKeyAsync(CommandRun run, SecurityKeySlot slot, bool offline, CancellationToken cancellationToken)
    {
        var output = run.Environment.Out;
        if (!offline)
        {
            try
            {
                var online = await run.Agent.SignInWithSecurityKeyAsync(run.User, slot, cancellationToken);
                output.WriteLine($"Signed in {online.Login} online with a security key.");
                return ExitCodes.Ok;
            }
            catch (DesktopException e) when (e.ExitCode == ExitCodes.Unreachable)
            {
                output.WriteLine($"The server cannot be reached, so the security key is checked offline: {e.Message}");
            }
        }

        var signIn = run.Agent.SignInWithSecurityKeyOffline(run.User, slot);
        output.WriteLine($"Signed in {signIn.Login} offline with the security key {signIn.KeyName}. Offline sign-in works until {OfflinePeriod.Format(signIn.OfflineUntil)}.");
        return ExitCodes.Ok;
    }
}
