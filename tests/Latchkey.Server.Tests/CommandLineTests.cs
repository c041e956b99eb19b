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
    public async Task A_bad_option_stops_the_start_with_one_line_naming_the_key_and_exit_2(string variable, string value, string key)
    {
        var run = await LatchkeyExecutable.RunAsync(_dir, ["--urls=http://127.0.0.1:0"], new Dictionary<string, string?> { [variable] = value });
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("configuration error", run.Error, StringComparison.Ordinal);
        Assert.Contains(key, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")), "nothing is created before the configuration is valid");
    }

    [Fact]
    public async Task A_bad_option_given_on_the_command_line_is_reported_the_same_way()
    {
        var run = await RunAsync("serve", "--Latchkey:MaxRequestBodyBytes=-5", "--urls=http://127.0.0.1:0");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Latchkey:MaxRequestBodyBytes", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_starts_prints_where_it_listens_without_framework_warnings_and_stops_cleanly_on_sigterm()
    {
        var info = LatchkeyExecutable.StartInfo(_dir, ["serve", "--urls=http://127.0.0.1:0", "--Latchkey:Passwords:Pbkdf2Iterations=1000"], null);
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var started = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Latchkey is running at http://127.0.0.1:", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        };
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        process.BeginOutputReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
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
        Assert.Contains("API token:", text, StringComparison.Ordinal);
    }
}
