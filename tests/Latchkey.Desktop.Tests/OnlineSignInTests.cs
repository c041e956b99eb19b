using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>
/// Online sign-in at the command line with an in-process server: the method menu in the profile's order (choice read
/// from standard input), the push number on its own line, the org account's code, and each server refusal in plain
/// words with its own exit code.
/// </summary>
public sealed class OnlineSignInTests : IDisposable
{
    private readonly AgentFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private Task<CliRun> LoginAsync(string input, params string[] extra) =>
        CliRun.RunAsync(["login", "--profile", fixture.Folder.WriteProfile(), "--user", AgentFixture.Login, "--state", fixture.Folder.StatePath, .. extra],
            input, fixture.Time, fixture.Server);

    [Fact]
    public async Task Without_a_method_the_available_methods_are_a_numbered_menu_and_the_choice_is_read_from_standard_input()
    {
        fixture.Server.Methods[0] = new OnlineMethod("OV_Push", false, "factor_not_enrolled");

        var run = await LoginAsync($"1\n{FakeDesktopMfaServer.OrgCode}\n");

        Assert.True(run.Exit == 0, run.Out + run.Error);
        var lines = run.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("  1. a code from the authenticator app's org account (OV_TOTP)", lines);
        Assert.Contains("  2. the device access code of this computer (works offline) (Offline_TOTP)", lines);
        Assert.Contains("  not available: a push to the authenticator app (OV_Push: factor_not_enrolled)", lines);
        Assert.Contains("Choose a method (1-3):", lines);
        Assert.Contains($"Signed in {AgentFixture.Login} online with the org account's code.", lines);
        Assert.Equal(fixture.Time.GetUtcNow(), fixture.Agent.State.LoadUser(AgentFixture.Login)!.LastOnlineSignIn);
    }

    [Fact]
    public async Task A_push_prints_the_number_on_its_own_line_with_the_word_number()
    {
        var run = await LoginAsync("", "--method", "push");

        Assert.Equal(0, run.Exit);
        Assert.Contains("Choose the number 42 in the authenticator app", run.Out.Split('\n').Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public async Task A_wrong_code_is_the_servers_words_and_reason_with_exit_6_and_starts_no_offline_period()
    {
        var run = await LoginAsync("", "--method", "code", "--code", "000000");

        Assert.Equal(ExitCodes.Refused, run.Exit);
        Assert.Contains("latchkey-desktop: The code is not right [invalid_code]", run.Error, StringComparison.Ordinal);
        Assert.Null(fixture.Agent.State.LoadUser(AgentFixture.Login));
    }

    [Fact]
    public async Task Sync_uploads_the_journal_and_removes_what_the_server_stored_had_or_refused_reporting_the_refused()
    {
        var agent = fixture.Agent;
        var ids = agent.State.Write(writer => Enumerable.Range(0, 3).Select(i => writer.Record(new OfflineEvent
        {
            Id = $"event-{i}", Time = fixture.Time.GetUtcNow(), ComputerId = writer.Computer.Id, Login = AgentFixture.Login, Method = "offline-code", Result = "SUCCESS",
        }).Event.Id).ToList());
        fixture.Server.RefuseOnUpload[ids[2]] = "unknown_user";

        var first = await agent.SyncAsync(TestContext.Current.CancellationToken);

        Assert.Equal((2, 0), (first.Stored, first.AlreadyThere));
        Assert.Equal("unknown_user", Assert.Single(first.Rejected).Reason);
        Assert.Empty(agent.State.LoadJournal());
        Assert.True(OfflineJournal.Verify(fixture.Server.Uploaded[0], agent.State.LoadComputer()!.PublicKey));
        Assert.Equal((0, 0), ((await agent.SyncAsync(TestContext.Current.CancellationToken)).Stored, 0));
    }

    [Theory]
    [InlineData("invalid_client", ExitCodes.Configuration)]
    [InlineData("user_not_assigned", ExitCodes.NotAssigned)]
    [InlineData("user_suspended", ExitCodes.AccountStatus)]
    [InlineData("policy_denied", ExitCodes.PolicyDenied)]
    [InlineData("factor_not_enrolled", ExitCodes.FactorNotSetUp)]
    [InlineData("push_not_enabled", ExitCodes.FactorNotSetUp)]
    [InlineData("factor_locked", ExitCodes.TryLater)]
    [InlineData("push_rejected", ExitCodes.PushRejected)]
    [InlineData("push_expired", ExitCodes.PushExpired)]
    [InlineData("enrollment_expired", ExitCodes.EnrollmentExpired)]
    [InlineData("device_access_code_used_online", ExitCodes.Refused)]
    [InlineData("no_roaming_keys", ExitCodes.FactorNotSetUp)]
    [InlineData("key_not_registered", ExitCodes.Refused)]
    [InlineData("invalid_challenge", ExitCodes.Refused)]
    [InlineData("invalid_assertion", ExitCodes.Refused)]
    [InlineData("something_new", ExitCodes.Failure)]
    public void Each_refusal_reason_has_its_documented_exit_code(string reason, int exitCode) =>
        Assert.Equal(exitCode, ServerRefusals.ExitCodeOf(reason));

    [Fact]
    public void A_policy_refusal_names_the_rule_and_a_wait_says_how_long()
    {
        var policy = ServerRefusals.ToException("policy_denied", "The app's access policy does not let you use Desktop MFA here.", "No contractors", null, null);
        var wait = ServerRefusals.ToException("rate_limited", "Too many requests.", null, 30, null);

        Assert.Equal("The app's access policy does not let you use Desktop MFA here (rule \"No contractors\") [policy_denied]", policy.Message);
        Assert.Equal("Too many requests; wait 30 seconds [rate_limited]", wait.Message);
    }
}
