using System.CommandLine;
using Latchkey.Verify.FastPass;

namespace Latchkey.Verify.Cli;

/// <summary><c>open APP</c>: FastPass from this device, then the app through its access policy: <c>ALLOWED url</c> (exit 0) or <c>DENIED reason</c> (exit 8).</summary>
internal static class OpenCommand
{
    public static Command Create(CliEnvironment environment, GlobalOptions globals)
    {
        var appArgument = new Argument<string>("app") { Description = "The app's id or label, as your dashboard shows it." };
        var command = new Command("open", "Open an app from this device: sign in with FastPass, then the org decides by the app's access policy.") { appArgument };
        command.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var account = context.App.FindAccount(context.AccountName, context.Org, enrolledOnly: true);
            var signIn = new FastPassSignIn(context.App, new FastPassDevice(context.App));
            var result = await new AppOpener(context.App, signIn).OpenAsync(account.Org!, account.Name, context.Parse.GetValue(appArgument)!, cancellationToken);
            if (result.Allowed)
            {
                environment.Out.WriteLine($"ALLOWED {result.Text}");
                return ExitCodes.Ok;
            }

            environment.Out.WriteLine($"DENIED {result.Text}");
            await environment.Error.WriteLineAsync($"latchkey-verify: the org refused to open {context.Parse.GetValue(appArgument)}: {result.Text}");
            return ExitCodes.AccessDenied;
        }));
        return command;
    }
}
