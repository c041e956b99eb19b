using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Benchmarks;

/// <summary>
/// The running server a load mode drives (<c>totp-load</c>, <c>push-load</c>, <c>desktop-totp-load</c>), as bench/load/serve.sh started it: its URL,
/// an admin client authorised by the bootstrap token (<c>--url</c>, <c>--token</c>), user creation through the Management
/// API, the set-up of many users at once with progress, and the server's CPU time (<c>--server-stat</c> /proc/PID/stat,
/// <c>--clk-tck</c>). The command-line and percentile helpers of the load modes live here too.
/// </summary>
internal sealed class LoadTarget : IDisposable
{
    private readonly string? stat;
    private readonly int clockTicks;

    private LoadTarget(string url, string token, int connections, string? stat, int clockTicks)
    {
        Url = url.TrimEnd('/');
        this.stat = stat;
        this.clockTicks = clockTicks;
        Admin = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("SSWS", token);
    }

    /// <summary>Clock ticks a second of <c>/proc</c>'s CPU times (<c>--clk-tck</c>).</summary>
    public int ClockTicks => clockTicks;

    /// <summary>The org URL (scheme, host, port).</summary>
    public string Url { get; }

    /// <summary>Management API client with the bootstrap token, at most <c>connections</c> connections at once.</summary>
    public HttpClient Admin { get; }

    /// <summary>The target of <c>--url</c> and <c>--token</c> (both required), with <paramref name="connections"/> admin connections.</summary>
    public static LoadTarget FromArgs(string[] args, int connections) => new(
        Text(args, "--url") ?? throw new ArgumentException("--url is required"),
        Text(args, "--token") ?? throw new ArgumentException("--token is required"),
        connections, Text(args, "--server-stat"), Number(args, "--clk-tck", 100));

    /// <summary>Creates an active user (in <paramref name="groupIds"/> when given); with <paramref name="password"/> it can sign in. Returns the user.</summary>
    public Task<JsonObject> CreateUserAsync(string login, string firstName, string? password = null, IEnumerable<string>? groupIds = null)
    {
        var body = new JsonObject { ["profile"] = new JsonObject { ["firstName"] = firstName, ["lastName"] = "Bench", ["email"] = login, ["login"] = login } };
        if (password is not null)
        {
            body["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = password } };
        }

        if (groupIds is not null)
        {
            body["groupIds"] = new JsonArray([.. groupIds.Select(id => (JsonNode?)id)]);
        }

        return PostAsync("/api/v1/users?activate=true", body);
    }

    /// <summary>POSTs JSON as the admin; a refusal throws with the server's answer.</summary>
    public async Task<JsonObject> PostAsync(string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Admin.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? (JsonObject)JsonNode.Parse(text)!
            : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }

    /// <summary>Runs <paramref name="make"/> for 0..count-1, <paramref name="parallel"/> at once, printing progress every <paramref name="every"/>.</summary>
    public static async Task<List<T>> SetUpAsync<T>(int count, int parallel, int every, Func<int, Task<T>> make)
    {
        var made = new ConcurrentBag<T>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                made.Add(await make(i));
                if ((i + 1) % every == 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i + 1} of {count} ({clock.Elapsed.TotalSeconds:F0} s)"));
                }
            }
        }));
        return [.. made];
    }

    /// <summary>utime + stime of the server so far, from its /proc/PID/stat (fields 14 and 15, after the command name); 0 without <c>--server-stat</c>.</summary>
    public long ServerTicks()
    {
        if (stat is null)
        {
            return 0;
        }

        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>The server's CPU per operation since <paramref name="ticksBefore"/>, as a line; null without <c>--server-stat</c>.</summary>
    public string? CpuPer(long ticksBefore, int operations, string operation) => stat is null || operations == 0 ? null
        : string.Create(CultureInfo.InvariantCulture, $"server CPU: {(ServerTicks() - ticksBefore) * 1000.0 / clockTicks / operations:F2} ms per {operation} (user + system, all threads)");

    public void Dispose() => Admin.Dispose();

    /// <summary>The value at fraction <paramref name="p"/> of an ascending array (0 for none).</summary>
    public static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>"name: count N, p50 .. p90 .. p99 .. max .. ms" of some latencies in milliseconds.</summary>
    public static string Summary(string name, IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return FormattableString.Invariant(
            $"{name}: count {sorted.Length}, p50 {Percentile(sorted, 0.5):F1} ms, p90 {Percentile(sorted, 0.9):F1} ms, p99 {Percentile(sorted, 0.99):F1} ms, max {(sorted.Length == 0 ? 0 : sorted[^1]):F1} ms, min {(sorted.Length == 0 ? 0 : sorted[0]):F1} ms");
    }

    public static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static int Number(string[] args, string name, int fallback) =>
        Text(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
