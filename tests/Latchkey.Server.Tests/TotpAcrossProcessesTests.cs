using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 3: two server processes on one database (PostgreSQL in the script's PostgreSQL run, one SQLite file
/// otherwise) race the same TOTP code: exactly one verification wins, every other is refused as a replay.
/// </summary>
public sealed class TotpAcrossProcessesTests
{
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ServerProcess(Process process) => _process = process;

        public HttpClient Http { get; private set; } = null!;

        public static async Task<ServerProcess> StartAsync(LatchkeyStore store)
        {
            var environment = store.Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
            environment["Latchkey__BootstrapApiToken"] = store.Token;
            environment["Latchkey__Demo"] = "false";
            environment["Latchkey__Passwords__Pbkdf2Iterations"] = "1000";
            environment["Latchkey__RateLimits__Enabled"] = "false";
            var info = LatchkeyExecutable.StartInfo(LatchkeyExecutable.TempDirectory(), ["--urls=http://127.0.0.1:0"], environment);
            var server = new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException("the server did not start"));
            var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            server._process.OutputDataReceived += (_, e) =>
            {
                lock (server._output)
                {
                    server._output.AppendLine(e.Data);
                }

                if (e.Data?.Contains("Latchkey is running at http://127.0.0.1:", StringComparison.Ordinal) == true)
                {
                    started.TrySetResult(e.Data[e.Data.IndexOf("http", StringComparison.Ordinal)..].Trim());
                }
            };
            server._process.ErrorDataReceived += (_, e) =>
            {
                lock (server._output)
                {
                    server._output.AppendLine(e.Data);
                }
            };
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            try
            {
                var url = await started.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
                server.Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
                server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("SSWS", store.Token);
                return server;
            }
            catch (TimeoutException)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"the server did not start within 60 s:\n{server.Output}");
            }
        }

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

        public async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, JsonObject body)
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync(path, content, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            return (response.StatusCode, JsonNode.Parse(text) as JsonObject ?? []);
        }

        public async ValueTask DisposeAsync()
        {
            Http?.Dispose();
            if (!_process.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync(CancellationToken.None);
                if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }
    }

    private static string Code(string secret, DateTimeOffset at) =>
        TotpVerifier.Code(Base32Encoding.ToBytes(secret), TotpVerifier.StepAt(at, TotpPolicy.Default), TotpPolicy.Default);

    [Fact]
    public async Task Two_server_processes_on_one_database_racing_the_same_code_let_exactly_one_verification_through()
    {
        await using var store = LatchkeyStore.CreateNew();
        await using var first = await ServerProcess.StartAsync(store);
        await using var second = await ServerProcess.StartAsync(store);

        var login = $"race.{ServerFixture.Unique()}@example.com";
        var (status, user) = await first.PostAsync("/api/v1/users?activate=true", new JsonObject { ["profile"] = ServerFixture.Profile(login) });
        Assert.Equal(HttpStatusCode.OK, status);
        var userId = ServerFixture.Id(user);
        var (_, factor) = await first.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "OKTA" });
        var factorId = ServerFixture.Id(factor);
        var secret = (string)factor["_embedded"]!["activation"]!["sharedSecret"]!;
        var (activated, _) = await second.PostAsync($"/api/v1/users/{userId}/factors/{factorId}/lifecycle/activate",
            new JsonObject { ["passCode"] = Code(secret, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.OK, activated);

        // The next step's code (inside the drift window), sent ten times at once, half to each process.
        var code = Code(secret, DateTimeOffset.UtcNow.AddSeconds(30));
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? first : second).PostAsync($"/api/v1/users/{userId}/factors/{factorId}/verify", new JsonObject { ["passCode"] = code })));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK) == 1,
            string.Join("\n", answers.Select(a => $"{(int)a.Status} {a.Body.ToJsonString()}")) + "\n" + first.Output + second.Output);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, a.Status);
            Assert.Equal("E0000082", (string?)a.Body["errorCode"]);
        });
    }
}
