using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>The <c>latchkey</c> executable's command line, run as an operator runs it, in an empty directory.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = LatchkeyExecutable.TempDirectory();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private Task<ProcessRun> RunAsync(params string[] args) => LatchkeyExecutable.RunAsync(_dir, args);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("serve", "--help")]
    public async Task Help_prints_the_usage_exits_0_and_creates_nothing(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        Assert.Contains("serve", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0_creating_nothing()
    {
        var run = await RunAsync("--version");
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", run.Output.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("--bogus")]
    [InlineData("serve", "--nope=1")]
    [InlineData("--Unknown:Section=1")]
    public async Task An_unknown_command_or_option_prints_the_usage_to_stderr_exits_2_and_creates_nothing(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(args[^1], run.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Theory]
    [InlineData("Latchkey__MaxRequestBodyBytes", "-5", "Latchkey:MaxRequestBodyBytes")]
    [InlineData("Latchkey__MaxRequestBodyBytes", "lots", "Latchkey:MaxRequestBodyBytes")]
    [InlineData("Latchkey__Passwords__Pbkdf2Iterations", "10", "Latchkey:Passwords:Pbkdf2Iterations")]
    [InlineData("Latchkey__Demo", "maybe", "Latchkey:Demo")]
    [InlineData("Latchkey__Database__Provider", "Oracle", "Latchkey:Database:Provider")]
    [InlineData("Latchkey__RateLimits__Buckets__users__Limit", "0", "Latchkey:RateLimits:Buckets:users:Limit")]
    [InlineData("Latchkey__BootstrapApiToken", "my-secret", "Latchkey:BootstrapApiToken")]
    [InlineData("Latchkey__RateLimits__FailedAuthentication__Limit", "0", "Latchkey:RateLimits:FailedAuthentication:Limit")]
    [InlineData("Latchkey__Database__Durability", "Sometimes", "Latchkey:Database:Durability")]
    [InlineData("Latchkey__Database__ConnectionString", "garbage", "Latchkey:Database:ConnectionString")]
    [InlineData("Latchkey__DataDir", "/etc/hostname", "Latchkey:DataDir")]
    [InlineData("Latchkey__DataDir", "/proc/no/such/dir", "Latchkey:DataDir")]
    [InlineData("Latchkey__Bogus", "1", "Bogus")]
    [InlineData("Latchkey__RateLimits__Buckets__users__Limit", "abc", "Latchkey:RateLimits:Buckets:users:Limit")]
    [InlineData("Logging__LogLevel__Default", "Loud", "Logging:LogLevel")]
    public async Task A_bad_option_stops_the_start_with_one_line_naming_the_key_and_exit_2(string variable, string value, string key)
    {
        var run = await LatchkeyExecutable.RunAsync(_dir, ["--urls=http://127.0.0.1:0"], new Dictionary<string, string?> { [variable] = value });
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("configuration error", run.Error, StringComparison.Ordinal);
        Assert.Contains(key, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")), "nothing is created before the configuration is valid");
    }

    [Theory]
    [InlineData("serve", "--Latchkey:MaxRequestBodyBytes=-5", "--urls=http://127.0.0.1:0")]
    [InlineData("--Latchkey:MaxRequestBodyBytes", "-5", "--urls", "http://127.0.0.1:0")]
    public async Task A_bad_option_given_on_the_command_line_is_reported_the_same_way_in_either_form(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Latchkey:MaxRequestBodyBytes", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage", "Urls")]
    [InlineData("http://127.0.0.1:99999", "port")]
    public async Task A_bad_listen_address_stops_the_start_before_anything_is_created(string urls, string expected)
    {
        var run = await RunAsync($"--urls={urls}");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_port_in_use_stops_the_start_with_one_line_before_a_new_org_and_its_secrets_are_created()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var run = await RunAsync($"--urls=http://127.0.0.1:{port}");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"cannot listen on http://127.0.0.1:{port}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Serve_starts_prints_where_it_listens_without_framework_warnings_or_errors_for_refused_duplicates_and_stops_cleanly_on_sigterm()
    {
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var info = LatchkeyExecutable.StartInfo(_dir, ["serve", "--urls=http://127.0.0.1:0", "--Latchkey:Passwords:Pbkdf2Iterations=1000"],
            new Dictionary<string, string?> { ["Latchkey__BootstrapApiToken"] = token });
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var started = new TaskCompletionSource<string>();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Latchkey is running at http://127.0.0.1:", StringComparison.Ordinal) == true)
            {
                started.TrySetResult(e.Data[(e.Data.IndexOf("http", StringComparison.Ordinal))..].Trim());
            }
        };
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        process.BeginOutputReadLine();
        try
        {
            var url = await started.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            // A refused duplicate is an expected answer (400), not an error for the operator's log.
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("SSWS", token);
            var body = """{"profile":{"firstName":"D","lastName":"Up","email":"dup@example.com","login":"dup@example.com"}}""";
            for (var i = 0; i < 2; i++)
            {
                using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                using var response = await http.PostAsync("/api/v1/users?activate=false", content, TestContext.Current.CancellationToken);
                Assert.Equal(i == 0 ? System.Net.HttpStatusCode.OK : System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            }
        }
        finally
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.Equal(0, process.ExitCode);
        Assert.True(File.Exists(Path.Combine(_dir, "data", "latchkey.db")), "the default data directory is the working directory's ./data");
        Assert.DoesNotContain("warn:", text + await error, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", text + await error, StringComparison.Ordinal);
        Assert.Contains("API token:", text, StringComparison.Ordinal);
    }
}
