using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using OtpNet;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>totp-load</c>: TOTP verifications through the API (<c>POST /api/v1/users/{id}/factors/{fid}/verify</c>) at
/// <c>--connections</c> at once against a running server. Every code is accepted once per factor, so the setup makes
/// <c>--factors</c> users each with an active TOTP factor (created, enrolled and activated through the API, progress
/// shown) and the run sends each factor the codes of two consecutive steps, in order: every request is a real success
/// with its replay record and log event. Waits for a fresh 30 s step first, so a run of up to 30 s crosses at most one
/// step boundary (both codes stay inside the drift window). bench/load/totp.sh starts the server and runs this.
/// <code>dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll totp-load --url URL --token T --factors 12000 --connections 16 --seconds 20</code>
/// </summary>
internal static class TotpLoad
{
    private sealed record Factor(string UserId, string FactorId, byte[] Secret);

    /// <summary>Each factor gets the codes of the step the run starts in and of the next one, in that order.</summary>
    private static readonly int[] StepOffsets = [0, 1];

    public static async Task<int> RunAsync(string[] args)
    {
        var count = LoadTarget.Number(args, "--factors", 12_000);
        var connections = LoadTarget.Number(args, "--connections", 16);
        var seconds = LoadTarget.Number(args, "--seconds", 20);
        if (seconds > 30)
        {
            throw new ArgumentException("--seconds must be 30 or less (two codes per factor, one step boundary at most)");
        }

        using var target = LoadTarget.FromArgs(args, connections);
        Console.WriteLine($"setup: {count} users with an active TOTP factor ({connections} at once)");
        var run = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
        var factors = await LoadTarget.SetUpAsync(count, connections, 1000, i => SetUpAsync(target, $"totp-{run}-{i}@example.com"));

        // Start at the beginning of a step: codes of this step and the next then both stay valid for the whole run.
        var policy = TotpPolicy.Default;
        var now = DateTimeOffset.UtcNow;
        var wait = TimeSpan.FromSeconds(policy.StepSeconds - (now.ToUnixTimeSeconds() % policy.StepSeconds)) + TimeSpan.FromMilliseconds(200);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"waiting {wait.TotalSeconds:F1} s for the next 30 s step"));
        await Task.Delay(wait);
        var step = TotpVerifier.StepAt(DateTimeOffset.UtcNow, policy);
        var work = new ConcurrentQueue<(Factor Factor, string Code)>(
            StepOffsets.SelectMany(offset => factors.Select(f => (f, TotpVerifier.Code(f.Secret, step + offset, policy)))));

        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        var until = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        var ticksBefore = target.ServerTicks();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until && work.TryDequeue(out var item))
            {
                var started = Stopwatch.GetTimestamp();
                var status = await VerifyAsync(target.Admin, item.Factor, item.Code);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                statuses.AddOrUpdate((int)status, 1, (_, n) => n + 1);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        var ok = statuses.GetValueOrDefault(200);
        var summary = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => FormattableString.Invariant($"{s.Key}: {s.Value}")));
        Console.WriteLine(FormattableString.Invariant(
            $"totp-verify: {sorted.Length} requests in {elapsed:F1} s at {connections} connections = {sorted.Length / elapsed:F1}/s; SUCCESS {ok}; p50 {LoadTarget.Percentile(sorted, 0.5):F1} ms, p99 {LoadTarget.Percentile(sorted, 0.99):F1} ms; statuses {summary}")
            + (work.IsEmpty ? " (ran out of codes: use more --factors)" : ""));
        if (target.CpuPer(ticksBefore, sorted.Length, "verification") is { } cpu)
        {
            Console.WriteLine(cpu);
        }

        return ok == sorted.Length ? 0 : 1;
    }

    private static async Task<Factor> SetUpAsync(LoadTarget target, string login)
    {
        var user = await target.CreateUserAsync(login, "Totp");
        var userId = (string)user["id"]!;
        var factor = await target.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "OKTA" });
        var f = new Factor(userId, (string)factor["id"]!, Base32Encoding.ToBytes((string)factor["_embedded"]!["activation"]!["sharedSecret"]!));
        var policy = TotpPolicy.Default;
        await target.PostAsync($"/api/v1/users/{userId}/factors/{f.FactorId}/lifecycle/activate",
            new JsonObject { ["passCode"] = TotpVerifier.Code(f.Secret, TotpVerifier.StepAt(DateTimeOffset.UtcNow, policy), policy) });
        return f;
    }

    private static async Task<HttpStatusCode> VerifyAsync(HttpClient http, Factor factor, string code)
    {
        using var content = new StringContent(new JsonObject { ["passCode"] = code }.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/api/v1/users/{factor.UserId}/factors/{factor.FactorId}/verify", content);
        return response.StatusCode;
    }
}
