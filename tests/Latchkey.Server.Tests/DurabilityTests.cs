using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// An acknowledged write survives power loss: on SQLite the write-ahead log must be on disk (fsynced) before the
/// answer leaves the server. A power cut cannot be pulled here, so the test watches the real executable's system
/// calls with strace instead: every page SQLite writes to the <c>-wal</c> file must be covered by a completed
/// fsync of that file before the next HTTP response is sent. The same check run with
/// <c>Latchkey:Database:Durability=Normal</c> must find unsynced acknowledgements, which shows the check can fail.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _dir = LatchkeyExecutable.TempDirectory();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Data Source=file:uri-named.db")]
    public async Task With_the_default_durability_every_acknowledged_write_is_fsynced_before_the_answer(string? connectionString)
    {
        var check = await TraceWritesAsync(durability: null, connectionString);
        Assert.True(check.Acknowledged >= 20, $"expected the 20 writes to be acknowledged, saw {check.Acknowledged}");
        Assert.True(check.WalWrites > 0, "SQLite wrote no log pages: the trace saw nothing");
        Assert.Equal(0, check.UnsyncedAcknowledgements);
    }

    [Fact]
    public async Task With_normal_durability_acknowledged_writes_are_not_yet_on_disk_so_the_check_can_fail()
    {
        var check = await TraceWritesAsync(durability: "Normal");
        Assert.True(check.UnsyncedAcknowledgements >= 15, $"expected most of 20 writes unsynced, saw {check.UnsyncedAcknowledgements}");
    }

    private sealed record TraceCheck(int Acknowledged, int WalWrites, int UnsyncedAcknowledgements);

    private async Task<TraceCheck> TraceWritesAsync(string? durability, string? connectionString = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort();
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var trace = Path.Combine(_dir, $"trace-{durability ?? "default"}-{(connectionString is null ? "file" : "uri")}.txt");
        var server = LatchkeyExecutable.StartInfo(_dir, [$"--urls=http://127.0.0.1:{port}"], new Dictionary<string, string?>
        {
            ["Latchkey__BootstrapApiToken"] = token, ["Latchkey__Demo"] = "false", ["Latchkey__Passwords__Pbkdf2Iterations"] = "1000",
            ["Latchkey__DataDir"] = Path.Combine(_dir, durability ?? "default"), ["Latchkey__Database__Durability"] = durability,
            ["Latchkey__Database__ConnectionString"] = connectionString,
        });
        var info = new ProcessStartInfo("strace") { WorkingDirectory = _dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-f", "-y", "-e", "trace=pwrite64,write,fsync,fdatasync,sendto,sendmsg,writev", "-o", trace, server.FileName })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in server.ArgumentList)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in server.Environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("strace did not start (apt-get install strace)");
        _ = process.StandardOutput.ReadToEndAsync(ct);
        _ = process.StandardError.ReadToEndAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            await WaitForHealthAsync(http, process, ct);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("SSWS", token);
            for (var i = 0; i < 20; i++)
            {
                var body = $$$"""{"profile":{"firstName":"D","lastName":"Urable","email":"d{{{i}}}@example.com","login":"d{{{i}}}@example.com"}}""";
                using var response = await http.PostAsync("/api/v1/users?activate=false", new StringContent(body, Encoding.UTF8, "application/json"), ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            // strace does not pass SIGTERM on: stop the server it runs, and strace ends with it.
            var children = await File.ReadAllTextAsync($"/proc/{process.Id}/task/{process.Id}/children", ct);
            using var kill = Process.Start("kill", ["-TERM", .. children.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
            await kill.WaitForExitAsync(ct);
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        }

        return Check(await File.ReadAllLinesAsync(trace, ct));
    }

    /// <summary>
    /// Walks the trace in order. A log write dirties the file; an fsync of it that completes covers the writes made
    /// before it started. Each HTTP response sent while some log write is not yet covered is an unsynced
    /// acknowledgement. strace -f splits a call that another thread interrupts into "unfinished" and "resumed".
    /// </summary>
    private static TraceCheck Check(IEnumerable<string> lines)
    {
        int written = 0, synced = 0, acknowledged = 0, unsynced = 0;
        var pendingSync = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            // "PID  call(...)": strace pads the process id, so the call starts after the run of spaces.
            var pid = line.Split(' ', 2)[0];
            var call = line[pid.Length..].TrimStart();
            if (call.StartsWith("pwrite64(", StringComparison.Ordinal) && call.Contains("-wal>", StringComparison.Ordinal))
            {
                written++;
            }
            else if ((call.StartsWith("fsync(", StringComparison.Ordinal) || call.StartsWith("fdatasync(", StringComparison.Ordinal))
                     && call.Contains("-wal>", StringComparison.Ordinal))
            {
                if (call.Contains("<unfinished", StringComparison.Ordinal))
                {
                    pendingSync[pid] = written;
                }
                else if (call.EndsWith("= 0", StringComparison.Ordinal))
                {
                    synced = Math.Max(synced, written);
                }
            }
            else if ((call.StartsWith("<... fsync resumed>", StringComparison.Ordinal) || call.StartsWith("<... fdatasync resumed>", StringComparison.Ordinal))
                     && pendingSync.Remove(pid, out var coveredWrites) && call.EndsWith("= 0", StringComparison.Ordinal))
            {
                synced = Math.Max(synced, coveredWrites);
            }
            else if (call.Contains("\"HTTP/1.1 200", StringComparison.Ordinal))
            {
                acknowledged++;
                if (synced < written)
                {
                    unsynced++;
                }
            }
        }

        return new TraceCheck(acknowledged, written, unsynced);
    }

    private static async Task WaitForHealthAsync(HttpClient http, Process process, CancellationToken ct)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(process.HasExited, "the server exited during start-up");
            try
            {
                using var response = await http.GetAsync("/healthz", ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100, ct);
        }

        Assert.Fail("the server did not answer /healthz within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
