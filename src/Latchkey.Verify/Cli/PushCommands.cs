using System.CommandLine;
using System.Globalization;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;

namespace Latchkey.Verify.Cli;

/// <summary>
/// <c>listen</c> (long-polls for pushes, shows where each comes from, asks for the number and the answer; reconnects
/// with backoff when the server is unreachable) and <c>push respond</c> (answers the newest pending push at once).
/// </summary>
internal static class PushCommands
{
    private const string NumberQuestion = "Type the number shown on the sign-in screen (number challenge):";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public static Command Listen(CliEnvironment environment, GlobalOptions globals)
    {
        var autoDeny = new Option<bool>("--auto-deny") { Description = "Deny every push without asking (for scripts)." };
        var once = new Option<bool>("--once") { Description = "Stop after answering one push." };
        var wait = new Option<int>("--wait") { Description = "Seconds each long poll waits (0-30).", DefaultValueFactory = _ => 25 };
        var loopbackPort = new Option<int?>("--loopback-port") { Description = "The 127.0.0.1 port for FastPass from the browser (default: 6511, else 6512, 6513)." };
        var command = new Command("listen", "Wait for pushes and answer them, and answer FastPass from the browser on this computer (Ctrl+C stops).")
        {
            autoDeny, once, wait, loopbackPort,
        };
        command.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var account = context.App.FindAccount(context.AccountName, context.Org, enrolledOnly: true);
            environment.Out.WriteLine($"Listening for pushes to {account.Login} in {account.Org} (Ctrl+C stops).");
            using var loopback = FastPass.LoopbackListener.Start(new FastPass.FastPassDevice(context.App), FastPassCommands.Ports(context.Parse.GetValue(loopbackPort)),
                account.Name, line => environment.Out.WriteLine(line));
            environment.Out.WriteLine($"FastPass: listening on http://127.0.0.1:{loopback.Port} for sign-in pages of {account.Org}.");
            try
            {
                return await ListenAsync(context, account, context.Parse.GetValue(autoDeny), context.Parse.GetValue(once), context.Parse.GetValue(wait), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                environment.Out.WriteLine("Stopped listening.");
                return ExitCodes.Ok;
            }
        }));
        return command;
    }

    public static Command Push(CliEnvironment environment, GlobalOptions globals)
    {
        var approve = new Option<bool>("--approve") { Description = "Approve the push." };
        var deny = new Option<bool>("--deny") { Description = "Deny the push." };
        var number = new Option<int?>("--number") { Description = "The number shown on the sign-in screen (when the push has a number challenge)." };
        var respond = new Command("respond", "Answer the newest pending push: --approve [--number N] or --deny.") { approve, deny, number };
        respond.Validators.Add(result =>
        {
            if (result.GetValue(approve) == result.GetValue(deny))
            {
                result.AddError("give exactly one of --approve and --deny");
            }
        });
        respond.SetAction(VerifyCommandLine.Guarded(environment, globals, async (context, cancellationToken) =>
        {
            var account = context.App.FindAccount(context.AccountName, context.Org, enrolledOnly: true);
            var approving = context.Parse.GetValue(approve);
            var given = context.Parse.GetValue(number);
            var pending = await context.App.PendingAsync(account, 0, cancellationToken);
            var newest = pending.OrderBy(p => p.Created ?? DateTimeOffset.MinValue).LastOrDefault()
                ?? throw new VerifyException(ExitCodes.Failure, $"no push is waiting for {account.Login} in {account.Org}");
            if (approving && newest.NumberChallenge && given is null)
            {
                throw new VerifyException(ExitCodes.Usage, "this push has a number challenge: give the number shown on the sign-in screen with --number N");
            }

            Describe(environment, newest);
            var result = await context.App.AnswerAsync(account, newest, approving, approving ? given : null, cancellationToken);
            environment.Out.WriteLine($"{(approving ? "Approved" : "Denied")}: {result}");
            return ExitCodes.Ok;
        }));
        var command = new Command("push", "Answer pushes without waiting.");
        command.Subcommands.Add(respond);
        return command;
    }

    private static async Task<int> ListenAsync(CommandContext context, AccountRecord account, bool autoDeny, bool once, int wait, CancellationToken cancellationToken)
    {
        var environment = context.Environment;
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var backoff = TimeSpan.FromSeconds(1);
        var down = false;
        while (true)
        {
            IReadOnlyList<PendingPush> pending;
            try
            {
                pending = await context.App.PendingAsync(account, wait, cancellationToken);
            }
            catch (VerifyException e) when (e.ExitCode == ExitCodes.Unreachable)
            {
                await environment.Error.WriteLineAsync($"latchkey-verify: {e.Message}; trying again in {backoff.TotalSeconds:0} s");
                down = true;
                await Task.Delay(backoff, environment.Time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            if (down)
            {
                environment.Out.WriteLine($"Connected to {account.Org} again.");
                down = false;
            }

            backoff = TimeSpan.FromSeconds(1);
            foreach (var push in pending.Where(p => answered.Add(p.TransactionId)))
            {
                var exit = await AnswerAsync(context, account, push, autoDeny, cancellationToken);
                if (once)
                {
                    return exit;
                }
            }
        }
    }

    private static async Task<int> AnswerAsync(CommandContext context, AccountRecord account, PendingPush push, bool autoDeny, CancellationToken cancellationToken)
    {
        var environment = context.Environment;
        Describe(environment, push);
        bool approve;
        int? number = null;
        if (autoDeny)
        {
            approve = false;
            environment.Out.WriteLine("Denying (--auto-deny).");
        }
        else
        {
            if (push.NumberChallenge)
            {
                number = context.Prompter.Number(NumberQuestion);
            }

            approve = context.Prompter.YesNo("Approve this sign-in?");
        }

        try
        {
            var result = await context.App.AnswerAsync(account, push, approve, approve ? number : null, cancellationToken);
            environment.Out.WriteLine($"{(approve ? "Approved" : "Denied")}: {result}");
            return ExitCodes.Ok;
        }
        catch (VerifyException e) when (e.ExitCode is not (ExitCodes.EnrollmentRevoked or ExitCodes.ClockSkew))
        {
            // One push that could not be answered (expired, answered elsewhere, wrong number) does not stop listening.
            await environment.Error.WriteLineAsync($"latchkey-verify: {e.Message}");
            return e.ExitCode;
        }
    }

    private static void Describe(CliEnvironment environment, PendingPush push)
    {
        var c = push.Context;
        var now = environment.Time.GetUtcNow();
        environment.Out.WriteLine($"Push: {c.Login ?? "(unknown user)"} is signing in to {c.AppName ?? "(unknown app)"}{(c.Computer is null ? "" : $" on the computer {c.Computer}")}");
        environment.Out.WriteLine($"  from {c.IpAddress ?? "an unknown address"}, {c.Browser ?? "unknown browser"} on {c.Os ?? "unknown OS"}{(c.UserAgent is null ? "" : $" ({c.UserAgent})")}");
        if (push.ExpiresAt is { } expires)
        {
            var left = expires - now;
            environment.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  expires {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({(left > TimeSpan.Zero ? $"in {(int)left.TotalMinutes}:{left.Seconds:00}" : "expired")})"));
        }
    }
}
