using System.CommandLine;
using Latchkey.Desktop.Offline;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// <c>enroll-offline --profile FILE --user LOGIN [--method push|code]</c>: sets up the device access code. The person
/// first signs in online on this computer (a push or the org account's code; without <c>--method</c>, a menu), since
/// the server registers a device access code only with the login token of such a sign-in; then the new secret is
/// registered, the URI (on one line) and a QR code are shown, and one code from the new account, within 5 minutes,
/// confirms it.
/// </summary>
internal static class EnrollOfflineCommand
{
    public static Command Build(CliEnvironment environment, DesktopOptions options)
    {
        var method = new Option<string?>("--method") { Description = "The online sign-in that comes first: push or code (default: a menu)." };
        method.AcceptOnlyFromAmong(OnlineSignInFlow.Push, OnlineSignInFlow.Code);
        var command = new Command("enroll-offline", "Set up the device access code (offline factor) for a user on this computer, after an online sign-in.")
        {
            options.Profile, options.User, method,
        };
        command.SetAction(DesktopCommandLine.Guarded(environment, options, async (run, cancellationToken) =>
        {
            OfflineEnrollment.EnsureAllowed(run.Agent.Profile);

            // The machine state first: a state directory that is refused (or this computer's first key) is settled before anything goes to the server.
            run.Agent.State.Write(writer => writer.Computer);
            var output = environment.Out;
            var chosen = run.Parse.GetValue(method) ?? await OnlineSignInFlow.ChooseAsync(run, [OnlineSignInFlow.Push, OnlineSignInFlow.Code], cancellationToken);
            var online = await OnlineSignInFlow.SignInAsync(run, chosen, null, cancellationToken);
            output.WriteLine($"Signed in {online.Login} online. Now the device access code:");
            return await EnrollAsync(run, online, cancellationToken);
        }));
        return command;
    }

    /// <summary>Sets up the device access code after the online sign-in <paramref name="online"/> (its login token): register, show the QR code and URI, confirm with one code.</summary>
    public static async Task<int> EnrollAsync(CommandRun run, OnlineSignIn online, CancellationToken cancellationToken)
    {
        var environment = run.Environment;
        var output = environment.Out;
        var enrollment = run.Agent.BeginOfflineEnrollment(run.User);
        await enrollment.RegisterAsync(online.LoginToken, cancellationToken);
        output.WriteLine($"Add the \"{enrollment.Label}\" account to the authenticator app: scan this QR code, or import the URI below it.");
        output.Write(TerminalQrCode.Render(enrollment.OtpAuthUri));
        output.WriteLine(enrollment.OtpAuthUri);
        output.WriteLine($"Confirm with one code from the new account before {OfflinePeriod.Format(enrollment.ExpiresAt)} ({OfflineEnrollment.Lifetime.TotalMinutes:0} minutes).");
        var code = environment.Ask($"Code from the \"{enrollment.Label}\" account:");
        await enrollment.ConfirmAsync(code, cancellationToken);
        var window = run.Agent.CheckOfflineCodeReady(run.User);
        output.WriteLine($"Device access code set up for {enrollment.Login} on {run.Agent.ComputerName}. It works offline until {OfflinePeriod.Format(window.Until!.Value)}, " +
            "and again for the offline period after each online sign-in.");
        return ExitCodes.Ok;
    }
}
