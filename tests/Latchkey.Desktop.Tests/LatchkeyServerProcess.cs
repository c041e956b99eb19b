using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>
/// The real Latchkey server (<c>dotnet latchkey.dll</c>) on 127.0.0.1 at a free port (for ten minutes at most), on the embedded SQLite default in
/// a private data directory, with a random bootstrap API token; stopped (and its directory removed) on dispose. The dll
/// is <c>LATCHKEY_SERVER_DLL</c> when set (scripts/test.sh sets it to the Release build), else the server's build output
/// in the same configuration as these tests (the test project references the server project so that it is built).
/// </summary>
internal sealed class LatchkeyServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string dataDir;

    private LatchkeyServerProcess(Process process, string dataDir, string url, string token)
    {
        this.process = process;
        this.dataDir = dataDir;
        Url = url;
        Admin = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("SSWS", token);
    }

    public string Url { get; }

    /// <summary>Management API client with the bootstrap token.</summary>
    public HttpClient Admin { get; }

    public static string Dll
    {
        get
        {
            if (Environment.GetEnvironmentVariable("LATCHKEY_SERVER_DLL") is { Length: > 0 } dll)
            {
                return dll;
            }

            // tests/Latchkey.Desktop.Tests/bin/<Configuration>/<tfm>/ -> src/Latchkey.Server/bin/<Configuration>/<tfm>/latchkey.dll
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfm.Parent!;
            var root = configuration.Parent!.Parent!.Parent!.Parent!;
            return Path.Combine(root.FullName, "src", "Latchkey.Server", "bin", configuration.Name, tfm.Name, "latchkey.dll");
        }
    }

    public static async Task<LatchkeyServerProcess> StartAsync(CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(Dll), $"the server is not built: {Dll}");
        var dataDir = Directory.CreateTempSubdirectory("latchkey-desktop-server-").FullName;
        var url = $"http://127.0.0.1:{FreePort()}";
        var token = "test-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        // Under timeout(1): a server left behind by a test run that died stops by itself after ten minutes.
        var info = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { "600", "dotnet", Dll })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Latchkey__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Urls"] = url;
        info.Environment["Latchkey__DataDir"] = dataDir;
        info.Environment["Latchkey__BootstrapApiToken"] = token;
        info.Environment["Latchkey__Demo"] = "false";
        info.Environment["Latchkey__Passwords__Pbkdf2Iterations"] = "1000";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var log = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LatchkeyServerProcess(process, dataDir, url, token);
        for (var started = Stopwatch.StartNew(); started.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited; await Task.Delay(200, cancellationToken))
        {
            try
            {
                using var health = await server.Admin.GetAsync("/healthz", cancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }

        await server.DisposeAsync();
        lock (log)
        {
            throw new InvalidOperationException($"the server did not start on {url}: {log}");
        }
    }

    /// <summary>Sends <paramref name="body"/> as JSON as the admin; a refusal fails the test with the server's answer.</summary>
    public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent((body ?? []).ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await Admin.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text) as JsonObject ?? [];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        process.Dispose();
        Directory.Delete(dataDir, recursive: true);
    }
}
