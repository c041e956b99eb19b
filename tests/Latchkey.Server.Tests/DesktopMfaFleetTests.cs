using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Desktop;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 13 items 3 and 4 end to end, through the agent's library against a real server: offline sign-ins uploaded
/// later reach the System Log with their own time, once, and only with the computer's signature; a recovery PIN a
/// help-desk admin generates works on that computer with no network, once, for 2 minutes; the readiness view says per
/// computer and person until when offline login works, and filters those who will be locked out soon.
/// </summary>
public sealed class DesktopMfaFleetTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private const string ComputerName = "Fleet Mac";
    private const string RecoveryPinSettings = "/device-access/api/v1/desktop-mfa/recovery-pin-settings";
    private readonly string folder = LatchkeyExecutable.TempDirectory();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed record Seat(string App, string Login, string UserId, DesktopAgent Agent, DesktopAgent OfflineAgent, string OfflineSecret, string ProfileFile, string State, string Serial);

    private async Task<string> ProfileFileAsync(string appId, string? orgUrl = null)
    {
        var profile = (await server.Api.GetAsync($"/api/v1/apps/{appId}/desktop-mfa/profile")).Expect(HttpStatusCode.OK).Object;
        if (orgUrl is not null)
        {
            profile["DMFAOrgURL"] = orgUrl;
        }

        var path = Path.Combine(folder, $"profile-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, profile.ToJsonString(), Cancel);
        return path;
    }

    private DesktopAgent Agent(string profileFile, string state, string serial, TimeProvider? clock = null)
    {
        var profile = ProfileReader.Load(profileFile);
        var desktopState = new DesktopState(Path.Combine(folder, state));
        var http = new HttpDesktopMfaServer(profile, new DesktopComputer(ComputerName, serial, "MACOS"), server.Time) { Identity = desktopState.Identity };
        return new DesktopAgent(profile, desktopState, clock ?? server.Time, http, ComputerName);
    }

    /// <summary>The log's and the API's times are to the millisecond.</summary>
    private static DateTimeOffset Ms(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerMillisecond, t.Offset);

    /// <summary>A person assigned to a new app who signed in online with a code and set up a device access code on a computer of their own.</summary>
    private async Task<Seat> EnrolledAsync()
    {
        var app = ServerFixture.Id(await DesktopMfaKit.CreateAppAsync(server));
        var (login, userId) = await DesktopMfaKit.AssignedUserAsync(server, app);
        var orgSecret = await DesktopMfaKit.CodeFactorAsync(server, userId);
        var state = $"state-{Guid.NewGuid():N}";
        var serial = "C02" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var profile = await ProfileFileAsync(app);
        var agent = Agent(profile, state, serial);
        var online = await agent.SignInWithCodeAsync(login, DesktopMfaKit.CodeNow(server, orgSecret), Cancel);
        var enrollment = agent.BeginOfflineEnrollment(login);
        await enrollment.RegisterAsync(online.LoginToken, Cancel);
        await enrollment.ConfirmAsync(DesktopMfaKit.CodeNow(server, enrollment.Secret), Cancel);
        server.Time.Advance(TimeSpan.FromSeconds(30));
        var offline = Agent(await ProfileFileAsync(app, "http://127.0.0.1:9"), state, serial);
        return new Seat(app, login, userId, agent, offline, enrollment.Secret, profile, state, serial);
    }

    private static string Until(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));

    private async Task<List<JsonObject>> EventsAsync(string type, string userId)
    {
        var until = Until(server.Time.GetUtcNow().AddSeconds(1));
        var since = Until(server.Time.GetUtcNow().AddDays(-2));
        return [.. (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"{type}\" and target.id eq \"{userId}\"")}&since={since}&until={until}&limit=100"))
            .Expect(HttpStatusCode.OK).Array.Cast<JsonObject>()];
    }

    private async Task<JsonObject> RecoveryPinAsync(string userId, string computer, HttpStatusCode expected = HttpStatusCode.OK) =>
        (await server.Api.PostAsync($"/api/v1/users/{userId}/desktop-mfa/recovery-pin", new JsonObject { ["computer"] = computer })).Expect(expected).Object;

    [Fact]
    public async Task A3_offline_sign_ins_reach_the_system_log_with_their_own_time_once_and_only_with_the_computers_signature()
    {
        var seat = await EnrolledAsync();
        server.Time.Advance(TimeSpan.FromHours(1));
        var signedInAt = server.Time.GetUtcNow();
        seat.OfflineAgent.SignInWithOfflineCode(seat.Login, DesktopMfaKit.CodeNow(server, seat.OfflineSecret));
        server.Time.Advance(TimeSpan.FromMinutes(5));
        var failedAt = server.Time.GetUtcNow();
        Assert.Throws<DesktopException>(() => seat.OfflineAgent.SignInWithOfflineCode(seat.Login, "000000" == DesktopMfaKit.CodeNow(server, seat.OfflineSecret) ? "111111" : "000000"));
        var journal = seat.Agent.State.LoadJournal();
        Assert.Equal(2, journal.Count);

        server.Time.Advance(TimeSpan.FromHours(2));
        var sync = await seat.Agent.SyncAsync(Cancel);

        Assert.Equal((2, 0), (sync.Stored, sync.AlreadyThere));
        Assert.Empty(sync.Rejected);
        Assert.Empty(seat.Agent.State.LoadJournal());
        var logged = (await EventsAsync("user.authentication.auth_via_mfa", seat.UserId)).Where(e => (bool?)e["debugContext"]!["debugData"]!["offline"] == true).ToList();
        Assert.Equal(2, logged.Count);
        var success = logged.Single(e => (string)e["outcome"]!["result"]! == "SUCCESS");
        var failure = logged.Single(e => (string)e["outcome"]!["result"]! == "FAILURE");
        Assert.Equal(Ms(signedInAt), DateTimeOffset.Parse((string)success["published"]!, CultureInfo.InvariantCulture));
        Assert.Equal(Ms(failedAt), DateTimeOffset.Parse((string)failure["published"]!, CultureInfo.InvariantCulture));
        Assert.Equal("wrong_code", (string)failure["outcome"]!["reason"]!);
        Assert.Equal("Offline_TOTP", (string)success["debugContext"]!["debugData"]!["factor"]!);

        // The same events again: acknowledged, not logged twice. One altered after signing: refused, nothing logged.
        using var http = new HttpDesktopMfaServer(ProfileReader.Load(seat.ProfileFile), new DesktopComputer(ComputerName), server.Time) { Identity = seat.Agent.State.Identity };
        var again = await http.UploadOfflineEventsAsync(journal, Cancel);
        var forged = journal[0] with { Event = journal[0].Event with { Id = Guid.NewGuid().ToString(), Result = "SUCCESS", Reason = null } };
        var tampered = await http.UploadOfflineEventsAsync([forged], Cancel);

        Assert.Equal(2, again.Duplicates.Count);
        Assert.Empty(again.Accepted);
        Assert.Equal("bad_signature", Assert.Single(tampered.Rejected).Reason);
        Assert.Equal(2, (await EventsAsync("user.authentication.auth_via_mfa", seat.UserId)).Count(e => (bool?)e["debugContext"]!["debugData"]!["offline"] == true));
        var readiness = await ReadinessAsync(seat.UserId);
        Assert.Equal(Ms(signedInAt), DateTimeOffset.Parse((string)readiness["lastOfflineSignIn"]!, CultureInfo.InvariantCulture));
        Assert.NotNull(readiness["computer"]!["lastSync"]);
    }

    [Fact]
    public async Task Another_agent_cannot_take_over_a_computers_id_its_login_token_is_bound_to_the_computer_id_and_the_pinned_key_stays()
    {
        var victim = await EnrolledAsync();
        var victimId = victim.Agent.State.LoadComputer()!.Id;
        var (mallory, malloryId) = await DesktopMfaKit.AssignedUserAsync(server, victim.App);
        var secret = await DesktopMfaKit.CodeFactorAsync(server, malloryId);
        var profile = ProfileReader.Load(victim.ProfileFile);
        using var key = Latchkey.Desktop.Security.ComputerKey.Generate();
        using var spoof = new HttpDesktopMfaServer(profile, new DesktopComputer(ComputerName), server.Time) { Identity = () => new ComputerRecord(victimId, key.PublicKey) };
        using var elsewhere = new HttpDesktopMfaServer(profile, new DesktopComputer(ComputerName), server.Time) { Identity = () => new ComputerRecord("cmp-elsewhere", key.PublicKey) };
        var token = await spoof.CheckCodeAsync(mallory, DesktopMfaKit.CodeNow(server, secret), Cancel);
        OfflineEnrollmentRequest Request(string computerId) => new(mallory, computerId, ComputerName, key.PublicKey, "Device access code Fleet Mac",
            Latchkey.Desktop.Security.DeviceAccessCodes.ToBase32(Latchkey.Desktop.Security.DeviceAccessCodes.NewSecret()), server.Time.GetUtcNow().AddMinutes(5), token);

        var taken = await Assert.ThrowsAsync<DesktopException>(() => spoof.RegisterOfflineEnrollmentAsync(Request(victimId), Cancel));
        var moved = await Assert.ThrowsAsync<DesktopException>(() => elsewhere.RegisterOfflineEnrollmentAsync(Request("cmp-elsewhere"), Cancel));

        Assert.EndsWith("[computer_key_mismatch]", taken.Message, StringComparison.Ordinal);
        Assert.EndsWith("[login_required]", moved.Message, StringComparison.Ordinal);
        server.Time.Advance(TimeSpan.FromMinutes(1));
        victim.OfflineAgent.SignInWithOfflineCode(victim.Login, DesktopMfaKit.CodeNow(server, victim.OfflineSecret));
        Assert.Equal(1, (await victim.Agent.SyncAsync(Cancel)).Stored);
    }

    [Fact]
    public async Task An_agent_state_that_never_enrolled_here_cannot_upload_events_and_keeps_them()
    {
        var seat = await EnrolledAsync();
        var stranger = Agent(seat.ProfileFile, $"state-{Guid.NewGuid():N}", "OTHER1");
        stranger.State.Write(writer => writer.Record(new OfflineEvent
        {
            Id = Guid.NewGuid().ToString(), Time = server.Time.GetUtcNow(), ComputerId = writer.Computer.Id, Login = seat.Login, Method = "offline-code", Result = "SUCCESS",
        }));

        var e = await Assert.ThrowsAsync<DesktopException>(() => stranger.SyncAsync(Cancel));

        Assert.Contains("computer_not_registered", e.Message, StringComparison.Ordinal);
        Assert.Single(stranger.State.LoadJournal());
    }

    [Fact]
    public async Task A_recovery_pin_from_the_help_desk_works_offline_on_that_computer_once_and_for_two_minutes()
    {
        var seat = await EnrolledAsync();
        (await server.Api.PutAsync(RecoveryPinSettings, new JsonObject { ["desktopMFARecoveryPinEnabled"] = true })).Expect(HttpStatusCode.OK);
        try
        {
            var generated = await RecoveryPinAsync(seat.UserId, ComputerName);
            var pin = (string)generated["pin"]!;
            Assert.Matches("^[0-9]{8}$", pin);
            var expires = DateTimeOffset.Parse((string)generated["expiresAt"]!, CultureInfo.InvariantCulture);
            Assert.InRange(expires - server.Time.GetUtcNow(), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(130));

            server.Time.Advance(TimeSpan.FromSeconds(100));
            var signIn = seat.OfflineAgent.SignInWithRecoveryPin(seat.Login, pin);
            var replay = Assert.Throws<DesktopException>(() => seat.OfflineAgent.SignInWithRecoveryPin(seat.Login, pin));

            Assert.Equal(seat.Login.ToLowerInvariant(), signIn.Login);
            Assert.Contains("already used", replay.Message, StringComparison.Ordinal);

            var late = (string)(await RecoveryPinAsync(seat.UserId, ComputerName))["pin"]!;
            server.Time.Advance(TimeSpan.FromMinutes(3));
            var expired = Assert.Throws<DesktopException>(() => seat.OfflineAgent.SignInWithRecoveryPin(seat.Login, late));
            Assert.Contains("expired about", expired.Message, StringComparison.Ordinal);

            // This computer's clock 20 minutes behind the server's (a flat battery, set by hand).
            var ahead = (string)(await RecoveryPinAsync(seat.UserId, ComputerName))["pin"]!;
            var slowClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(server.Time.GetUtcNow().AddMinutes(-20));
            var slow = Agent(await ProfileFileAsync(seat.App, "http://127.0.0.1:9"), seat.State, seat.Serial, slowClock);
            var skewed = Assert.Throws<DesktopException>(() => slow.SignInWithRecoveryPin(seat.Login, ahead));
            Assert.Equal(ExitCodes.Refused, skewed.ExitCode);
            Assert.Contains("this computer's clock may be off", skewed.Message, StringComparison.Ordinal);
            Assert.StartsWith("wrong recovery PIN", skewed.Message, StringComparison.Ordinal); // a guess never learns when it would be right
            Assert.DoesNotContain("behind", skewed.Message, StringComparison.Ordinal);

            // Wrong PINs: a few, then a wait, even for the right one.
            for (var i = 0; i < DesktopAgent.MaxRecoveryPinFailures - 1; i++)
            {
                Assert.Throws<DesktopException>(() => seat.OfflineAgent.SignInWithRecoveryPin(seat.Login, "00000000"));
            }

            var right = (string)(await RecoveryPinAsync(seat.UserId, ComputerName))["pin"]!;
            var locked = Assert.Throws<DesktopException>(() => seat.OfflineAgent.SignInWithRecoveryPin(seat.Login, right));
            Assert.Equal(ExitCodes.TryLater, locked.ExitCode);
            Assert.Contains("too many wrong recovery PINs", locked.Message, StringComparison.Ordinal);

            var generatedEvents = await EventsAsync("device.desktop_mfa.recovery_pin.generate", seat.UserId);
            Assert.Equal(4, generatedEvents.Count(e => (string)e["outcome"]!["result"]! == "SUCCESS"));
            Assert.DoesNotContain(generatedEvents, e => e.ToJsonString().Contains(pin, StringComparison.Ordinal));
        }
        finally
        {
            (await server.Api.PutAsync(RecoveryPinSettings, new JsonObject { ["desktopMFARecoveryPinEnabled"] = false })).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_recovery_pin_is_refused_when_the_org_has_them_off_or_the_computer_is_not_one_of_the_persons_and_the_refusal_is_logged()
    {
        var seat = await EnrolledAsync();

        var off = await RecoveryPinAsync(seat.UserId, ComputerName, HttpStatusCode.BadRequest);
        Assert.Contains("turned off", off.ToJsonString(), StringComparison.Ordinal);

        (await server.Api.PutAsync(RecoveryPinSettings, new JsonObject { ["desktopMFARecoveryPinEnabled"] = true })).Expect(HttpStatusCode.OK);
        try
        {
            var unknown = await RecoveryPinAsync(seat.UserId, "Someone Else's Mac", HttpStatusCode.BadRequest);
            Assert.Equal("E0000001", (string)unknown["errorCode"]!);
            Assert.Contains(ComputerName, unknown.ToJsonString(), StringComparison.Ordinal);
            var stranger = ServerFixture.Id(await server.CreateUserAsync());
            var none = await RecoveryPinAsync(stranger, ComputerName, HttpStatusCode.BadRequest);
            Assert.Contains("no device access code on any computer", none.ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            (await server.Api.PutAsync(RecoveryPinSettings, new JsonObject { ["desktopMFARecoveryPinEnabled"] = false })).Expect(HttpStatusCode.OK);
        }

        var failures = (await EventsAsync("device.desktop_mfa.recovery_pin.generate", seat.UserId)).Where(e => (string)e["outcome"]!["result"]! == "FAILURE").ToList();
        Assert.Equal(2, failures.Count);
    }

    private async Task<JsonObject> ReadinessAsync(string userId, int? days = null) =>
        (await ReadinessRowsAsync(days)).Single(r => (string)r["user"]!["id"]! == userId);

    private async Task<List<JsonObject>> ReadinessRowsAsync(int? days = null) =>
        [.. (await server.Api.GetAsync("/api/v1/desktop-mfa/readiness?limit=1000" + (days is null ? "" : $"&lockedOutWithinDays={days}"))).Expect(HttpStatusCode.OK).Array.Cast<JsonObject>()];

    [Fact]
    public async Task Readiness_says_per_computer_and_person_until_when_offline_login_works_and_filters_who_is_locked_out_soon()
    {
        var seat = await EnrolledAsync();
        var app = seat.App;
        var (onlineOnly, onlineOnlyId) = await DesktopMfaKit.AssignedUserAsync(server, app);
        var secret = await DesktopMfaKit.CodeFactorAsync(server, onlineOnlyId);
        await seat.Agent.SignInWithCodeAsync(onlineOnly, DesktopMfaKit.CodeNow(server, secret), Cancel);
        var lastOnline = server.Time.GetUtcNow();

        var ready = await ReadinessAsync(seat.UserId);
        var unready = await ReadinessAsync(onlineOnlyId);

        Assert.Equal("READY", (string)ready["status"]!);
        Assert.Equal(["Offline_TOTP"], ready["offlineFactors"]!.AsArray().Select(f => (string)f!));
        Assert.True((bool)ready["canLogInOfflineTomorrow"]!);
        Assert.Equal(ComputerName, (string)ready["computer"]!["name"]!);
        var until = DateTimeOffset.Parse((string)ready["offlineUntil"]!, CultureInfo.InvariantCulture);
        Assert.InRange(until - server.Time.GetUtcNow(), TimeSpan.FromHours(167), TimeSpan.FromHours(168));
        Assert.Equal("NO_OFFLINE_FACTOR", (string)unready["status"]!);
        Assert.False((bool)unready["canLogInOfflineTomorrow"]!);
        Assert.Equal(Ms(lastOnline).AddHours(48), DateTimeOffset.Parse((string)unready["setUpOfflineBy"]!, CultureInfo.InvariantCulture));
        Assert.Contains("enroll-offline", (string)unready["detail"]!, StringComparison.Ordinal);

        // Within 3 days only the person with no offline factor would be locked out; 6.5 days on, the other one too.
        var soon = await ReadinessRowsAsync(days: 3);
        Assert.Contains(soon, r => (string)r["user"]!["id"]! == onlineOnlyId);
        Assert.DoesNotContain(soon, r => (string)r["user"]!["id"]! == seat.UserId);
        server.Time.Advance(TimeSpan.FromDays(6.5));
        var later = await ReadinessAsync(seat.UserId, days: 1);
        Assert.Equal("READY", (string)later["status"]!);
        Assert.False((bool)later["canLogInOfflineTomorrow"]!);
        server.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal("OFFLINE_PERIOD_ENDED", (string)(await ReadinessAsync(seat.UserId))["status"]!);
        var bad = (await server.Api.GetAsync("/api/v1/desktop-mfa/readiness?lockedOutWithinDays=soon")).Expect(HttpStatusCode.BadRequest).Object;
        Assert.Equal("E0000001", (string)bad["errorCode"]!);
    }
}
