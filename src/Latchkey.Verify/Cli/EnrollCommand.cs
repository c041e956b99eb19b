using System.CommandLine;

namespace Latchkey.Verify.Cli;

/// <summary>
/// <c>enroll --org URL --user LOGIN [--password-stdin] [--name DISPLAYNAME]</c>: signs in, registers this device and
/// enrolls push, TOTP and the device-bound key; says plainly that the key is a software key. <c>enroll --link '...'</c>
/// does the same with the activation link of a sign-in that asks the user to set up the app (no password).
/// </summary>
internal static class EnrollCommand
{
    public static Command Build(CliEnvironment environment, GlobalOptions globals)
    {
        var user = new Option<string?>("--user") { Description = "The user's login (username); with --org." };
        var link = new Option<string?>("--link")
        {
            Description = "Instead of --org/--user and a password: the activation link a sign-in shows when it asks you to set up the app "
                + "(latchkey-verify://enroll?...). Quote it in the shell.",
        };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };
        var name = new Option<string?>("--name") { Description = "The device's display name (default: the host name)." };
        var command = new Command("enroll", "Sign in to an org and enroll this device as the user's authenticator app (push, TOTP, device-bound key).")
        {
            user, passwordStdin, name, link,
        };
        command.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            if (context.Parse.GetValue(link) is { } activation)
            {
                if (context.Parse.GetValue(user) is not null)
                {
                    throw new VerifyException(ExitCodes.Usage, "enroll takes --link or --user, not both: the link already names the user");
                }

                var linkedDevice = environment.Device(context.Parse.GetValue(name));
                Report(environment, context, await context.App.EnrollWithLinkAsync(activation, linkedDevice, cancellationToken), linkedDevice);
                return ExitCodes.Ok;
            }

            var org = context.Org ?? throw new VerifyException(ExitCodes.Usage, "enroll needs the org's URL: --org URL (e.g. --org http://127.0.0.1:8080), or --link");
            var login = context.Parse.GetValue(user)
                ?? throw new VerifyException(ExitCodes.Usage, "enroll needs the user: --user LOGIN (with --org), or the activation link of a sign-in: --link '...'");
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
            Report(environment, context, await context.App.EnrollAsync(org, login, password, device, cancellationToken), device);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Report(CliEnvironment environment, CommandContext context, State.AccountRecord account, Channel.DeviceDescription device)
    {
        var enrollment = account.Enrollment!;
        environment.Out.WriteLine($"Enrolled {account.Login} in {account.Org} on device \"{enrollment.DeviceName ?? device.DisplayName}\" ({enrollment.DeviceId}, {device.Platform} {device.OsVersion}).");
        environment.Out.WriteLine($"Methods: {string.Join(", ", enrollment.Methods())}. Account name: {account.Name}");
        environment.Out.WriteLine(
            $"The device key is a software key kept in {context.App.Home.StateFile}: it is NOT hardware-protected (secureHardwarePresent: false).");
        environment.Out.WriteLine("Wait for pushes with: latchkey-verify listen");
    }
}
