using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>push-load</c>: push approvals end to end against a running server, the way the pieces really talk. The setup makes
/// <c>--users</c> users with a password (Management API) and enrolls an authenticator-app device for each through
/// <see cref="AuthenticatorApp"/> (IDX sign-in, an ES256 key, <c>POST /idp/authenticators</c>), each in its own home.
/// Then every user runs <c>--rounds</c> rounds at once, each round:
/// <list type="number">
/// <item>the device is parked in its long poll (<c>GET .../pending?wait=25</c>) for <c>--gap-ms</c> (plus up to half again, at random);</item>
/// <item>the admin sends the push (<c>POST /api/v1/users/{id}/factors/{fid}/verify</c>: 201 WAITING with <c>_links.poll</c>);</item>
/// <item>a poller GETs the poll link at once and then <c>--poll-ms</c> after each answer, until it reads SUCCESS;</item>
/// <item>the long poll returns the push; the device answers it, approved with the number, signed by its key.</item>
/// </list>
/// Measured per round: <b>approval returned → first SUCCESS poll</b> (the moment the device's signed answer came back
/// 200 to the moment the poller received the first answer saying SUCCESS; negative when a poll reads the committed answer
/// before the device's own response arrives, which waits for the WAL flush), <b>approval returned → SUCCESS read by the
/// first poll sent after it</b> (the poller keeps going until such a poll: never negative, bounded by the poll interval
/// plus one poll), and <b>push sent → device received</b> (the admin's 201 received to the long poll's answer received). The first <c>--warmup</c> rounds of each user are
/// not counted (JIT). bench/load/push.sh starts the server and runs this.
/// <code>dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll push-load --url URL --token T --users 16 --rounds 60 --poll-ms 15</code>
/// </summary>
internal static class PushLoad
{
    private const string Password = "Tr0ub4dor&3Kx";

    private sealed record Enrolled(AuthenticatorApp App, AccountRecord Account, string UserId, string PushFactorId);

    private sealed record Round(double ApprovalToSuccess, double ApprovalToNextPoll, double SentToReceived, double Send, double Answer, double SuccessPoll, int Polls);

    private sealed record PollsSeen(long FirstStarted, long FirstAt, long AfterApprovalAt, int Polls);

    public static async Task<int> RunAsync(string[] args)
    {
        var users = LoadTarget.Number(args, "--users", 16);
        var rounds = LoadTarget.Number(args, "--rounds", 60);
        var warmup = LoadTarget.Number(args, "--warmup", 5);
        var pollMs = LoadTarget.Number(args, "--poll-ms", 15);
        var gapMs = LoadTarget.Number(args, "--gap-ms", 100);

        // Each user has a poller and an admin request in flight at most: two connections a user.
        using var target = LoadTarget.FromArgs(args, 2 * users);
        using var device = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        var homes = Directory.CreateTempSubdirectory("latchkey-push-bench.");
        try
        {
            Console.WriteLine($"setup: {users} users with a password, each with an authenticator-app device enrolled through latchkey-verify's library");
            var run = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
            var enrolled = await LoadTarget.SetUpAsync(users, Math.Min(users, 8), 8,
                i => EnrollAsync(target, device, Path.Combine(homes.FullName, $"{i}"), $"push-{run}-{i}@example.com"));

            Console.WriteLine($"run: {users} users at once, {rounds} rounds each ({warmup} of warm-up not counted), poll every {pollMs} ms, device parked {gapMs}-{gapMs * 3 / 2} ms before each push");
            var measured = new ConcurrentBag<Round>();
            var failures = new ConcurrentBag<string>();
            var ticksBefore = target.ServerTicks();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(enrolled.Select(async e =>
            {
                for (var r = 0; r < rounds; r++)
                {
                    try
                    {
                        var round = await RoundAsync(target, e, pollMs, gapMs);
                        if (r >= warmup)
                        {
                            measured.Add(round);
                        }
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or VerifyException or HttpRequestException)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = target.CpuPer(ticksBefore, measured.Count + failures.Count, "round (push, its polls, the long poll and the answer)");

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"push-load: {measured.Count} rounds counted in {elapsed:F1} s, {failures.Count} failed; {measured.Sum(m => m.Polls) / (double)Math.Max(1, measured.Count):F1} polls a round; {measured.Count(m => m.ApprovalToSuccess < 0)} first SUCCESS polls arrived before the approval's own answer"));
            Console.WriteLine(LoadTarget.Summary("approval returned -> first SUCCESS poll", measured.Select(m => m.ApprovalToSuccess)));
            Console.WriteLine(LoadTarget.Summary("approval returned -> SUCCESS read by the first poll sent after it", measured.Select(m => m.ApprovalToNextPoll)));
            Console.WriteLine(LoadTarget.Summary("push sent (201) -> device received", measured.Select(m => m.SentToReceived)));
            Console.WriteLine(LoadTarget.Summary("admin push verify (POST, 201)", measured.Select(m => m.Send)));
            Console.WriteLine(LoadTarget.Summary("device answer (signed POST, 200)", measured.Select(m => m.Answer)));
            Console.WriteLine(LoadTarget.Summary("the poll that read SUCCESS (GET)", measured.Select(m => m.SuccessPoll)));
            if (cpu is not null)
            {
                Console.WriteLine(cpu);
            }

            foreach (var failure in failures.Distinct().Take(5))
            {
                Console.WriteLine($"failed: {failure}");
            }

            return failures.IsEmpty && !measured.IsEmpty ? 0 : 1;
        }
        finally
        {
            homes.Delete(recursive: true);
        }
    }

    /// <summary>A user with a password, and the app enrolled for them as a person would: sign in, make a key, enroll.</summary>
    private static async Task<Enrolled> EnrollAsync(LoadTarget target, HttpMessageHandler device, string home, string login)
    {
        var user = await target.CreateUserAsync(login, "Push", Password);
        var app = new AuthenticatorApp(new VerifyHome(home), handler: device);
        var account = await app.EnrollAsync(target.Url, login, Password, new DeviceDescription("LINUX", "6.1.0", $"bench {login}", null, null, null), CancellationToken.None);
        var pushFactorId = account.Enrollment?.PushMethodId ?? throw new InvalidOperationException($"the enrollment of {login} has no push method");
        return new Enrolled(app, account, (string)user["id"]!, pushFactorId);
    }

    private static async Task<Round> RoundAsync(LoadTarget target, Enrolled e, int pollMs, int gapMs)
    {
        // The app is connected before the push exists, as an installed app is.
        var parked = e.App.PendingAsync(e.Account, 25, CancellationToken.None);
        await Task.Delay(gapMs + Random.Shared.Next(gapMs / 2 + 1));

        var sendStarted = Stopwatch.GetTimestamp();
        var sent = await target.PostAsync($"/api/v1/users/{e.UserId}/factors/{e.PushFactorId}/verify", []);
        var sentAt = Stopwatch.GetTimestamp();
        if ((string?)sent["factorResult"] != "WAITING" || (string?)sent["_links"]?["poll"]?["href"] is not { } poll)
        {
            throw new InvalidOperationException($"push verify did not answer WAITING with a poll link: {sent.ToJsonString()}");
        }

        var number = (int?)sent["_embedded"]?["challenge"]?["correctAnswer"];
        var approved = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var polled = PollUntilSuccessAsync(target.Admin, poll, pollMs, approved.Task);
        try
        {
            var pending = await parked;
            var receivedAt = Stopwatch.GetTimestamp();
            var push = pending.FirstOrDefault(p => poll.EndsWith("/" + p.TransactionId, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"the long poll answered without the push ({pending.Count} other(s))");
            var result = await e.App.AnswerAsync(e.Account, push, approve: true, number, CancellationToken.None);
            var approvedAt = Stopwatch.GetTimestamp();
            if (result != "SUCCESS")
            {
                throw new InvalidOperationException($"the approval answered {result}");
            }

            approved.SetResult(approvedAt);
            var seen = await polled;
            return new Round(Milliseconds(approvedAt, seen.FirstAt), Milliseconds(approvedAt, seen.AfterApprovalAt), Milliseconds(sentAt, receivedAt),
                Milliseconds(sendStarted, sentAt), Milliseconds(receivedAt, approvedAt), Milliseconds(seen.FirstStarted, seen.FirstAt), seen.Polls);
        }
        finally
        {
            if (approved.TrySetCanceled())
            {
                await polled.ContinueWith(_ => { }, TaskScheduler.Default); // the poller stops at its next answer
            }
        }
    }

    /// <summary>
    /// GETs the poll link until it says SUCCESS, and on until a poll sent after the approval returned (<paramref name="approved"/>)
    /// says it too: the first SUCCESS (when that poll was sent, when its answer arrived), the first one after the approval,
    /// and how many polls it took. Gives up when the round failed (<paramref name="approved"/> cancelled).
    /// </summary>
    private static async Task<PollsSeen> PollUntilSuccessAsync(HttpClient admin, string poll, int pollMs, Task<long> approved)
    {
        (long Started, long At)? first = null;
        for (var polls = 1; ; polls++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await admin.GetAsync(poll);
            var at = Stopwatch.GetTimestamp();
            var text = await response.Content.ReadAsStringAsync();
            var status = response.IsSuccessStatusCode ? (string?)JsonNode.Parse(text)?["factorResult"] : null;
            if (status is not ("SUCCESS" or "WAITING") || approved.IsCanceled)
            {
                throw new InvalidOperationException($"poll answered {(int)response.StatusCode} {text}");
            }

            if (status == "SUCCESS")
            {
                first ??= (started, at);
                if (approved.IsCompletedSuccessfully && started >= approved.Result)
                {
                    return new PollsSeen(first.Value.Started, first.Value.At, at, polls);
                }
            }

            await Task.Delay(pollMs);
        }
    }

    private static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
