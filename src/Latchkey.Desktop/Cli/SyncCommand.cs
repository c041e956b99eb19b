using System.CommandLine;

namespace Latchkey.Desktop.Cli;

/// <summary><c>sync --profile FILE</c>: uploads the offline sign-ins kept in the journal to the org's System Log.</summary>
internal static class SyncCommand
{
    public static Command Build(CliEnvironment environment, DesktopOptions options)
    {
        var command = new Command("sync", "Upload the offline sign-ins of this computer to the org's System Log (they keep their own time).") { options.Profile };
        command.SetAction(DesktopCommandLine.Guarded(environment, options, async (run, cancellationToken) =>
        {
            var waiting = run.Agent.State.LoadJournal().Count;
            if (waiting == 0)
            {
                environment.Out.WriteLine("No offline events to upload.");
                return ExitCodes.Ok;
            }

            environment.Out.WriteLine($"Uploading {waiting} offline event(s) to {run.Agent.Profile.OrgUrl} ...");
            var result = await run.Agent.SyncAsync(cancellationToken);
            environment.Out.WriteLine($"Uploaded: {result.Stored} stored in the System Log, {result.AlreadyThere} already there.");
            foreach (var (refused, reason) in result.Rejected)
            {
                environment.Error.WriteLine($"latchkey-desktop: the server refused the event {refused.Event.Id} ({refused.Event.Method} {refused.Event.Result} " +
                    $"for {refused.Event.Login} at {refused.Event.Time:u}): {reason}; it was removed from the journal");
            }

            return result.Rejected.Count == 0 ? ExitCodes.Ok : ExitCodes.Refused;
        }));
        return command;
    }
}
