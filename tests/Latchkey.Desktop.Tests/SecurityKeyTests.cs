using System.Buffers.Text;
using System.Text.Json.Nodes;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>
/// Scenario A4 at the command line with an in-process server: a software security key in the "USB slot" (<c>--keys
/// DIR</c>) signs in online, is then kept sealed for this computer and works offline (journaled as <c>security-key</c>),
/// including when the server cannot be reached; and each failure says its real cause: no key visible (with macOS's
/// accessory hint), a key not allowed to connect, a key not registered for the person, no key kept for offline use, the
/// server's "no roaming keys" and rate limit, a copied key whose counter went back.
/// </summary>
public sealed class SecurityKeyTests : IDisposable
{
    private readonly AgentFixture fixture = new();
    private readonly string keys = Path.Combine(Path.GetTempPath(), "latchkey-desktop-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        fixture.Dispose();
        if (Directory.Exists(keys))
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    private Task<CliRun> LoginAsync(params string[] extra) =>
        CliRun.RunAsync(["login", "--profile", fixture.Folder.WriteProfile(), "--user", AgentFixture.Login, "--state", fixture.Folder.StatePath,
            "--method", "security-key", "--keys", keys, .. extra], "", fixture.Time, fixture.Server);

    /// <summary>A software key named <paramref name="name"/> in the slot with a credential for the org, as the server would list it.</summary>
    private RegisteredSecurityKey InsertKey(string name)
    {
        var rpId = new Uri(FakeDesktopMfaServer.Origin).Host;
        return new VerifyHome(keys).Update(state =>
        {
            var record = new SecurityKeyRecord { Name = name, Aaguid = Guid.NewGuid(), Created = fixture.Time.GetUtcNow() };
            state.SecurityKeys.Add(record);
            var options = new JsonObject { ["challenge"] = "AAAA", ["rp"] = new JsonObject { ["id"] = rpId }, ["user"] = new JsonObject { ["id"] = "dXNlcg", ["name"] = AgentFixture.Login } };
            new SoftwareSecurityKey(record, fixture.Time).Register(options.ToJsonString(), FakeDesktopMfaServer.Origin);
            var credential = record.Credentials.Single();
            using var key = SoftwareKey.FromPkcs8(credential.PrivateKey);
            return new RegisteredSecurityKey
            {
                CredentialId = credential.Id, PublicKey = Base64Url.EncodeToString(SoftwareSecurityKey.CoseKey(key)), Name = name, RegisteredAt = fixture.Time.GetUtcNow(),
            };
        });
    }

    private IReadOnlyList<(string Method, string Result, string? Reason)> Journal() =>
        [.. fixture.Agent.State.LoadJournal().Select(e => (e.Event.Method, e.Event.Result, e.Event.Reason))];

    [Fact]
    public async Task A4_a_registered_key_signs_in_online_and_is_kept_sealed_for_this_computer()
    {
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));

        var run = await LoginAsync();

        Assert.True(run.Exit == 0, run.Out + run.Error);
        Assert.Contains($"Signed in {AgentFixture.Login} online with a security key.", run.OutLines);
        var kept = Assert.Single(fixture.Agent.State.LoadUser(AgentFixture.Login)!.SecurityKeys);
        Assert.Equal((fixture.Server.SecurityKeys[0].CredentialId, "Blue key", 1L), (kept.CredentialId, kept.Name, kept.SignCount));
        Assert.Equal(fixture.Time.GetUtcNow(), fixture.Agent.State.LoadUser(AgentFixture.Login)!.LastOnlineSignIn);
    }

    [Fact]
    public async Task A4_once_registered_online_the_key_works_offline_and_each_attempt_is_journaled_as_security_key()
    {
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));
        Assert.Equal(0, (await LoginAsync()).Exit);
        fixture.Time.Advance(TimeSpan.FromHours(1));

        var run = await LoginAsync("--offline");

        Assert.True(run.Exit == 0, run.Out + run.Error);
        Assert.Contains($"Signed in {AgentFixture.Login} offline with the security key Blue key. Offline sign-in works until 2026-12-10 09:00 UTC.", run.OutLines);
        Assert.Equal(2, fixture.Agent.State.LoadUser(AgentFixture.Login)!.SecurityKeys.Single().SignCount);
        Assert.Equal([("security-key", "SUCCESS", null)], Journal());
        var computer = fixture.Agent.State.LoadComputer()!;
        Assert.All(fixture.Agent.State.LoadJournal(), e => Assert.True(OfflineJournal.Verify(e, computer.PublicKey)));
    }

    [Fact]
    public async Task A4_when_the_server_cannot_be_reached_the_key_is_checked_offline()
    {
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));
        Assert.Equal(0, (await LoginAsync()).Exit);
        fixture.Server.Unreachable = true;

        var run = await LoginAsync();

        Assert.True(run.Exit == 0, run.Out + run.Error);
        Assert.Contains(run.OutLines, l => l.StartsWith("The server cannot be reached, so the security key is checked offline: cannot reach the server at https://acme.example.com", StringComparison.Ordinal));
        Assert.Contains(run.OutLines, l => l.StartsWith($"Signed in {AgentFixture.Login} offline with the security key Blue key.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A4_offline_without_a_key_registered_on_this_computer_says_to_sign_in_online_once()
    {
        InsertKey("Blue key");

        var run = await LoginAsync("--offline");

        Assert.Equal(ExitCodes.NotEnrolled, run.Exit);
        Assert.Contains($"no security key is registered for offline use by {AgentFixture.Login} on this computer: sign in online once with --method security-key", run.Error, StringComparison.Ordinal);
        Assert.Equal([("security-key", "FAILURE", "no_keys_registered")], Journal());
    }

    [Fact]
    public async Task A4_no_key_visible_says_insert_a_key_with_the_hint_that_macOS_may_not_have_allowed_it_to_connect()
    {
        fixture.Server.SecurityKeys.Add(new RegisteredSecurityKey { CredentialId = "Y3JlZA", PublicKey = "pQECAyYgASFYIA", RegisteredAt = fixture.Time.GetUtcNow() });

        var run = await LoginAsync();

        Assert.Equal(ExitCodes.NoSecurityKey, run.Exit);
        Assert.Contains("insert a security key into this computer's USB slot: no key is visible.", run.Error, StringComparison.Ordinal);
        Assert.Contains("macOS may not have allowed the accessory to connect", run.Error, StringComparison.Ordinal);
        Assert.Contains("it works at the next login", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A4_an_empty_slot_open_to_others_is_no_key_visible_not_a_broken_key_store()
    {
        fixture.Server.SecurityKeys.Add(new RegisteredSecurityKey { CredentialId = "Y3JlZA", PublicKey = "pQECAyYgASFYIA", RegisteredAt = fixture.Time.GetUtcNow() });
        Directory.CreateDirectory(keys);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keys, (UnixFileMode)0b111_101_101);
        }

        var run = await LoginAsync();

        Assert.Equal(ExitCodes.NoSecurityKey, run.Exit);
        Assert.Contains("insert a security key into this computer's USB slot: no key is visible.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A4_a_key_not_allowed_to_connect_is_not_visible_and_named_with_the_same_hint()
    {
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));
        await File.WriteAllTextAsync(Path.Combine(keys, "Blue key" + SecurityKeySlot.BlockedSuffix), "", TestContext.Current.CancellationToken);

        var run = await LoginAsync();

        Assert.Equal(ExitCodes.NoSecurityKey, run.Exit);
        Assert.Contains("no key is visible (Blue key is plugged in but not allowed to connect)", run.Error, StringComparison.Ordinal);
        Assert.Contains("allow the key when macOS asks", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A4_a_key_not_registered_for_the_person_is_named_as_such_online_and_offline()
    {
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));
        Assert.Equal(0, (await LoginAsync()).Exit);
        Directory.Delete(keys, recursive: true);
        InsertKey("Someone else's key");

        var online = await LoginAsync();
        var offline = await LoginAsync("--offline");

        Assert.Equal(ExitCodes.Refused, online.Exit);
        Assert.Contains($"the security key Someone else's key in the USB slot is not registered for {AgentFixture.Login}: use a key registered for you", online.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, offline.Exit);
        Assert.Contains($"is not registered for {AgentFixture.Login} on this computer", offline.Error, StringComparison.Ordinal);
        Assert.Equal([("security-key", "FAILURE", "key_not_registered")], Journal());
    }

    [Fact]
    public async Task A4_the_servers_no_roaming_keys_and_rate_limit_are_said_in_its_words_with_their_exit_codes()
    {
        fixture.Server.KeyLookupRefusal = ServerRefusals.ToException("no_roaming_keys",
            "The 1 security key(s) you have set up are built into a computer or bound to a browser (platform authenticators)", null, null, null);
        var platform = await LoginAsync();
        fixture.Server.KeyLookupRefusal = ServerRefusals.ToException("rate_limited", "Your security keys were looked up too many times", null, 42, null);
        var limited = await LoginAsync();

        Assert.Equal(ExitCodes.FactorNotSetUp, platform.Exit);
        Assert.Contains("built into a computer or bound to a browser (platform authenticators) [no_roaming_keys]", platform.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.TryLater, limited.Exit);
        Assert.Contains("wait 42 seconds [rate_limited]", limited.Error, StringComparison.Ordinal);
        fixture.Server.KeyLookupRefusal = ServerRefusals.ToException("rate_limited", "Wait 42 seconds, then try again", null, 42, null);
        Assert.Contains("Wait 42 seconds, then try again [rate_limited]", (await LoginAsync()).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A4_offline_a_copy_of_the_key_whose_counter_went_back_is_refused()
    {
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));
        var copy = await File.ReadAllTextAsync(Path.Combine(keys, VerifyHome.StateFileName), TestContext.Current.CancellationToken);
        Assert.Equal(0, (await LoginAsync()).Exit);
        Assert.Equal(0, (await LoginAsync("--offline")).Exit);
        await File.WriteAllTextAsync(Path.Combine(keys, VerifyHome.StateFileName), copy, TestContext.Current.CancellationToken);

        var run = await LoginAsync("--offline");

        Assert.Equal(ExitCodes.Refused, run.Exit);
        Assert.Contains("signature counter (1) is not greater than the 2 last seen", run.Error, StringComparison.Ordinal);
        Assert.Equal([("security-key", "SUCCESS", null), ("security-key", "FAILURE", "counter_not_increased")], Journal());
    }

    [Fact]
    public async Task Status_reports_the_security_keys_kept_for_offline_use_and_until_when()
    {
        var before = fixture.Agent.Status(AgentFixture.Login).Single(m => m.Factor == Profile.DesktopFactor.SecurityKey);
        fixture.Server.SecurityKeys.Add(InsertKey("Blue key"));
        Assert.Equal(0, (await LoginAsync()).Exit);

        var after = fixture.Agent.Status(AgentFixture.Login).Single(m => m.Factor == Profile.DesktopFactor.SecurityKey);

        Assert.False(before.UsableNow);
        Assert.Contains("no key registered for offline use on this computer yet", before.Detail, StringComparison.Ordinal);
        Assert.True(after.UsableNow);
        Assert.StartsWith("1 key(s) registered for offline use (\"Blue key\"): ", after.Detail, StringComparison.Ordinal);
    }
}
