using System.CommandLine;
using Latchkey.Verify.FastPass;

namespace Latchkey.Verify.Cli;

/// <summary><c>signin</c>: a passwordless FastPass sign-in from this computer (docs/fastpass.md); the session is kept for the next command.</summary>
internal static class FastPassCommands
{
    public static Command SignIn(CliEnvironment environment, GlobalOptions globals)
    {
        var command = new Command("signin", "Sign in with FastPass (the device key, no password) and keep the session for the next command.");
        command.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var account = context.App.FindAccount(context.AccountName, context.Org, enrolledOnly: true);
            var session = await new FastPassSignIn(context.App, new FastPassDevice(context.App)).SignInAsync(account.Org!, account.Name, cancellationToken);
            environment.Out.WriteLine($"Signed in as {session.Login ?? session.UserId} ({session.UserId}) at {session.Org} with FastPass.");
            environment.Out.WriteLine($"The session is saved in {context.App.Home.Directory}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The ports <c>listen</c> tries for the loopback channel: the one given, or 6511, 6512, 6513.</summary>
    public static IReadOnlyList<int> Ports(int? chosen) => chosen is { } port ? [port] : LoopbackListener.DefaultPorts;
}
