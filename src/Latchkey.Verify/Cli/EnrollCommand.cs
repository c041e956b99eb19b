using System.CommandLine;

namespace Latchkey.Verify.Cli;

/// <summary>
/// <c>enroll --org URL --user LOGIN [--password-stdin] [--name DISPLAYNAME]</c>: signs in, registers this device and
/// enrolls push, TOTP and the device-bound key; says plainly that the key is a software key.
/// </summary>
internal static class EnrollCommand
{
    public static Command Build(CliEnvironment environment, GlobalOptions globals)
    {
        var user = new Option<string>("--user") { Description = "The user's login (username).", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };
        var name = new Option<string?>("--name") { Description = "The device's display name (default: the host name)." };
        var command = new Command("enroll", "Sign in to an org and enroll this device as the user's authenticator app (push, TOTP, device-bound key).")
        {
            user, passwordStdin, name,
        };
        command.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var org = context.Org ?? throw new VerifyException(ExitCodes.Usage, "enroll needs the org's URL: --org URL (e.g. --org http://127.0.0.1:8080)");
            var login = context.Parse.GetValue(user)!;
            string password;
            if (context.Parse.GetValue(passwordStdin))
            {
                password = (await environment.In.ReadLineAsync(cancellationToken))?.TrimEnd('\r')
                    ?? throw new VerifyException(ExitCodes.Usage, "--password-stdin: standard input is empty");
            }
            else
            {
                password = context.Prompter.Secret($"Password for {login}:");
            }

            var device = environment.Device(context.Parse.GetValue(name));
            var account = await context.App.EnrollAsync(org, login, password, device, cancellationToken);
            var enrollment = account.Enrollment!;
            environment.Out.WriteLine($"Enrolled {account.Login} in {account.Org} on device \"{enrollment.DeviceName ?? device.DisplayName}\" ({enrollment.DeviceId}, {device.Platform} {device.OsVersion}).");
            environment.Out.WriteLine($"Methods: {string.Join(", ", enrollment.Methods())}. Account name: {account.Name}");
            environment.Out.WriteLine(
                $"The device key is a software key kept in {context.App.Home.StateFile}: it is NOT hardware-protected (secureHardwarePresent: false).");
            environment.Out.WriteLine("Wait for pushes with: latchkey-verify listen");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
