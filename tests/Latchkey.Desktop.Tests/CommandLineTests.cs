using System.Text.RegularExpressions;
using Latchkey.Desktop.Security;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>The command line run in-process (fake clock, fake server), with answers on standard input as a script gives them.</summary>
public sealed partial class CommandLineTests : IDisposable
{
    private readonly AgentFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private string Profile => fixture.Folder.WriteProfile();

    private string State => fixture.Folder.StatePath;

    [Fact]
    public async Task Enroll_offline_shows_the_uri_whole_and_a_qr_code_and_confirms_with_a_code_read_from_standard_input()
    {
        var output = new StringWriter();
        var input = new CodeFromUri(output, fixture);

        var exit = await Cli.DesktopCommandLine.RunAsync(
            ["enroll-offline", "--profile", Profile, "--user", AgentFixture.Login, "--method", "push", "--state", State],
            new Cli.CliEnvironment { In = input, Out = output, Error = output, Time = fixture.Time, ComputerName = "Alice-MacBook", Server = _ => fixture.Server },
            TestContext.Current.CancellationToken);

        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.True(exit == 0, output.ToString());
        var uri = Assert.Single(lines, l => l.StartsWith("otpauth://totp/", StringComparison.Ordinal));
        Assert.Contains("acme.example.com:Device%20access%20code%20Alice-MacBook?secret=", uri, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains('█', StringComparison.Ordinal) || l.Contains('▀', StringComparison.Ordinal));
        Assert.Contains("Code from the \"Device access code Alice-MacBook\" account:", lines);
        Assert.Contains(lines, l => l.StartsWith("Device access code set up for alice@example.com on Alice-MacBook. It works offline until 2026-12-10 09:00 UTC", StringComparison.Ordinal));
        Assert.Single(fixture.Server.Confirmed);
    }

    [Fact]
    public async Task Enroll_offline_is_refused_when_the_code_comes_after_5_minutes()
    {
        var output = new StringWriter();
        var input = new CodeFromUri(output, fixture, delay: TimeSpan.FromMinutes(6));

        var exit = await Cli.DesktopCommandLine.RunAsync(
            ["enroll-offline", "--profile", Profile, "--user", AgentFixture.Login, "--method", "push", "--state", State],
            new Cli.CliEnvironment { In = input, Out = output, Error = output, Time = fixture.Time, ComputerName = "Alice-MacBook", Server = _ => fixture.Server },
            TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.EnrollmentExpired, exit);
        Assert.Contains("latchkey-desktop: the device access code enrollment expired", output.ToString(), StringComparison.Ordinal);
        Assert.Null(fixture.Agent.State.LoadUser(AgentFixture.Login)?.DeviceAccessCode); // only the online sign-in before it is kept
    }

    [Fact]
    public async Task Login_offline_reads_the_code_from_standard_input_and_state_is_accepted_before_or_after_the_command()
    {
        await fixture.EnrollAsync();

        var first = await CliRun.RunAsync(["--state", State, "login", "--profile", Profile, "--user", AgentFixture.Login, "--offline"], fixture.CodeNow() + "\n", fixture.Time);
        fixture.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await CliRun.RunAsync(["login", "--profile", Profile, "--user", AgentFixture.Login, "--method", "offline-code", "--code", fixture.CodeNow(), "--state", State], time: fixture.Time);

        Assert.True(first.Exit == 0, first.Error);
        Assert.Contains("Device access code for alice@example.com (the \"Device access code Alice-MacBook\" account in the authenticator app):", first.OutLines);
        Assert.Contains("Signed in alice@example.com offline with the device access code. Offline sign-in works until 2026-12-10 09:00 UTC.", first.OutLines);
        Assert.True(second.Exit == 0, second.Error);
    }

    [Theory]
    [InlineData("replay", ExitCodes.Refused, "already used")]
    [InlineData("12345678901234567890123456789012345", ExitCodes.Refused, "it has 35 characters, a code has 6 digits")]
    [InlineData("abcdef", ExitCodes.Refused, "a code has only digits (0-9)")]
    [InlineData("skew", ExitCodes.ClockSkew, "this computer's clock is about 11 hours 50 minutes off")]
    public async Task Login_refusals_exit_non_zero_with_the_reason_on_standard_error(string code, int exit, string reason)
    {
        await fixture.EnrollAsync();
        var used = fixture.CodeNow();
        Assert.Equal(0, (await CliRun.RunAsync(["login", "--offline", "--profile", Profile, "--user", AgentFixture.Login, "--code", used, "--state", State], time: fixture.Time)).Exit);
        var given = code switch
        {
            "replay" => used,
            "skew" => fixture.CodeNow(TimeSpan.FromMinutes(11 * 60 + 50)),
            _ => code,
        };

        var run = await CliRun.RunAsync(["login", "--offline", "--profile", Profile, "--user", AgentFixture.Login, "--code", given, "--state", State], time: fixture.Time);

        Assert.Equal(exit, run.Exit);
        Assert.StartsWith("latchkey-desktop: ", run.Error, StringComparison.Ordinal);
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Signed in", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_after_the_offline_period_exits_8_before_asking_for_a_code()
    {
        await fixture.EnrollAsync();
        fixture.Time.Advance(TimeSpan.FromDays(8));

        var run = await CliRun.RunAsync(["login", "--offline", "--profile", Profile, "--user", AgentFixture.Login, "--state", State], time: fixture.Time);

        Assert.Equal(ExitCodes.OfflinePeriod, run.Exit);
        Assert.Contains("the offline period ended on 2026-12-10 09:00 UTC", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Device access code for", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_lists_each_allowed_method_with_whether_it_works_now_and_until_when()
    {
        await fixture.EnrollAsync();

        fixture.Server.Methods[1] = new("OV_TOTP", false, "factor_not_enrolled");

        var run = await CliRun.RunAsync(["status", "--profile", Profile, "--state", State], time: fixture.Time, server: fixture.Server);
        var unreachable = await CliRun.RunAsync(["status", "--profile", fixture.Folder.WriteProfile(TestFolder.UnreachableProfileJson, "unreachable.json"), "--state", State],
            time: fixture.Time);

        Assert.Equal(0, run.Exit);
        Assert.Contains("alice@example.com:", run.OutLines);
        Assert.Contains(run.OutLines, l => l.StartsWith("  Offline_TOTP: usable now. \"Device access code Alice-MacBook\": offline sign-in works until 2026-12-10 09:00 UTC", StringComparison.Ordinal));
        Assert.Contains("  OV_Push: usable now. online: the org's server says it is set up for this person", run.OutLines);
        Assert.Contains("  OV_TOTP: not usable now. the org's server says it cannot be used now: factor_not_enrolled", run.OutLines);
        Assert.Contains("Offline events waiting for upload: 0", run.OutLines);
        Assert.Equal(0, unreachable.Exit);
        Assert.Contains(unreachable.OutLines, l => l.StartsWith("  OV_Push: not usable now. online only: needs the org's server, which cannot be asked now (cannot reach the server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_a_bad_profile_exits_3_naming_the_key()
    {
        var missing = await CliRun.RunAsync(["login", "--offline", "--state", State]);
        var badMethod = await CliRun.RunAsync(["login", "--profile", Profile, "--user", "a", "--method", "sms", "--state", State]);
        var bad = await CliRun.RunAsync(["status", "--profile", fixture.Folder.WriteProfile("""{"DMFAOrgURL":"http://acme.example.com","DMFAClientID":"x","DMFAClientSecret":"y"}""", "bad.json"), "--state", State]);

        Assert.Equal(ExitCodes.Usage, missing.Exit);
        Assert.Contains("--profile", missing.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, badMethod.Exit);
        Assert.Equal(ExitCodes.Configuration, bad.Exit);
        Assert.Contains("DMFAOrgURL: not an https URL (http is allowed only for 127.0.0.1/localhost)", bad.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(State));
    }

    [Fact]
    public async Task Online_methods_name_the_server_they_cannot_reach_and_do_not_work_offline()
    {
        var unreachable = fixture.Folder.WriteProfile(TestFolder.UnreachableProfileJson, "unreachable.json");
        var online = await CliRun.RunAsync(["login", "--profile", unreachable, "--user", "alice", "--method", "push", "--state", State]);
        var offline = await CliRun.RunAsync(["login", "--profile", Profile, "--user", "alice", "--method", "push", "--offline", "--state", State]);

        Assert.Equal(ExitCodes.Unreachable, online.Exit);
        Assert.Contains("cannot reach the server at http://127.0.0.1:9/device-access/desktop-mfa/v1/push: the connection was refused", online.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, offline.Exit);
        Assert.Contains("push does not work offline", offline.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_online_says_the_offline_factor_deadline_then_after_it_goes_on_into_setting_up_the_device_access_code()
    {
        Cli.CliEnvironment Environment(StringWriter output, TextReader input) =>
            new() { In = input, Out = output, Error = output, Time = fixture.Time, ComputerName = "Alice-MacBook", Server = _ => fixture.Server };
        string[] login = ["login", "--profile", Profile, "--user", AgentFixture.Login, "--method", "push", "--state", State];

        var first = new StringWriter();
        var firstExit = await Cli.DesktopCommandLine.RunAsync(login, Environment(first, new StringReader("")), TestContext.Current.CancellationToken);
        fixture.Time.Advance(TimeSpan.FromHours(49));
        var late = new StringWriter();
        var lateExit = await Cli.DesktopCommandLine.RunAsync(login, Environment(late, new CodeFromUri(late, fixture)), TestContext.Current.CancellationToken);
        var after = new StringWriter();
        var afterExit = await Cli.DesktopCommandLine.RunAsync(login, Environment(after, new StringReader("")), TestContext.Current.CancellationToken);

        Assert.True(firstExit == 0, first.ToString());
        Assert.Contains("Set up an offline factor on this computer before 2026-12-05 09:00 UTC", first.ToString(), StringComparison.Ordinal);
        Assert.True(lateExit == 0, late.ToString());
        Assert.Contains("An offline factor was due on this computer by 2026-12-05 09:00 UTC (the profile's LoginPeriodWithNoOfflineFactor)", late.ToString(), StringComparison.Ordinal);
        Assert.Contains("Device access code set up for alice@example.com", late.ToString(), StringComparison.Ordinal);
        Assert.NotNull(fixture.Agent.State.LoadUser(AgentFixture.Login)!.DeviceAccessCode);
        Assert.True(afterExit == 0, after.ToString());
        Assert.DoesNotContain("offline factor", after.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_past_the_offline_factor_deadline_fails_when_the_device_access_code_is_not_set_up()
    {
        string[] login = ["login", "--profile", Profile, "--user", AgentFixture.Login, "--method", "push", "--state", State];
        Assert.Equal(0, (await CliRun.RunAsync(login, "", fixture.Time, fixture.Server)).Exit);
        fixture.Time.Advance(TimeSpan.FromHours(49));

        var run = await CliRun.RunAsync(login, "", fixture.Time, fixture.Server);

        Assert.NotEqual(0, run.Exit);
        Assert.Null(fixture.Agent.State.LoadUser(AgentFixture.Login)!.DeviceAccessCode);
    }

    /// <summary>Standard input whose next line is the code of the secret in the URI printed so far (after an optional delay on the fake clock).</summary>
    private sealed partial class CodeFromUri(StringWriter output, AgentFixture fixture, TimeSpan? delay = null) : TextReader
    {
        public override string? ReadLine()
        {
            fixture.Time.Advance(delay ?? TimeSpan.FromSeconds(20));
            var secret = Secret().Match(output.ToString()).Groups[1].Value;
            return DeviceAccessCodes.Code(DeviceAccessCodes.FromBase32(secret), DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow()));
        }

        [GeneratedRegex("secret=([A-Z2-7]+)")]
        private static partial Regex Secret();
    }
}
