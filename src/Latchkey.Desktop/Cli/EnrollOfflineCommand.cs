using System.CommandLine;
using Latchkey.Desktop.Offline;

namespace Latchkey.Desktop.Cli;

/// <summary>
/// <c>enroll-offline --profile FILE --user LOGIN</c>: sets up the device access code. The server registers the new
/// secret first (so the command fails before showing anything when the server cannot be reached); then the URI (on one
/// line) and a QR code are shown, and one code from the new account, within 5 minutes, confirms it.
/// </summary>
internal static class EnrollOfflineCommand
{
    public static Command Build(CliEnvironment environment, DesktopOptions options)
    {
        var command = new Command("enroll-offline", "Set up the device access code (offline factor) for a user on this computer.") { options.Profile, options.User };
        command.SetAction(DesktopCommandLine.Guarded(environment, options, async (run, cancellationToken) =>
        {
            var enrollment = run.Agent.BeginOfflineEnrollment(run.User);
            await enrollment.RegisterAsync(cancellationToken);
            var output = environment.Out;
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
        }));
        return command;
    }
}
