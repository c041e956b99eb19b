using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using OtpNet;

namespace Latchkey.Benchmarks;

/// <summary>
/// What the code load modes (<c>totp-load</c>, <c>desktop-totp-load</c>) share: an active TOTP factor made through the
/// API, the wait for a fresh 30 s step, and the run that sends each prepared code once at <c>connections</c> at once
/// until the codes or the time run out, then prints the rate, p50/p99, the statuses and the server's CPU per request.
/// </summary>
internal static class CodeRun
{
    /// <summary>Each user gets the codes of the step the run starts in and of the next one, in that order.</summary>
    public static readonly int[] StepOffsets = [0, 1];

    /// <summary>
    /// The run's size: how many users (<paramref name="countName"/>), <c>--connections</c> (16) and <c>--seconds</c> (20, at
    /// most 30: each user has two codes, so a run may cross one step boundary and no more).
    /// </summary>
    public static (int Count, int Connections, int Seconds) Size(string[] args, string countName, int countDefault)
    {
        var seconds = LoadTarget.Number(args, "--seconds", 20);
        return seconds > 30
            ? throw new ArgumentException("--seconds must be 30 or less (two codes per user, one step boundary at most)")
            : (LoadTarget.Number(args, countName, countDefault), LoadTarget.Number(args, "--connections", 16), seconds);
    }

    /// <summary>Enrolls and activates a TOTP factor (<paramref name="provider"/>) for the user; returns its id and secret.</summary>
    public static async Task<(string FactorId, byte[] Secret)> ActiveTotpFactorAsync(LoadTarget target, string userId, string provider = "OKTA")
    {
        var factor = await target.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = provider });
        var factorId = (string)factor["id"]!;
        var secret = Base32Encoding.ToBytes((string)factor["_embedded"]!["activation"]!["sharedSecret"]!);
        var policy = TotpPolicy.Default;
        await target.PostAsync($"/api/v1/users/{userId}/factors/{factorId}/lifecycle/activate",
            new JsonObject { ["passCode"] = TotpVerifier.Code(secret, TotpVerifier.StepAt(DateTimeOffset.UtcNow, policy), policy) });
        return (factorId, secret);
    }

    /// <summary>
    /// Waits for the start of the next step (codes of it and of the next then both stay valid for a run of up to 30 s)
    /// and returns each item with its codes of <see cref="StepOffsets"/>, in that order.
    /// </summary>
    public static async Task<ConcurrentQueue<(T Item, string Code)>> CodesFromNextStepAsync<T>(IReadOnlyList<T> items, Func<T, byte[]> secret)
    {
        var policy = TotpPolicy.Default;
        var now = DateTimeOffset.UtcNow;
        var wait = TimeSpan.FromSeconds(policy.StepSeconds - (now.ToUnixTimeSeconds() % policy.StepSeconds)) + TimeSpan.FromMilliseconds(200);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"waiting {wait.TotalSeconds:F1} s for the next 30 s step"));
        await Task.Delay(wait);
        var step = TotpVerifier.StepAt(DateTimeOffset.UtcNow, policy);
        return new ConcurrentQueue<(T, string)>(StepOffsets.SelectMany(offset => items.Select(i => (i, TotpVerifier.Code(secret(i), step + offset, policy)))));
    }

    /// <summary>
    /// Sends the queued codes at <paramref name="connections"/> at once (<paramref name="send"/> gets the worker's number)
    /// for at most <paramref name="seconds"/>, prints the results as <paramref name="name"/> (the server's CPU per <paramref name="per"/>)
    /// and returns 0 when every request was a 200.
    /// <paramref name="send"/> answers the status and, for a refusal, its body (the first one is printed).
    /// </summary>
    public static async Task<int> RunAsync<T>(LoadTarget target, ConcurrentQueue<(T Item, string Code)> work, int connections, int seconds,
        string name, string noun, string per, string moreHint, Func<T, string, int, Task<(HttpStatusCode Status, string? Refusal)>> send)
    {
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        string? firstRefusal = null;
        var until = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        var ticksBefore = target.ServerTicks();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            while (Stopwatch.GetTimestamp() < until && work.TryDequeue(out var next))
            {
                var started = Stopwatch.GetTimestamp();
                var (status, refusal) = await send(next.Item, next.Code, worker);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                statuses.AddOrUpdate((int)status, 1, (_, n) => n + 1);
                Interlocked.CompareExchange(ref firstRefusal, refusal, null);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        var ok = statuses.GetValueOrDefault(200);
        var summary = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => FormattableString.Invariant($"{s.Key}: {s.Value}")));
        Console.WriteLine(FormattableString.Invariant(
            $"{name}: {sorted.Length} {noun} in {elapsed:F1} s at {connections} connections = {sorted.Length / elapsed:F1}/s; SUCCESS {ok}; p50 {LoadTarget.Percentile(sorted, 0.5):F1} ms, p99 {LoadTarget.Percentile(sorted, 0.99):F1} ms; statuses {summary}")
            + (work.IsEmpty ? $" (ran out of codes: use more {moreHint})" : ""));
        if (firstRefusal is not null)
        {
            Console.WriteLine($"first refusal: {firstRefusal}");
        }

        if (target.CpuPer(ticksBefore, sorted.Length, per) is { } cpu)
        {
            Console.WriteLine(cpu);
        }

        return ok == sorted.Length ? 0 : 1;
    }
}
