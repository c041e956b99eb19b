using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.State;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>Scenario A3 through the agent library: offline sign-in with the device access code, the offline period, the journal.</summary>
public sealed class OfflineSignInTests : IDisposable
{
    private readonly AgentFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private DesktopAgent Agent => fixture.Agent;

    [Fact]
    public async Task The_right_code_signs_in_offline_once_and_its_replay_is_refused()
    {
        await fixture.EnrollAsync();
        var code = fixture.CodeNow();

        var signIn = Agent.SignInWithOfflineCode(AgentFixture.Login, code);
        var replay = Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, code));

        Assert.Equal(DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow()), signIn.Step);
        Assert.Equal(ExitCodes.Refused, replay.ExitCode);
        Assert.Contains("already used", replay.Message, StringComparison.Ordinal);
        fixture.Time.Advance(TimeSpan.FromSeconds(30));
        Agent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow());
    }

    [Fact]
    public async Task A_wrong_code_names_this_computers_account()
    {
        await fixture.EnrollAsync();
        var wrong = fixture.CodeNow() == "000000" ? "111111" : "000000";

        var e = Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, wrong));

        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains("\"Device access code Alice-MacBook\" account", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_from_a_computer_whose_clock_is_37_minutes_slow_says_so()
    {
        await fixture.EnrollAsync();

        var e = Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow(TimeSpan.FromMinutes(37))));

        Assert.Equal(ExitCodes.ClockSkew, e.ExitCode);
        Assert.StartsWith("this computer's clock is about 37 minutes off", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_sign_in_works_until_the_offline_period_ends_and_then_says_when_it_ended_and_what_to_do()
    {
        await fixture.EnrollAsync();
        var enrolledAt = fixture.Time.GetUtcNow().AddSeconds(-30);
        fixture.Time.Advance(TimeSpan.FromHours(167) + TimeSpan.FromMinutes(58));
        Agent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow());

        fixture.Time.Advance(TimeSpan.FromMinutes(2));
        var e = Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow()));

        Assert.Equal(ExitCodes.OfflinePeriod, e.ExitCode);
        Assert.Contains($"the offline period ended on {OfflinePeriod.Format(enrolledAt.AddHours(168))} (168 hours after the last online sign-in, {OfflinePeriod.Format(enrolledAt)})",
            e.Message, StringComparison.Ordinal);
        Assert.Contains("connect to the network and sign in online once", e.Message, StringComparison.Ordinal);
        Assert.Contains(Agent.Status(AgentFixture.Login), s => s.Name == "Offline_TOTP" && !s.UsableNow && s.Detail.Contains("ended", StringComparison.Ordinal));

        Agent.RecordOnlineSignIn(AgentFixture.Login, fixture.Time.GetUtcNow());
        Agent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow());
    }

    [Fact]
    public async Task A_profile_with_zero_offline_hours_turns_offline_sign_in_off()
    {
        using var off = new AgentFixture(TestFolder.ProfileJson.TrimEnd('}') + ",\"LoginPeriodWithOfflineFactor\":0}");
        await fixture.EnrollAsync();
        var offAgent = new DesktopAgent(off.Agent.Profile, fixture.Folder.State(), fixture.Time, fixture.Server, "Alice-MacBook");

        var e = Assert.Throws<DesktopException>(() => offAgent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow()));

        Assert.Equal(ExitCodes.OfflinePeriod, e.ExitCode);
        Assert.Contains("offline sign-in is turned off on this computer (the configuration profile sets LoginPeriodWithOfflineFactor to 0)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_without_a_device_access_code_is_told_to_set_one_up()
    {
        var e = Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode("bob", "123456"));

        Assert.Equal(ExitCodes.NotEnrolled, e.ExitCode);
        Assert.Contains("no device access code is set up for bob on this computer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_that_does_not_allow_the_device_access_code_refuses_it_and_names_the_allowed_ones()
    {
        await fixture.EnrollAsync();
        var pushOnly = new DesktopAgent(Profile.ProfileReader.Parse(TestFolder.ProfileJson.TrimEnd('}') + ",\"AllowedFactors\":[\"OV_Push\"]}"),
            fixture.Folder.State(), fixture.Time, fixture.Server, "Alice-MacBook");

        var e = Assert.Throws<DesktopException>(() => pushOnly.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow()));

        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains("AllowedFactors: OV_Push", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_offline_attempt_is_journaled_with_its_reason_and_signed_by_the_computer()
    {
        await fixture.EnrollAsync();
        var code = fixture.CodeNow();
        Agent.SignInWithOfflineCode(AgentFixture.Login, code);
        Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, code));
        Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, "12x456"));
        Assert.Throws<DesktopException>(() => Agent.SignInWithOfflineCode(AgentFixture.Login, fixture.CodeNow(TimeSpan.FromHours(-5))));

        var journal = Agent.State.LoadJournal();
        var computer = Agent.State.LoadComputer()!;

        Assert.Equal([("SUCCESS", null), ("FAILURE", "code_replayed"), ("FAILURE", "malformed_code"), ("FAILURE", "clock_skew")],
            journal.Select(e => (e.Event.Result, e.Event.Reason)));
        Assert.All(journal, e => Assert.True(OfflineJournal.Verify(e, computer.PublicKey)));
        Assert.All(journal, e => Assert.Equal((computer.Id, "alice@example.com", "offline-code"), (e.Event.ComputerId, e.Event.Login, e.Event.Method)));
        Assert.Equal(computer.PublicKey, Assert.Single(fixture.Server.Registered).ComputerPublicKey);
    }
}
