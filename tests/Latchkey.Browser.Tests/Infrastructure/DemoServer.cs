using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>A sign-in the server printed on its first start.</summary>
public sealed record Credential(string Login, string Password);

/// <summary>
/// The real <c>latchkey</c> executable started as a newcomer starts it (a new data directory, the demo org), on a free
/// port of 127.0.0.1, with cheap password hashing. The admin sign-in, the demo users' passwords and the API token are
/// read from what it prints, so the tests sign in with exactly what a newcomer is shown. Pages are opened as
/// <c>http://localhost:PORT</c> (WebAuthn refuses an IP address as its relying party). The process is stopped, and its
/// data directory removed, when the fixture is disposed, also after a failure, and when the test host exits.
/// </summary>
public partial class DemoServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private string? _dir;
    private HttpClient? _api;

    /// <summary>The base URL pages are opened at (<c>http://localhost:PORT</c>).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public Credential Admin { get; private set; } = null!;

    /// <summary>The active demo users (alice, bob, carol) with the passwords the server printed.</summary>
    public IReadOnlyDictionary<string, Credential> DemoUsers { get; private set; } = null!;

    public string ApiToken { get; private set; } = null!;

    /// <summary>Everything the server printed to its standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), "latchkey-browser-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        var info = LatchkeyExecutable.StartInfo(_dir!, ["serve", "--urls=http://127.0.0.1:0", "--Latchkey:Passwords:Pbkdf2Iterations=1000"], null);
        _process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        AppDomain.CurrentDomain.ProcessExit += StopOnExit;
        _process.OutputDataReceived += (_, e) => Read(e.Data);
        _process.ErrorDataReceived += (_, e) => Read(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"the server exited during start-up:{Environment.NewLine}{Output}"));

        int port;
        try
        {
            port = await _listening.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the server did not start within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{Output}");
        }

        ReadCredentials(Output);
        BaseUrl = new Uri($"http://localhost:{port}");
        _api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("SSWS", ApiToken);
        _api.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (RunningAt().Match(line) is { Success: true } running)
        {
            _listening.TrySetResult(int.Parse(running.Groups[1].Value, CultureInfo.InvariantCulture));
        }
    }

    private void ReadCredentials(string output)
    {
        string Field(string label) =>
            Regex.Match(output, $@"^\s*{Regex.Escape(label)}:\s+(\S+)", RegexOptions.Multiline) is { Success: true } m
                ? m.Groups[1].Value
                : throw new InvalidOperationException($"the first start printed no \"{label}\":{Environment.NewLine}{output}");

        Admin = new Credential(Field("Admin sign-in"), Field("Admin password"));
        ApiToken = Field("API token");
        DemoUsers = DemoUserLine().Matches(output)
            .Where(m => !m.Groups[2].Value.StartsWith("(staged", StringComparison.Ordinal))
            .ToDictionary(m => m.Groups[1].Value.Split('@')[0], m => new Credential(m.Groups[1].Value, m.Groups[2].Value.Trim()));
        if (!DemoUsers.ContainsKey("alice"))
        {
            throw new InvalidOperationException($"the first start printed no demo user alice:{Environment.NewLine}{output}");
        }
    }

    /// <summary>Calls the Management API with the printed token; returns the status and the JSON body (null when empty).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> ApiAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        else if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent([]);
        }

        using var response = await Api.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Like <see cref="ApiAsync"/>, asserting a 2xx answer.</summary>
    public async Task<JsonNode?> ApiOkAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        var (status, json) = await ApiAsync(method, path, body);
        Assert.True((int)status is >= 200 and < 300, $"{method} {path} -> {(int)status} {json?.ToJsonString()}");
        return json;
    }

    private HttpClient Api => _api ?? throw new InvalidOperationException("Not started.");

    /// <summary>A password that meets the default policy and shares no part with the names tests use.</summary>
    public const string Password = "Tr0ub4dor&3Kx";

    /// <summary>Creates an active user with <see cref="Password"/> and a unique login; returns (id, login).</summary>
    public async Task<(string Id, string Login)> CreateUserAsync(string firstName = "Test", string lastName = "Person")
    {
        var login = $"u{Guid.NewGuid().ToString("N")[..12]}@example.com";
        var user = await ApiOkAsync(HttpMethod.Post, "/api/v1/users?activate=true", new JsonObject
        {
            ["profile"] = new JsonObject { ["login"] = login, ["email"] = login, ["firstName"] = firstName, ["lastName"] = lastName },
            ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = Password } },
        });
        return ((string)user!["id"]!, login);
    }

    /// <summary>The System Log events of one type whose actor is <paramref name="actorId"/>.</summary>
    public async Task<IReadOnlyList<JsonNode>> EventsAsync(string eventType, string actorId)
    {
        var filter = Uri.EscapeDataString($"eventType eq \"{eventType}\" and actor.id eq \"{actorId}\"");
        var events = await ApiOkAsync(HttpMethod.Get, $"/api/v1/logs?filter={filter}&since=2000-01-01T00:00:00.000Z&limit=100");
        return [.. events!.AsArray().Select(e => e!)];
    }

    public async ValueTask DisposeAsync()
    {
        _api?.Dispose();
        _api = null;
        AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
        if (_process is { } process)
        {
            _process = null;
            await StopAsync(process);
            process.Dispose();
        }

        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A graceful stop (SIGTERM), then a kill when it takes longer than 10 s.</summary>
    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        try
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private void StopOnExit(object? sender, EventArgs e)
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    [GeneratedRegex(@"Latchkey is running at http://127\.0\.0\.1:(\d+)")]
    private static partial Regex RunningAt();

    [GeneratedRegex(@"^\s+(?:Demo users:)?\s+([a-z]+@example\.com)\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex DemoUserLine();
}
