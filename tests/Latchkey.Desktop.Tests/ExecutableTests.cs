using System.Diagnostics;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>
/// The real <c>latchkey-desktop</c> executable as a login plug-in or a person runs it, on the system clock, with no
/// server: a state prepared through the agent library, then the exit codes and messages of the process.
/// </summary>
public sealed class ExecutableTests : IDisposable
{
    private const string Login = "alice@example.com";
    private readonly TestFolder folder = new();
    private byte[] secret = [];

    public void Dispose() => folder.Dispose();

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "latchkey-desktop.dll");

    private static async Task<CliRun> RunAsync(string input, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (args is ["--strace", var trace, ..])
        {
            // strace (Debian package; scripts/test.sh installs it) records the fsync and rename calls, with file names (-y).
            info.FileName = "strace";
            foreach (var arg in new[] { "-f", "-y", "-e", "trace=fsync,rename,renameat,renameat2", "-o", trace, "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }

            args = args[2..];
        }

        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }

    /// <summary>Enrolls <see cref="Login"/> through the library (with an in-process server) on the system clock.</summary>
    private async Task EnrollAsync()
    {
        var agent = new DesktopAgent(ProfileReader.Parse(TestFolder.ProfileJson), folder.State(), TimeProvider.System, new FakeDesktopMfaServer(TimeProvider.System), "CI-Mac");
        var enrollment = agent.BeginOfflineEnrollment(Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, TestContext.Current.CancellationToken);
        secret = DeviceAccessCodes.FromBase32(enrollment.Secret);
        await enrollment.ConfirmAsync(Code(TimeSpan.Zero), TestContext.Current.CancellationToken);
    }

    private string Code(TimeSpan offset) => DeviceAccessCodes.Code(secret, DeviceAccessCodes.StepAt(TimeProvider.System.GetUtcNow() + offset));

    [Fact]
    public async Task The_next_code_signs_in_offline_with_exit_0_and_a_replay_exits_6()
    {
        await EnrollAsync();
        var next = Code(TimeSpan.FromSeconds(30));

        var run = await RunAsync(next + "\n", "login", "--profile", folder.WriteProfile(), "--user", Login, "--offline", "--state", folder.StatePath);
        var replay = await RunAsync("", "--state", folder.StatePath, "login", "--profile", folder.WriteProfile(), "--user", Login, "--offline", "--code", next);

        Assert.True(run.Exit == 0, run.Error);
        Assert.Contains("Signed in alice@example.com offline with the device access code.", run.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, replay.Exit);
        Assert.Contains("already used", replay.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_from_37_minutes_ahead_exits_7_saying_the_clock_is_off()
    {
        await EnrollAsync();

        var run = await RunAsync("", "login", "--offline", "--profile", folder.WriteProfile(), "--user", Login, "--code", Code(TimeSpan.FromMinutes(37)), "--state", folder.StatePath);

        Assert.Equal(ExitCodes.ClockSkew, run.Exit);
        Assert.Contains("this computer's clock is about 37 minutes off (behind", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_numeric_input_exits_6_with_the_reason()
    {
        await EnrollAsync();

        var run = await RunAsync("12 34 ab\n", "login", "--offline", "--profile", folder.WriteProfile(), "--user", Login, "--state", folder.StatePath);

        Assert.Equal(ExitCodes.Refused, run.Exit);
        Assert.Contains("a code has only digits (0-9)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enroll_offline_without_a_server_exits_5_and_shows_no_secret()
    {
        var run = await RunAsync("", "enroll-offline", "--profile", folder.WriteProfile(TestFolder.UnreachableProfileJson), "--user", Login, "--state", folder.StatePath);

        Assert.Equal(ExitCodes.Unreachable, run.Exit);
        Assert.Contains("cannot reach the server at http://127.0.0.1:9/device-access/desktop-mfa/v1/methods", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("otpauth://", run.Out, StringComparison.Ordinal);
        Assert.Null(folder.State().LoadUser(Login));
    }

    [Fact]
    public async Task A_bad_plist_profile_exits_3_naming_each_key()
    {
        var plist = folder.WriteProfile("""
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict>
              <key>DMFAOrgURL</key><string>https://acme.example.com</string>
              <key>DMFAClientID</key><string>0oa1</string>
              <key>AllowedFactors</key><array><string>Offline_TOTP</string><string>Push</string></array>
              <key>LoginPeriodWithOfflineFactor</key><integer>-1</integer>
            </dict></plist>
            """, "profile.plist");

        var run = await RunAsync("", "status", "--profile", plist, "--state", folder.StatePath);

        Assert.Equal(ExitCodes.Configuration, run.Exit);
        Assert.Contains("3 problems", run.Error, StringComparison.Ordinal);
        Assert.Contains("DMFAClientSecret: missing", run.Error, StringComparison.Ordinal);
        Assert.Contains("AllowedFactors: unknown factor \"Push\"", run.Error, StringComparison.Ordinal);
        Assert.Contains("LoginPeriodWithOfflineFactor: -1 is negative", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_state_exits_4_and_unlocks_nothing()
    {
        await EnrollAsync();
        var file = Directory.EnumerateFiles(Path.Combine(folder.StatePath, "users")).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[40] ^= 0x80;
        File.WriteAllBytes(file, bytes);

        var run = await RunAsync("", "login", "--offline", "--profile", folder.WriteProfile(), "--user", Login, "--code", Code(TimeSpan.FromSeconds(30)), "--state", folder.StatePath);

        Assert.Equal(ExitCodes.State, run.Exit);
        Assert.Contains("failed its integrity check", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Signed in", run.Out, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(file));
    }

    [Fact]
    public async Task Each_state_file_is_flushed_then_renamed_into_place_then_its_directory_is_flushed()
    {
        // The first write (here by enroll-offline, which then fails for want of a server) makes machine.key and computer.sealed.
        var trace = Path.Combine(folder.StatePath + "-trace.txt");
        var run = await RunUnderStraceAsync(trace, "enroll-offline", "--profile", folder.WriteProfile(TestFolder.UnreachableProfileJson), "--user", Login, "--method", "push", "--state", folder.StatePath);
        Assert.Equal(ExitCodes.Unreachable, run.Exit);
        var calls = File.ReadAllLines(trace).Where(l => l.Contains("fsync(", StringComparison.Ordinal) || l.Contains("rename(", StringComparison.Ordinal)).ToList();

        foreach (var file in new[] { DesktopState.MachineKeyFile, DesktopState.ComputerFile })
        {
            var rename = calls.FindIndex(l => l.Contains("rename(", StringComparison.Ordinal) && l.Contains($"/{file}\")", StringComparison.Ordinal));
            Assert.True(rename > 0, string.Join(Environment.NewLine, calls));
            Assert.Contains(".tmp>", calls[rename - 1], StringComparison.Ordinal);
            Assert.Contains("fsync(", calls[rename - 1], StringComparison.Ordinal);
            Assert.Contains($"fsync(", calls[rename + 1], StringComparison.Ordinal);
            Assert.Contains($"<{folder.StatePath}>)", calls[rename + 1], StringComparison.Ordinal);
            Assert.EndsWith("= 0", calls[rename + 1], StringComparison.Ordinal);
        }
    }

    private static async Task<CliRun> RunUnderStraceAsync(string trace, params string[] args) =>
        await RunAsync("", ["--strace", trace, .. args]);

    [Fact]
    public async Task Help_lists_the_commands()
    {
        var run = await RunAsync("", "--help");

        Assert.Equal(0, run.Exit);
        foreach (var command in new[] { "login", "enroll-offline", "status", "--state" })
        {
            Assert.Contains(command, run.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_executable_speaks_the_desktop_mfa_protocol_over_http()
    {
        var environment = Cli.CliEnvironment.FromConsole();

        using var folder = new TestFolder();
        var state = new DesktopState(folder.StatePath);

        var server = Assert.IsType<HttpDesktopMfaServer>(environment.ServerFor(ProfileReader.Parse(TestFolder.ProfileJson), state));

        Assert.Null(state.LoadComputer());
        Assert.Equal(server.Identity!().Id, state.LoadComputer()!.Id);
    }
}
