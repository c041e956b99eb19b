using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.Server;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>Setting up the device access code: the URI, registration with the server, confirmation within 5 minutes.</summary>
public sealed class EnrollOfflineTests : IDisposable
{
    private readonly AgentFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_uri_names_the_org_and_this_computer_and_the_server_gets_the_same_secret()
    {
        var enrollment = fixture.Agent.BeginOfflineEnrollment(AgentFixture.Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, Cancel);

        Assert.Equal(
            $"otpauth://totp/acme.example.com:Device%20access%20code%20Alice-MacBook?secret={enrollment.Secret}&issuer=acme.example.com&algorithm=SHA1&digits=6&period=30",
            enrollment.OtpAuthUri);
        Assert.Equal(32, enrollment.Secret.Length);
        var registered = Assert.Single(fixture.Server.Registered);
        Assert.Equal((AgentFixture.Login, "Alice-MacBook", "Device access code Alice-MacBook", enrollment.Secret),
            (registered.Login, registered.ComputerName, registered.Label, registered.Secret));
        Assert.Equal(fixture.Time.GetUtcNow().AddMinutes(5), registered.ExpiresAt);
        Assert.Null(fixture.Agent.State.LoadUser(AgentFixture.Login));
    }

    [Theory]
    [InlineData("https://acme.example.com")]
    [InlineData("http://127.0.0.1:8080")]
    public async Task The_uri_imports_into_latchkey_verify_whose_codes_then_confirm_the_enrollment(string orgUrl)
    {
        using var local = new AgentFixture(TestFolder.ProfileJson.Replace("https://acme.example.com", orgUrl, StringComparison.Ordinal));
        var enrollment = local.Agent.BeginOfflineEnrollment(AgentFixture.Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, Cancel);

        var imported = Latchkey.Verify.Totp.OtpAuthUri.Parse(enrollment.OtpAuthUri);
        var code = Latchkey.Verify.Totp.TotpCode.At(imported.Settings, local.Time.GetUtcNow()).Code;

        Assert.Equal(new Uri(orgUrl).Host, imported.Issuer);
        Assert.Equal("Device access code Alice-MacBook", imported.AccountName);
        Assert.Equal(enrollment.Secret, imported.Settings.Secret);
        await enrollment.ConfirmAsync(code, Cancel);
    }

    [Fact]
    public async Task A_code_from_the_new_account_confirms_and_seals_the_secret()
    {
        var enrollment = fixture.Agent.BeginOfflineEnrollment(AgentFixture.Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, Cancel);
        fixture.Time.Advance(TimeSpan.FromMinutes(4));

        var record = await enrollment.ConfirmAsync(DeviceAccessCodes.Code(DeviceAccessCodes.FromBase32(enrollment.Secret), DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow())), Cancel);

        Assert.Equal(["den00000000000000001"], fixture.Server.Confirmed);
        var user = fixture.Agent.State.LoadUser(AgentFixture.Login)!;
        Assert.Equal(record, user.DeviceAccessCode);
        Assert.Equal(fixture.Time.GetUtcNow(), user.LastOnlineSignIn);
    }

    [Fact]
    public async Task An_enrollment_not_confirmed_within_5_minutes_expires_and_sets_nothing_up()
    {
        var enrollment = fixture.Agent.BeginOfflineEnrollment(AgentFixture.Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, Cancel);
        fixture.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var code = DeviceAccessCodes.Code(DeviceAccessCodes.FromBase32(enrollment.Secret), DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow()));

        var e = await Assert.ThrowsAsync<DesktopException>(() => enrollment.ConfirmAsync(code, Cancel));

        Assert.Equal(ExitCodes.EnrollmentExpired, e.ExitCode);
        Assert.Contains("it was not confirmed within 5 minutes (started 2026-12-03 09:00 UTC); nothing was set up", e.Message, StringComparison.Ordinal);
        Assert.Empty(fixture.Server.Confirmed);
        Assert.Null(fixture.Agent.State.LoadUser(AgentFixture.Login));
    }

    [Fact]
    public async Task A_code_from_another_account_does_not_confirm()
    {
        var enrollment = fixture.Agent.BeginOfflineEnrollment(AgentFixture.Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, Cancel);
        var other = DeviceAccessCodes.Code(DeviceAccessCodes.NewSecret(), DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow()));
        var right = DeviceAccessCodes.Code(DeviceAccessCodes.FromBase32(enrollment.Secret), DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow()));

        var e = await Assert.ThrowsAsync<DesktopException>(() => enrollment.ConfirmAsync(other == right ? "abcdef" : other, Cancel));

        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Null(fixture.Agent.State.LoadUser(AgentFixture.Login));
    }

    [Fact]
    public async Task Without_a_server_enrollment_fails_before_showing_anything_and_sets_nothing_up()
    {
        var profile = ProfileReader.Parse(TestFolder.UnreachableProfileJson);
        using var server = new HttpDesktopMfaServer(profile, new DesktopComputer("Mac"), fixture.Time);
        var agent = new DesktopAgent(profile, fixture.Folder.State(), fixture.Time, server, "Mac");
        var enrollment = agent.BeginOfflineEnrollment(AgentFixture.Login);

        var e = await Assert.ThrowsAsync<DesktopException>(() => enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, Cancel));

        Assert.Equal(ExitCodes.Unreachable, e.ExitCode);
        Assert.Contains("cannot reach the server at http://127.0.0.1:9/device-access/desktop-mfa/v1/offline-enrollments: the connection was refused", e.Message, StringComparison.Ordinal);
        Assert.Null(agent.State.LoadUser(AgentFixture.Login));
    }

    [Fact]
    public void A_profile_without_offline_sign_in_has_nothing_to_enroll()
    {
        using var off = new AgentFixture(TestFolder.ProfileJson.TrimEnd('}') + ",\"AllowedFactors\":[\"OV_Push\",\"OV_TOTP\"]}");

        var e = Assert.Throws<DesktopException>(() => off.Agent.BeginOfflineEnrollment(AgentFixture.Login));

        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains("does not allow the device access code", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrolling_again_replaces_the_old_secret_and_forgets_its_used_codes()
    {
        var first = await fixture.EnrollAsync();
        fixture.Time.Advance(TimeSpan.FromMinutes(1));

        var second = await fixture.EnrollAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(2, fixture.Server.Confirmed.Count);
        Assert.Single(fixture.Agent.State.LoadUser(AgentFixture.Login)!.UsedSteps);
        var oldCode = DeviceAccessCodes.Code(first, DeviceAccessCodes.StepAt(fixture.Time.GetUtcNow()));
        Assert.False(oldCode != fixture.CodeNow() && OfflineCodeVerifier.Check(second, oldCode, fixture.Time.GetUtcNow(), []).IsAccepted);
    }
}
