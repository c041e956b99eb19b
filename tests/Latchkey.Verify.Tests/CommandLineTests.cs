using System.Runtime.Versioning;
using Latchkey.Verify.Cli;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>The command line run in-process with redirected input and output (the home's file modes are Unix ones).</summary>
[UnsupportedOSPlatform("windows")]
public sealed class CommandLineTests : IDisposable
{
    private const string Uri = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
    private readonly TestHome test = new();
    private readonly FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public void Dispose() => test.Dispose();

    [Fact]
    public async Task Global_options_are_accepted_before_or_after_the_command()
    {
        Assert.Equal(0, (await CliRun.RunAsync(["--home", test.Path, "import", Uri], time: time)).Exit);
        await CliRun.RunAsync(["import", "otpauth://totp/other?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "--home", test.Path], time: time);

        var runs = new[]
        {
            await CliRun.RunAsync(["--home", test.Path, "--account", "ACME:alice", "code"], time: time),
            await CliRun.RunAsync(["code", "--home", test.Path, "--account", "ACME:alice"], time: time),
            await CliRun.RunAsync(["--account", "ACME:alice", "code", "--home", test.Path], time: time),
        };

        Assert.All(runs, run => Assert.Equal(0, run.Exit));
        Assert.Single(runs.Select(r => r.OutLines[0]).Distinct());
        Assert.Contains("ACME:alice", (await CliRun.RunAsync(["accounts", "--home", test.Path])).Out, StringComparison.Ordinal);
        Assert.Contains("ACME:alice", (await CliRun.RunAsync(["--home", test.Path, "accounts"])).Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.test/enroll?t=abc", "not an activation link")]
    [InlineData("latchkey-verify://enroll?t=abc&u=00u1", "incomplete")]
    [InlineData("latchkey-verify://enroll?s=ftp%3A%2F%2Fhost&t=abc&u=00u1", "incomplete")]
    public async Task Enroll_with_a_link_that_is_not_an_activation_link_is_a_usage_error_that_touches_nothing(string link, string reason)
    {
        var run = await CliRun.RunAsync(["enroll", "--link", link, "--home", test.Path]);
        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(test.Path, "state.json")));
        var both = await CliRun.RunAsync(["enroll", "--link", "latchkey-verify://enroll?s=http%3A%2F%2F127.0.0.1%3A1&t=a&u=b", "--user", "x", "--home", test.Path]);
        Assert.Equal(ExitCodes.Usage, both.Exit);
        Assert.Contains("not both", both.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_usage_error_exits_2_with_the_reason_and_help_on_standard_error()
    {
        var unknown = await CliRun.RunAsync(["code", "--no-such-option", "--home", test.Path]);
        var both = await CliRun.RunAsync(["push", "respond", "--approve", "--deny", "--home", test.Path]);
        var noOrg = await CliRun.RunAsync(["enroll", "--user", "alice", "--home", test.Path]);

        Assert.Equal(ExitCodes.Usage, unknown.Exit);
        Assert.Contains("--no-such-option", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", unknown.Error, StringComparison.Ordinal);
        Assert.Equal("", unknown.Out);
        Assert.Equal(ExitCodes.Usage, both.Exit);
        Assert.Contains("exactly one of --approve and --deny", both.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, noOrg.Exit);
        Assert.Contains("enroll needs the org's URL: --org URL", noOrg.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(test.Path));
    }

    [Fact]
    public async Task Long_lines_are_never_wrapped_when_output_is_redirected()
    {
        var label = "A-very-long-issuer-name-for-a-test:" + new string('x', 90) + "@example.com";
        var imported = await CliRun.RunAsync(["import", $"otpauth://totp/{label}?secret=JBSWY3DPEHPK3PXP", "--home", test.Path]);

        var accounts = await CliRun.RunAsync(["accounts", "--home", test.Path]);

        Assert.Contains(imported.OutLines, line => line.Contains($"latchkey-verify code --account \"{label}\"", StringComparison.Ordinal));
        Assert.Contains(accounts.OutLines, line => line.Contains(label, StringComparison.Ordinal) && line.Contains("totp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupt_home_gives_a_clear_message_and_exit_3_and_is_left_as_it_was()
    {
        Directory.CreateDirectory(test.Path);
        File.SetUnixFileMode(test.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(test.Path, VerifyHome.StateFileName);
        File.WriteAllText(file, "garbage");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var run = await CliRun.RunAsync(["import", Uri, "--home", test.Path]);

        Assert.Equal(ExitCodes.Home, run.Exit);
        Assert.StartsWith($"latchkey-verify: refusing to use {test.Path}: state.json is not valid JSON", run.Error, StringComparison.Ordinal);
        Assert.Equal("garbage", File.ReadAllText(file));
    }

    [Fact]
    public async Task Enroll_reads_the_password_from_standard_input_when_it_is_not_a_terminal_and_names_a_wrong_password()
    {
        using var server = new LocalHttpServer((request, _) => request switch
        {
            "POST /idp/idx/introspect" => (200, "{\"stateHandle\":\"02.test\"}", null),
            _ => (401, "{\"messages\":{\"type\":\"array\",\"value\":[{\"message\":\"Authentication failed\",\"i18n\":{\"key\":\"errors.E0000004\"},\"class\":\"ERROR\"}]}}", null),
        });

        var run = await CliRun.RunAsync(["enroll", "--org", server.Url, "--user", "alice", "--home", test.Path], input: "s3cret pass\n");

        Assert.Equal(ExitCodes.SignInRefused, run.Exit);
        Assert.Contains("Password for alice:", run.OutLines);
        Assert.Contains("sign-in refused for alice: Authentication failed", run.Error, StringComparison.Ordinal);
        var identify = server.Received.Single(r => r.Request == "POST /idp/idx/identify");
        Assert.Contains("\"passcode\":\"s3cret pass\"", identify.Body, StringComparison.Ordinal);
        Assert.Contains("\"stateHandle\":\"02.test\"", identify.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_attempts_say_when_to_try_again()
    {
        using var server = new LocalHttpServer((request, _) => request == "POST /idp/idx/introspect"
            ? (200, "{\"stateHandle\":\"02.test\"}", null)
            : (429, "{\"messages\":{\"value\":[{\"i18n\":{\"key\":\"tooManyRequests\"}}]}}", r => r.AddHeader("Retry-After", "42")));

        var run = await CliRun.RunAsync(["enroll", "--org", server.Url, "--user", "alice", "--password-stdin", "--home", test.Path], input: "pw\n");

        Assert.Equal(ExitCodes.SignInRefused, run.Exit);
        Assert.Contains("too many failed sign-ins from this address", run.Error, StringComparison.Ordinal);
        Assert.Contains("try again in 42 s", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_an_org_is_named_as_such()
    {
        using var server = new LocalHttpServer((_, _) => (404, "not here", null));

        var run = await CliRun.RunAsync(["enroll", "--org", server.Url + "/some/path", "--user", "alice", "--password-stdin", "--home", test.Path], input: "pw\n");

        Assert.Equal(ExitCodes.Failure, run.Exit);
        Assert.Contains($"{server.Url} is not a Latchkey org: POST {server.Url}/idp/idx/introspect answered 404", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(test.Path) && File.Exists(Path.Combine(test.Path, VerifyHome.StateFileName))
            && new VerifyHome(test.Path).Load().Accounts.Count > 0);
    }

    [Fact]
    public async Task A_clock_far_from_the_servers_is_reported_with_the_difference_before_anything_is_signed()
    {
        using var server = new LocalHttpServer((_, _) => (200, "{\"stateHandle\":\"02.test\"}", null));
        var skewed = new FakeTimeProvider(TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(10));

        var run = await CliRun.RunAsync(["enroll", "--org", server.Url, "--user", "alice", "--password-stdin", "--home", test.Path], input: "pw\n", time: skewed);

        Assert.Equal(ExitCodes.ClockSkew, run.Exit);
        Assert.Matches(@"clock skew detected: this computer's clock is (599|600|601) seconds ahead of http://127\.0\.0\.1:\d+'s", run.Error);
        Assert.DoesNotContain(server.Received, r => r.Request == "POST /idp/idx/identify");
    }

    [Fact]
    public async Task A_server_that_is_not_running_is_named_with_its_url()
    {
        var url = $"http://127.0.0.1:{LocalHttpServer.FreePort()}";

        var run = await CliRun.RunAsync(["enroll", "--org", url, "--user", "alice", "--password-stdin", "--home", test.Path], input: "pw\n");

        Assert.Equal(ExitCodes.Unreachable, run.Exit);
        Assert.Contains($"cannot reach {url}: connection refused", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listen_keeps_trying_with_a_growing_backoff_while_the_server_is_unreachable_and_says_so()
    {
        var url = $"http://127.0.0.1:{LocalHttpServer.FreePort()}";
        EnrolledAccount(url);
        using var stop = new CancellationTokenSource();
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            In = new StringReader(""), Out = TextWriter.Synchronized(output), Error = TextWriter.Synchronized(error), Time = time, DefaultHome = test.Path,
        };

        var listening = VerifyCommandLine.RunAsync(["listen"], environment, stop.Token);
        foreach (var seconds in new[] { 1, 2, 4 })
        {
            await WaitForAsync(() => error.ToString().Contains($"trying again in {seconds} s", StringComparison.Ordinal));
            time.Advance(TimeSpan.FromSeconds(seconds));
        }

        await WaitForAsync(() => error.ToString().Contains("trying again in 8 s", StringComparison.Ordinal));
        await stop.CancelAsync();
        var exit = await listening;

        Assert.Equal(0, exit);
        Assert.Contains($"cannot reach {url}: connection refused (is the server running?); trying again in 1 s", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("trying again in 8 s", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Stopped listening.", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_respond_reports_a_removed_enrollment_and_how_to_enroll_again()
    {
        using var server = new LocalHttpServer((_, _) =>
            (401, "{\"errorCode\":\"E0000011\",\"errorSummary\":\"Invalid token provided\",\"errorCauses\":[{\"errorSummary\":\"enrollment_not_found\"}]}", null));
        EnrolledAccount(server.Url);

        var run = await CliRun.RunAsync(["push", "respond", "--approve", "--number", "42", "--home", test.Path]);

        Assert.Equal(ExitCodes.EnrollmentRevoked, run.Exit);
        Assert.Contains($"this device's enrollment was removed from {server.Url} (enrollment_not_found): enroll again with `latchkey-verify enroll --org {server.Url}", run.Error, StringComparison.Ordinal);
        var (request, _) = Assert.Single(server.Received);
        Assert.Equal("GET /idp/authenticators/pfdtest/pending", request);
    }

    [Fact]
    public void Prompts_read_their_answers_from_standard_input_and_refuse_when_it_ends()
    {
        var output = new StringWriter();
        var environment = new CliEnvironment { In = new StringReader("42\ndeny\n"), Out = output, Error = TextWriter.Null };
        var prompter = new Prompter(environment, environment.CreateConsole());

        Assert.Equal(42, prompter.Number("Type the number shown on the sign-in screen (number challenge):"));
        Assert.False(prompter.YesNo("Approve this sign-in?"));
        var ended = Assert.Throws<VerifyException>(() => prompter.YesNo("Approve this sign-in?"));

        Assert.Contains("standard input ended before an answer", ended.Message, StringComparison.Ordinal);
        Assert.Contains("Type the number shown on the sign-in screen (number challenge):" + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
    }

    private void EnrolledAccount(string org)
    {
        using var key = SoftwareKey.Create();
        test.Home().Update(state => state.Accounts.Add(new AccountRecord
        {
            Name = "alice", Kind = AccountRecord.OktaVerifyKind, Org = org, Login = "alice", UserId = "00utest",
            Enrollment = new EnrollmentRecord { EnrollmentId = "pfdtest", ProofOfPossessionKey = key.ExportPkcs8(), PushMethodId = "opftest" },
        }));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
