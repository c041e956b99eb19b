using System.CommandLine;

namespace Latchkey.Desktop.Cli;

/// <summary><c>status --profile FILE [--user LOGIN]</c>: for each user (or the one given), the allowed methods, whether each works now, and until when.</summary>
internal static class StatusCommand
{
    public static Command Build(CliEnvironment environment, DesktopOptions options)
    {
        var user = new Option<string?>("--user") { Description = "Only this user (default: every user this computer keeps offline records for)." };
        var command = new Command("status", "Show the methods each user can use now on this computer: offline or not, and until when.") { options.Profile, user };
        command.SetAction(DesktopCommandLine.Guarded(environment, options, async (run, cancellationToken) =>
        {
            var computer = run.Agent.State.LoadComputer();
            environment.Out.WriteLine($"Computer: {run.Agent.ComputerName}" + (computer is null ? " (no machine state yet)" : $" ({computer.Id})"));
            environment.Out.WriteLine($"Org: {run.Agent.Profile.OrgUrl} (offline period {run.Agent.Profile.OfflinePeriod.TotalHours:0} hours)");
            var logins = run.Parse.GetValue(user) is { } one ? [one] : run.Agent.State.LoadUsers().Select(u => u.Login).ToList();
            if (logins.Count == 0)
            {
                environment.Out.WriteLine("No user has offline records on this computer yet: sign in online, then run latchkey-desktop enroll-offline.");
            }

            foreach (var login in logins)
            {
                environment.Out.WriteLine($"{login}:");
                var (online, offlineBecause) = await OnlineAsync(run, login, cancellationToken);
                foreach (var status in run.Agent.Status(login, online, offlineBecause))
                {
                    environment.Out.WriteLine($"  {status.Name}: {(status.UsableNow ? "usable now" : "not usable now")}. {status.Detail}");
                }

                if (run.Agent.OfflineFactorDue(login) is { Deadline: { } deadline } due)
                {
                    environment.Out.WriteLine(due.Now
                        ? $"  No offline factor yet, and one was due by {Offline.OfflinePeriod.Format(deadline)}: the next online login here goes on into setting it up."
                        : $"  No offline factor yet: set one up before {Offline.OfflinePeriod.Format(deadline)} (latchkey-desktop enroll-offline --user {login}).");
                }
            }

            var pending = run.Agent.State.LoadJournal().Count;
            environment.Out.WriteLine($"Offline events waiting for upload: {pending}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>What the server says of the online methods for <paramref name="login"/>, or why it could not be asked (unreachable, refused).</summary>
    private static async Task<(Server.OnlineMethods? Online, string? Because)> OnlineAsync(CommandRun run, string login, CancellationToken cancellationToken)
    {
        if (!run.Agent.Profile.AllowedFactors.Any(f => f is Profile.DesktopFactor.Push or Profile.DesktopFactor.Totp))
        {
            return (null, null);
        }

        try
        {
            return (await run.Agent.OnlineMethodsAsync(login, cancellationToken), null);
        }
        catch (DesktopException e)
        {
            return (null, e.Message);
        }
    }
}
