using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 9 end to end: the real <c>latchkey-verify</c> executable, as a person runs it, against a real server:
/// enroll with the password on stdin, show the account and a code the server accepts, answer pushes (number matching)
/// with <c>push respond</c> and <c>listen</c>, and say clearly when the password is wrong, the server is unreachable
/// or an admin removed the device.
/// </summary>
public sealed class VerifyCliTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;
    private string OrgUrl => Api.BaseAddress.GetLeftPart(UriPartial.Authority);

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "latchkey-verify.dll");

    private static Process Start(IEnumerable<string> args, string input)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(info)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        return process;
    }

    private static async Task<ProcessRun> FinishAsync(Process process, TimeSpan? timeout = null)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"latchkey-verify did not exit in time: {await output} {await error}");
        }

        return new ProcessRun(process.ExitCode, await output, await error);
    }

    private static async Task<ProcessRun> RunAsync(params string[] args) => await RunWithInputAsync("", args);

    private static async Task<ProcessRun> RunWithInputAsync(string input, params string[] args)
    {
        using var process = Start(args, input);
        return await FinishAsync(process);
    }

    private async Task<(string Home, string Login, string UserId)> EnrolledAsync()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        var home = Path.Combine(LatchkeyExecutable.TempDirectory(), "verify");
        var run = await RunWithInputAsync(ServerFixture.Password + "\n", "enroll", "--org", OrgUrl, "--user", login, "--password-stdin", "--home", home, "--name", "CI laptop");
        Assert.True(run.ExitCode == 0, $"enroll exited {run.ExitCode}: {run.Output} {run.Error}");
        return (home, login, ServerFixture.Id(user));
    }

    private async Task<(ApiResponse Sent, int Number)> SendPushAsync(string userId)
    {
        var factors = (await Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array;
        var push = factors.Single(f => (string?)f!["factorType"] == "push")!;
        var sent = (await Api.PostAsync($"/api/v1/users/{userId}/factors/{push["id"]}/verify", new JsonObject())).Expect(HttpStatusCode.Created);
        return (sent, (int)sent.Object["_embedded"]!["challenge"]!["correctAnswer"]!);
    }

    private async Task<string> PollAsync(ApiResponse sent) =>
        (string)(await Api.GetAsync(new Uri((string)sent.Object["_links"]!["poll"]!["href"]!).PathAndQuery)).Expect(HttpStatusCode.OK).Object["factorResult"]!;

    [Fact]
    public async Task Enroll_with_the_activation_link_of_a_sign_in_finishes_that_sign_in_and_the_link_works_once()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        using var client = new SignInClient(server);
        var handle = (string)(await client.IdxAsync("/idp/idx/introspect", new JsonObject { ["acr_values"] = "urn:okta:loa:2fa:any" }))
            .Expect(HttpStatusCode.OK).Object["stateHandle"]!;
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        var select = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        var verifyId = (string)select["authenticators"]!["value"]!.AsArray().Single(a => (string?)a!["key"] == "okta_verify")!["id"]!;
        var enroll = (await client.IdxAsync("/idp/idx/credential/enroll",
            new JsonObject { ["authenticator"] = new JsonObject { ["id"] = verifyId }, ["stateHandle"] = handle })).Expect(HttpStatusCode.OK).Object;
        var link = (string)enroll["currentAuthenticator"]!["value"]!["contextualData"]!["activationLink"]!;

        var home = Path.Combine(LatchkeyExecutable.TempDirectory(), "verify");
        var run = await RunAsync("enroll", "--link", link, "--home", home, "--name", "Linked laptop");
        Assert.True(run.ExitCode == 0, $"enroll --link exited {run.ExitCode}: {run.Output} {run.Error}");
        Assert.Contains($"Enrolled {login}", run.Output, StringComparison.Ordinal);
        var done = (await client.IdxAsync("/idp/idx/challenge/poll", new JsonObject { ["stateHandle"] = handle })).Expect(HttpStatusCode.OK).Object;
        Assert.NotNull(done["success"]);
        var factors = (await Api.GetAsync($"/api/v1/users/{ServerFixture.Id(user)}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Contains("push", factors.Select(f => (string?)f!["factorType"]));

        var again = await RunAsync("enroll", "--link", link, "--home", Path.Combine(LatchkeyExecutable.TempDirectory(), "verify"));
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("activation link was not accepted", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enroll_shows_the_account_and_a_code_the_server_accepts_and_says_the_key_is_not_hardware_protected()
    {
        var (home, login, userId) = await EnrolledAsync();
        var accounts = await RunAsync("accounts", "--home", home);
        Assert.Equal(0, accounts.ExitCode);
        Assert.Contains(login, accounts.Output, StringComparison.Ordinal);

        var factors = (await Api.GetAsync($"/api/v1/users/{userId}/factors")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(["push", "signed_nonce", "token:software:totp"], factors.Select(f => (string?)f!["factorType"]).Order());
        var device = (await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array.Single()!["device"]!;
        Assert.Equal("CI laptop", (string?)device["profile"]!["displayName"]);
        Assert.False((bool)device["profile"]!["secureHardwarePresent"]!);

        var code = await RunAsync("--home", home, "code");
        Assert.Equal(0, code.ExitCode);
        var digits = code.Output.Split('\n').Select(l => l.Trim()).First(l => l.Length == 6 && l.All(char.IsAsciiDigit));
        var totp = factors.Single(f => (string?)f!["factorType"] == "token:software:totp")!;
        var verified = await Api.PostAsync($"/api/v1/users/{userId}/factors/{totp["id"]}/verify", new JsonObject { ["passCode"] = digits });
        Assert.Equal("SUCCESS", (string?)verified.Expect(HttpStatusCode.OK).Object["factorResult"]);
    }

    [Fact]
    public async Task Push_respond_and_listen_answer_pushes_with_the_number_and_a_denial_is_a_rejection()
    {
        var (home, _, userId) = await EnrolledAsync();
        var (sent, number) = await SendPushAsync(userId);
        var respond = await RunAsync("push", "respond", "--approve", "--number", number.ToString(System.Globalization.CultureInfo.InvariantCulture), "--home", home);
        Assert.True(respond.ExitCode == 0, respond.Output + respond.Error);
        Assert.Equal("SUCCESS", await PollAsync(sent));

        // listen: the person types the number and approves, on stdin.
        var (second, secondNumber) = await SendPushAsync(userId);
        var listen = await RunWithInputAsync($"{secondNumber}\ny\n", "listen", "--once", "--home", home);
        Assert.True(listen.ExitCode == 0, listen.Output + listen.Error);
        Assert.Contains(listen.Output.Split('\n'), l => l.Contains("number", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("SUCCESS", await PollAsync(second));

        var (third, _) = await SendPushAsync(userId);
        var deny = await RunAsync("push", "respond", "--deny", "--home", home);
        Assert.Equal(0, deny.ExitCode);
        Assert.Equal("REJECTED", await PollAsync(third));
    }

    [Fact]
    public async Task A_listening_app_gets_a_push_sent_after_it_started_waiting()
    {
        var (home, _, userId) = await EnrolledAsync();
        using var listening = Start(["listen", "--once", "--auto-deny", "--home", home], "");
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken); // the process starts and begins its long-poll
        var (sent, _) = await SendPushAsync(userId);
        var run = await FinishAsync(listening, TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal("REJECTED", await PollAsync(sent));
    }

    [Fact]
    public async Task A_wrong_password_an_unreachable_server_and_a_removed_device_each_say_what_happened()
    {
        var user = await server.CreateUserAsync();
        var home = Path.Combine(LatchkeyExecutable.TempDirectory(), "verify");
        var wrong = await RunWithInputAsync("not-the-password\n", "enroll", "--org", OrgUrl, "--user", (string)user["profile"]!["login"]!, "--password-stdin", "--home", home);
        Assert.Equal(6, wrong.ExitCode);
        Assert.Contains("password", wrong.Error, StringComparison.OrdinalIgnoreCase);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var unreachable = await RunWithInputAsync(ServerFixture.Password + "\n", "enroll", "--org", $"http://127.0.0.1:{closedPort}", "--user", "x@example.com", "--password-stdin", "--home", home);
        Assert.Equal(4, unreachable.ExitCode);
        Assert.Contains($"127.0.0.1:{closedPort}", unreachable.Error, StringComparison.Ordinal);

        var (enrolled, _, userId) = await EnrolledAsync();
        var deviceId = (string)(await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array.Single()!["device"]!["id"]!;
        (await Api.PostAsync($"/api/v1/devices/{deviceId}/lifecycle/deactivate")).Expect(HttpStatusCode.NoContent);
        var removed = await RunAsync("push", "respond", "--approve", "--home", enrolled);
        Assert.Equal(5, removed.ExitCode);
        Assert.Contains("enroll", removed.Error, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An access policy for <paramref name="appId"/>: catch-all DENY, one rule that allows <paramref name="device"/> with FastPass every time.</summary>
    private async Task BindFastPassPolicyAsync(string appId, JsonObject device)
    {
        var policy = ServerFixture.Id((await Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "ACCESS_POLICY", ["name"] = "Require Managed Device " + ServerFixture.Unique(),
        })).Expect(HttpStatusCode.OK).Object);
        var catchAll = (JsonObject)(await Api.GetAsync($"/api/v1/policies/{policy}/rules")).Expect(HttpStatusCode.OK).Array.Single(r => (bool)r!["system"]!)!;
        catchAll["actions"]!["appSignOn"]!["access"] = "DENY";
        (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{catchAll["id"]}", catchAll)).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules", new JsonObject
        {
            ["type"] = "ACCESS_POLICY", ["name"] = "Managed Device Allowed", ["conditions"] = new JsonObject { ["device"] = device },
            ["actions"] = JsonNode.Parse("""
                {"appSignOn":{"access":"ALLOW","verificationMethod":{"type":"ASSURANCE","factorMode":"1FA","reauthenticateIn":"PT0S",
                 "constraints":[{"possession":{"deviceBound":"REQUIRED","authenticationMethods":[{"key":"okta_verify","method":"signed_nonce"}]}}]}}}
                """),
        })).Expect(HttpStatusCode.OK);
        (await Api.PutAsync($"/api/v1/apps/{appId}/policies/{policy}")).Expect(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Open_signs_in_with_fast_pass_and_prints_allowed_or_denied_with_the_policy_reason()
    {
        var (home, _, userId) = await EnrolledAsync();
        var label = "Managed Device Check " + ServerFixture.Unique();
        var app = await server.CreateBookmarkAppAsync(label);
        (await Api.PostAsync($"/api/v1/apps/{ServerFixture.Id(app)}/users", new JsonObject { ["id"] = userId })).Expect(HttpStatusCode.OK);

        // A rule for registered devices that prompts every time: a FastPass sign-in from this device opens it (by label or id).
        await BindFastPassPolicyAsync(ServerFixture.Id(app), new JsonObject { ["registered"] = true });
        var allowed = await RunAsync("open", label, "--home", home);
        Assert.True(allowed.ExitCode == 0, $"open exited {allowed.ExitCode}: {allowed.Output} {allowed.Error}");
        Assert.Contains(allowed.Output.Split('\n'), l => l.TrimEnd() == "ALLOWED " + (string)app["settings"]!["app"]!["url"]!);
        Assert.Equal(0, (await RunAsync("open", ServerFixture.Id(app), "--home", home)).ExitCode);

        // Managed devices only: this one is registered, not managed, so the catch-all denies and says why.
        await BindFastPassPolicyAsync(ServerFixture.Id(app), new JsonObject { ["registered"] = true, ["managed"] = true });
        var denied = await RunAsync("open", label, "--home", home);
        Assert.Equal(8, denied.ExitCode);
        var line = Assert.Single(denied.Output.Split('\n'), l => l.StartsWith("DENIED ", StringComparison.Ordinal));
        Assert.Contains("\"Managed Device Allowed\" did not apply: The device is not managed", line, StringComparison.Ordinal);
        Assert.Contains("refused to open", denied.Error, StringComparison.Ordinal);

        var unknown = await RunAsync("open", "No Such App", "--home", home);
        Assert.Equal(8, unknown.ExitCode);
        Assert.Contains(label, unknown.Error, StringComparison.Ordinal);

        // SCENARIOS.md B: an integration for this platform, the MDM's certificate installed, and the next FastPass sign-in
        // proves management: the device becomes MANAGED and the app opens; revoking the certificate undoes it.
        var platform = (string)(await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array[0]!["device"]!["profile"]!["platform"]!;
        var integration = ServerFixture.Id((await Api.PostAsync("/api/v1/device-integrations", new JsonObject
        {
            ["name"] = "CLI MDM " + ServerFixture.Unique(), ["platform"] = platform, ["type"] = "MDM_CERTIFICATE",
        })).Expect(HttpStatusCode.OK).Object);
        Assert.Equal(8, (await RunAsync("open", label, "--home", home)).ExitCode);
        Assert.Contains("no management proof", await ReasonAsync(userId), StringComparison.Ordinal);

        var csr = await RunAsync("mdm", "csr", "--home", home);
        Assert.True(csr.ExitCode == 0, csr.Error);
        var issued = (await Api.PostAsync($"/api/v1/device-integrations/{integration}/certificates", new JsonObject { ["csr"] = csr.Output }))
            .Expect(HttpStatusCode.OK).Object;
        var pem = Path.Combine(home, "device.pem");
        await File.WriteAllTextAsync(pem, (string)issued["certificate"]!, TestContext.Current.CancellationToken);
        Assert.Equal(0, (await RunAsync("mdm", "install", "--cert", pem, "--home", home)).ExitCode);

        var managed = await RunAsync("open", label, "--home", home);
        Assert.True(managed.ExitCode == 0, $"open exited {managed.ExitCode}: {managed.Output} {managed.Error}");
        Assert.Contains("ALLOWED https://", managed.Output, StringComparison.Ordinal);
        var link = (await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array[0]!;
        Assert.Equal("MANAGED", (string?)link["managementStatus"]);
        var bind = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode("eventType eq \"pki.cert.bind\"")}&sortOrder=DESCENDING&limit=1"))
            .Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Equal("SUCCESS", (string?)bind["outcome"]!["result"]);

        (await Api.PostAsync($"/api/v1/device-integrations/{integration}/certificates/{ServerFixture.Id(issued)}/lifecycle/revoke")).Expect(HttpStatusCode.OK);
        Assert.Equal(8, (await RunAsync("open", label, "--home", home)).ExitCode);
        Assert.Contains("revoked", await ReasonAsync(userId), StringComparison.Ordinal);
    }

    private async Task<string> ReasonAsync(string userId) =>
        (string?)(await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array[0]!["managementStatusReason"] ?? "(none)";
}
