using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Desktop;
using Latchkey.Desktop.Cli;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Scenario A1/A2 end to end: <c>latchkey-desktop</c>'s library (and once its executable) against a real server, with
/// the profile the Desktop MFA app downloads. A person not assigned and a wrong client secret are refused in plain
/// words with their own exit codes; a push with number matching approved on a device, and a code of the org account,
/// sign in online; a device access code set up after an online sign-in then works with no network, and typed where the
/// org account's code is expected it is named as the device access code of this computer. Scenario A4: a security key
/// (a software key in the USB slot) signs in online, and then offline when the server cannot be reached.
/// </summary>
public sealed partial class DesktopAgentOnlineTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string ComputerName = "Build Mac";
    private static readonly DesktopComputer Computer = new(ComputerName, "C02XK1", "MACOS");
    private readonly string folder = LatchkeyExecutable.TempDirectory();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private async Task<string> AppAsync() => ServerFixture.Id(await DesktopMfaKit.CreateAppAsync(server));

    /// <summary>The app's configuration profile as the admin downloads it, written to a file (with <paramref name="change"/> applied).</summary>
    private async Task<string> ProfileFileAsync(string appId, Action<JsonObject>? change = null)
    {
        var profile = (await server.Api.GetAsync($"/api/v1/apps/{appId}/desktop-mfa/profile")).Expect(HttpStatusCode.OK).Object;
        change?.Invoke(profile);
        var path = Path.Combine(folder, $"profile-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, profile.ToJsonString(), Cancel);
        return path;
    }

    private Task<(string Login, string UserId)> AssignedUserAsync(string appId) => DesktopMfaKit.AssignedUserAsync(server, appId);

    private Task<string> CodeFactorAsync(string userId) => DesktopMfaKit.CodeFactorAsync(server, userId);

    private string CodeNow(string secret) => DesktopMfaKit.CodeNow(server, secret);

    private DesktopAgent Agent(string profileFile, string state = "state")
    {
        var profile = ProfileReader.Load(profileFile);
        return new DesktopAgent(profile, new DesktopState(Path.Combine(folder, state)), server.Time, new HttpDesktopMfaServer(profile, Computer, server.Time), ComputerName);
    }

    private static void AssertPlainRefusal(DesktopException e, int exitCode, string reason)
    {
        Assert.Equal(exitCode, e.ExitCode);
        Assert.EndsWith($"[{reason}]", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("expired", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A1_a_person_not_assigned_is_told_so_with_its_own_exit_code()
    {
        var app = await AppAsync();
        var stranger = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        var agent = Agent(await ProfileFileAsync(app));

        var push = await Assert.ThrowsAsync<DesktopException>(() => agent.SendPushAsync(stranger, Cancel));
        var menu = await Assert.ThrowsAsync<DesktopException>(() => agent.OnlineMethodsAsync(stranger, Cancel));

        AssertPlainRefusal(push, ExitCodes.NotAssigned, "user_not_assigned");
        Assert.Contains($"{stranger} is not assigned to", push.Message, StringComparison.Ordinal);
        Assert.Contains("ask your administrator", push.Message, StringComparison.Ordinal);
        AssertPlainRefusal(menu, ExitCodes.NotAssigned, "user_not_assigned");
    }

    [Fact]
    public async Task A1_a_wrong_client_secret_is_a_configuration_error_naming_DMFAClientSecret()
    {
        var app = await AppAsync();
        var (login, _) = await AssignedUserAsync(app);
        var agent = Agent(await ProfileFileAsync(app, p => p["DMFAClientSecret"] = "not-the-secret"));

        var e = await Assert.ThrowsAsync<DesktopException>(() => agent.OnlineMethodsAsync(login, Cancel));

        AssertPlainRefusal(e, ExitCodes.Configuration, "invalid_client");
        Assert.Contains("configuration error in the configuration profile: DMFAClientSecret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A1_push_with_number_matching_shows_the_number_on_its_own_line_and_signs_in_once_approved_with_it()
    {
        var app = await AppAsync();
        var (login, _) = await AssignedUserAsync(app);
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        const string numberMatching = "/device-access/api/v1/desktop-mfa/enforce-number-matching-challenge-settings";
        (await server.Api.PutAsync(numberMatching, new JsonObject { ["desktopMFAEnforceNumberMatchingChallengeEnabled"] = true })).Expect(HttpStatusCode.OK);
        try
        {
            var text = new StringWriter();
            var output = TextWriter.Synchronized(text);
            var state = Path.Combine(folder, "push-state");
            var environment = new CliEnvironment
            {
                In = new StringReader(""), Out = output, Error = output, Time = server.Time, ComputerName = ComputerName,
                DefaultState = state, PushPollInterval = TimeSpan.FromMilliseconds(50),
            };
            var run = DesktopCommandLine.RunAsync(["login", "--profile", await ProfileFileAsync(app), "--user", login, "--method", "push"], environment, Cancel);

            int? number = null;
            for (var i = 0; i < 200 && number is null && !run.IsCompleted; i++)
            {
                await Task.Delay(50, Cancel);
                lock (output)
                {
                    var match = NumberLine().Match(text.ToString());
                    number = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
                }
            }

            Assert.True(number is not null, text.ToString());
            var pending = (JsonObject)(await device.PendingAsync()).Single()!;
            (await device.AnswerAsync(pending, approve: true, number: number)).Expect(HttpStatusCode.OK);
            var exit = await run.WaitAsync(TimeSpan.FromSeconds(30), Cancel);

            var lines = text.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            Assert.True(exit == 0, text.ToString());
            Assert.Contains($"Choose the number {number} in the authenticator app", lines);
            Assert.Contains(lines, l => l.StartsWith($"Signed in {login.ToLowerInvariant()} online with a push", StringComparison.Ordinal));
            Assert.Equal(server.Time.GetUtcNow(), new DesktopState(state).LoadUser(login)!.LastOnlineSignIn);
        }
        finally
        {
            (await server.Api.PutAsync(numberMatching, new JsonObject { ["desktopMFAEnforceNumberMatchingChallengeEnabled"] = false })).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A1_a_push_denied_on_the_phone_is_push_rejected_with_its_own_exit_code_and_starts_no_offline_period()
    {
        var app = await AppAsync();
        var (login, _) = await AssignedUserAsync(app);
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        var agent = Agent(await ProfileFileAsync(app));

        var push = await agent.SendPushAsync(login, Cancel);
        (await device.AnswerAsync((JsonObject)(await device.PendingAsync()).Single()!, approve: false, number: push.CorrectAnswer)).Expect(HttpStatusCode.OK);
        var e = await Assert.ThrowsAsync<DesktopException>(() => agent.WaitForPushAsync(login, push, TimeSpan.FromMilliseconds(50), Cancel));

        AssertPlainRefusal(e, ExitCodes.PushRejected, "push_rejected");
        Assert.Contains("denied on the phone", e.Message, StringComparison.Ordinal);
        Assert.Null(agent.State.LoadUser(login));
    }

    [Fact]
    public async Task A2_the_org_accounts_code_signs_in_online_and_a_wrong_code_says_to_use_the_org_account()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        var secret = await CodeFactorAsync(userId);
        var agent = Agent(await ProfileFileAsync(app));

        var code = CodeNow(secret);
        var signIn = await agent.SignInWithCodeAsync(login, code, Cancel);
        var wrong = await Assert.ThrowsAsync<DesktopException>(() => agent.SignInWithCodeAsync(login, code == "000000" ? "111111" : "000000", Cancel));
        var replay = await Assert.ThrowsAsync<DesktopException>(() => agent.SignInWithCodeAsync(login, code, Cancel));

        Assert.False(string.IsNullOrEmpty(signIn.LoginToken));
        Assert.Equal(server.Time.GetUtcNow(), agent.State.LoadUser(login)!.LastOnlineSignIn);
        AssertPlainRefusal(wrong, ExitCodes.Refused, "invalid_code");
        Assert.Contains("org account", wrong.Message, StringComparison.Ordinal);
        AssertPlainRefusal(replay, ExitCodes.Refused, "code_already_used");
    }

    [Fact]
    public async Task A2_A3_enroll_offline_after_an_online_code_then_the_device_access_code_works_with_no_network_and_is_named_when_typed_online()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        var orgSecret = await CodeFactorAsync(userId);
        var profile = await ProfileFileAsync(app);
        var agent = Agent(profile);

        var online = await agent.SignInWithCodeAsync(login, CodeNow(orgSecret), Cancel);
        var enrollment = agent.BeginOfflineEnrollment(login);
        await enrollment.RegisterAsync(online.LoginToken, Cancel);
        var offlineSecret = enrollment.Secret;
        await enrollment.ConfirmAsync(CodeNow(offlineSecret), Cancel);

        var stored = await server.WithDbAsync(db => Task.FromResult(db.DesktopMfaEnrollments.Single(e => e.UserId == userId)));
        Assert.Equal("ACTIVE", stored.Status);

        // No network: the same machine state with a profile whose server nothing answers for.
        server.Time.Advance(TimeSpan.FromSeconds(30));
        var cut = await ProfileFileAsync(app, p => p["DMFAOrgURL"] = "http://127.0.0.1:9");
        var offline = Agent(cut).SignInWithOfflineCode(login, CodeNow(offlineSecret));
        Assert.Equal(login.ToLowerInvariant(), offline.Login);
        var unreachable = await Assert.ThrowsAsync<DesktopException>(() => Agent(cut).SignInWithCodeAsync(login, CodeNow(orgSecret), Cancel));
        Assert.Equal(ExitCodes.Unreachable, unreachable.ExitCode);
        Assert.Contains("http://127.0.0.1:9/device-access/desktop-mfa/v1/code", unreachable.Message, StringComparison.Ordinal);

        server.Time.Advance(TimeSpan.FromSeconds(30));
        var typedOnline = await Assert.ThrowsAsync<DesktopException>(() => agent.SignInWithCodeAsync(login, CodeNow(offlineSecret), Cancel));
        AssertPlainRefusal(typedOnline, ExitCodes.Refused, "device_access_code_used_online");
        Assert.Contains("device access code of Build Mac (C02XK1)", typedOnline.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enroll_offline_at_the_command_line_signs_in_with_the_org_code_then_confirms_the_new_account_from_standard_input()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        var orgSecret = await CodeFactorAsync(userId);
        var output = new StringWriter();
        var input = new Answers(() => CodeNow(orgSecret), () => CodeNow(OtpSecret().Match(output.ToString()).Groups[1].Value));
        var environment = new CliEnvironment { In = input, Out = output, Error = output, Time = server.Time, ComputerName = ComputerName };

        var exit = await DesktopCommandLine.RunAsync(
            ["enroll-offline", "--profile", await ProfileFileAsync(app), "--user", login, "--method", "code", "--state", Path.Combine(folder, "cli-state")], environment, Cancel);

        Assert.True(exit == 0, output.ToString());
        Assert.Contains($"Device access code set up for {login.ToLowerInvariant()} on {ComputerName}.", output.ToString(), StringComparison.Ordinal);
        var stored = await server.WithDbAsync(db => Task.FromResult(db.DesktopMfaEnrollments.Single(e => e.UserId == userId)));
        Assert.Equal("ACTIVE", stored.Status);
    }

    /// <summary>Standard input whose lines are computed when they are read (a code depends on what was printed before it).</summary>
    private sealed class Answers(params Func<string>[] lines) : TextReader
    {
        private int next;

        public override string? ReadLine() => next < lines.Length ? lines[next++]() : null;
    }

    [GeneratedRegex("secret=([A-Z2-7]+)")]
    private static partial Regex OtpSecret();

    [Fact]
    public async Task An_https_org_url_where_the_server_speaks_plain_http_is_named_as_a_tls_failure_with_the_url()
    {
        var app = await AppAsync();
        var (login, _) = await AssignedUserAsync(app);
        var https = $"https://127.0.0.1:{server.Api.BaseAddress.Port}";
        var agent = Agent(await ProfileFileAsync(app, p => p["DMFAOrgURL"] = https));

        var e = await Assert.ThrowsAsync<DesktopException>(() => agent.OnlineMethodsAsync(login, Cancel));

        Assert.Equal(ExitCodes.Unreachable, e.ExitCode);
        Assert.Contains($"cannot reach the server at {https}/device-access/desktop-mfa/v1/methods: the TLS handshake failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_latchkey_desktop_executable_signs_in_online_with_a_code_read_from_standard_input()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        var secret = await CodeFactorAsync(userId);
        var profile = await ProfileFileAsync(app);
        var state = Path.Combine(folder, "exe-state");

        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "latchkey-desktop.dll"), "login", "--profile", profile, "--user", login, "--method", "code", "--state", state })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteLineAsync(CodeNow(secret));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Cancel);
        var error = process.StandardError.ReadToEndAsync(Cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output} {await error}");
        Assert.Contains($"Code for {login}", await output, StringComparison.Ordinal);
        Assert.Contains($"Signed in {login.ToLowerInvariant()} online with the org account's code", await output, StringComparison.Ordinal);
        Assert.NotNull(new DesktopState(state).LoadUser(login)!.LastOnlineSignIn);
    }

    [GeneratedRegex(@"^Choose the number (\d+) in the authenticator app\r?$", RegexOptions.Multiline)]
    private static partial Regex NumberLine();

    [Fact]
    public async Task A4_end_to_end_the_agent_signs_in_with_the_key_online_then_offline_when_the_server_cannot_be_reached()
    {
        var app = await AppAsync();
        var (login, _) = await AssignedUserAsync(app);
        var keys = Path.Combine(folder, "usb");
        await DesktopMfaKit.RegisterSecurityKeyAsync(server, login, home: keys);
        var online = await ProfileFileAsync(app);
        // Nothing listens on port 9 (discard): the server cannot be reached, at once; the host, the keys' RP id, is the same.
        var unreachable = await ProfileFileAsync(app, p => p["DMFAOrgURL"] = $"http://{server.Api.BaseAddress.Host}:9");

        async Task<(int Exit, string Output)> LoginAsync(string profileFile)
        {
            var output = new StringWriter();
            var environment = new CliEnvironment
            {
                In = new StringReader(""), Out = output, Error = output, Time = server.Time, ComputerName = "Build Mac", DefaultState = Path.Combine(folder, "state"),
            };
            var exit = await DesktopCommandLine.RunAsync(["login", "--profile", profileFile, "--user", login, "--method", "security-key", "--keys", keys], environment, Cancel);
            return (exit, output.ToString());
        }

        var first = await LoginAsync(online);
        Assert.True(first.Exit == ExitCodes.Ok, first.Output);
        Assert.Contains($"Signed in {login} online with a security key.", first.Output, StringComparison.Ordinal);

        var second = await LoginAsync(unreachable);
        Assert.True(second.Exit == ExitCodes.Ok, second.Output);
        Assert.Contains("The server cannot be reached, so the security key is checked offline: cannot reach the server at", second.Output, StringComparison.Ordinal);
        Assert.Contains($"Signed in {login} offline with the security key Blue key.", second.Output, StringComparison.Ordinal);
    }
}
