using System.Net;
using Latchkey.Core.Security;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Server.Tests;

/// <summary>
/// Signed checkpoints: made every N events, every T seconds and at a clean shutdown with a key the server keeps
/// outside the database; and the check at start-up, which reports a broken chain loudly (or refuses to start).
/// Unix only: file modes are part of what is checked.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LogCheckpointTests(StoppedLogFixture log) : IClassFixture<StoppedLogFixture>
{
    private const string BrokenFilter = "/api/v1/logs?filter=eventType%20eq%20%22latchkey.system_log.chain.broken%22";

    private static async Task<List<LogCheckpoint>> StoredCheckpointsAsync(LatchkeyStore store) =>
        await store.QueryAsync("""SELECT "OrgId", "Sequence", "Hash", "Signed", "KeyId", "Signature" FROM "LogCheckpoints" ORDER BY "Sequence" """,
            r => new LogCheckpoint(r.GetString(0), r.GetInt64(1), r.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetString(4), r.GetString(5)));

    private static LogSigningKey KeyOf(LatchkeyStore store) =>
        LogSigningKey.FromPem(File.ReadAllText(Path.Combine(store.DataDir, "log-signing-key.pem")));

    private static async Task<List<LogCheckpoint>> WaitForCheckpointsAsync(LatchkeyStore store, int atLeast)
    {
        for (var i = 0; i < 200; i++)
        {
            var checkpoints = await StoredCheckpointsAsync(store);
            if (checkpoints.Count >= atLeast)
            {
                return checkpoints;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return await StoredCheckpointsAsync(store);
    }

    [Fact]
    public async Task The_signing_key_is_created_at_first_start_readable_by_its_owner_only()
    {
        await using var factory = new LatchkeyFactory();
        _ = factory.Services;
        var path = Path.Combine(factory.DataDir, "log-signing-key.pem");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var key = LogSigningKey.FromPem(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.True(key.CanSign);
    }

    [Fact]
    public async Task A_checkpoint_is_signed_once_every_n_events_were_written()
    {
        await using var server = new Server(new Dictionary<string, string?>
        {
            ["Latchkey:SystemLog:Checkpoint:EveryEvents"] = "12",
            ["Latchkey:SystemLog:Checkpoint:EverySeconds"] = "3600",
        });
        await server.InitializeAsync();
        await server.CreateUserAsync();
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.True(await LogTampering.HeadAsync(server.Factory.Store) < 12, "the seed and one user stay below the threshold");
        Assert.Empty(await StoredCheckpointsAsync(server.Factory.Store));

        for (var i = 0; i < 5; i++)
        {
            await server.CreateUserAsync();
        }

        var checkpoint = (await WaitForCheckpointsAsync(server.Factory.Store, 1))[^1];
        Assert.True(checkpoint.Sequence >= 12, $"signed at {checkpoint.Sequence}");
        using var key = KeyOf(server.Factory.Store);
        Assert.Equal(CheckpointSignature.Valid, key.Check(checkpoint));
        var row = (await LogTampering.RowsAsync(server.Factory.Store)).Single(r => r.Sequence == checkpoint.Sequence);
        Assert.Equal(row.Hash, checkpoint.Hash);
    }

    [Fact]
    public async Task A_checkpoint_is_signed_every_t_seconds_when_there_are_new_events()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new Server(new Dictionary<string, string?>
        {
            ["Latchkey:SystemLog:Checkpoint:EveryEvents"] = "1000000",
            ["Latchkey:SystemLog:Checkpoint:EverySeconds"] = "30",
        }, clock);
        await server.InitializeAsync();
        await server.CreateUserAsync();
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Empty(await StoredCheckpointsAsync(server.Factory.Store));

        clock.Advance(TimeSpan.FromSeconds(31));

        var checkpoint = Assert.Single(await WaitForCheckpointsAsync(server.Factory.Store, 1));
        Assert.Equal(await LogTampering.HeadAsync(server.Factory.Store), checkpoint.Sequence);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), checkpoint.Signed.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_clean_shutdown_signs_the_head_into_the_database_and_the_record_beside_the_key()
    {
        await using var store = LatchkeyStore.CreateNew();
        await using (var server = new Server(new Dictionary<string, string?> { ["Latchkey:SystemLog:Checkpoint:EverySeconds"] = "3600" }, store: store))
        {
            await server.InitializeAsync();
            await server.CreateGroupAsync();
            Assert.Empty(await StoredCheckpointsAsync(store));
        }

        var checkpoint = Assert.Single(await StoredCheckpointsAsync(store));
        Assert.Equal(await LogTampering.HeadAsync(store), checkpoint.Sequence);
        var recordPath = Path.Combine(store.DataDir, "log-checkpoints.json");
        Assert.Equal(checkpoint, new LogCheckpointRecord(recordPath).Read()[checkpoint.OrgId]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(recordPath));
    }

    [Fact]
    public async Task A_server_starting_on_an_edited_event_reports_it_in_the_operator_log_and_the_system_log_and_keeps_serving()
    {
        await using var store = await log.Store.CopyAsync();
        await LogTampering.EditAddressAsync(store, log.Head);
        var edited = (await LogTampering.RowsAsync(store)).Single(r => r.Sequence == log.Head);

        await using var server = new Server(store: store);
        await server.InitializeAsync();

        Assert.Contains(server.Factory.OperatorLog, line => line.StartsWith("Error ", StringComparison.Ordinal)
            && line.Contains($"is broken at sequence {log.Head} (uuid {edited.Uuid}", StringComparison.Ordinal)
            && line.Contains("hash mismatch (event edited)", StringComparison.Ordinal));
        var events = (await server.Api.GetAsync(BrokenFilter)).Expect(HttpStatusCode.OK).Array;
        var reported = Assert.Single(events)!;
        Assert.Equal("ERROR", (string?)reported["severity"]);
        Assert.Equal("FAILURE", (string?)reported["outcome"]!["result"]);
        Assert.Equal(edited.Uuid, (string?)reported["target"]![0]!["id"]);
        var debug = reported["debugContext"]!["debugData"]!;
        Assert.Equal(log.Head.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)debug["brokenSequence"]);
        Assert.Equal(edited.Uuid, (string?)debug["brokenUuid"]);
        Assert.Equal("HashMismatch", (string?)debug["brokenKind"]);
        (await server.Api.GetAsync("/api/v1/users")).Expect(HttpStatusCode.OK);
        await server.CreateUserAsync();
    }

    [Fact]
    public async Task A_broken_chain_is_never_signed_over_so_log_verify_keeps_finding_it()
    {
        await using var store = await log.Store.CopyAsync();
        await LogTampering.EditAddressAsync(store, log.Head);
        await using (var server = new Server(store: store))
        {
            await server.InitializeAsync();
            await server.CreateUserAsync();
            Assert.Empty(await server.Factory.Services.GetRequiredService<LogCheckpointer>().RunAsync(reportInSystemLog: true, TestContext.Current.CancellationToken));
        }

        Assert.Equal(log.Head, (await StoredCheckpointsAsync(store)).Max(c => c.Sequence));
        var run = await LatchkeyExecutable.RunAsync(store.DataDir, ["log", "verify", .. store.Arguments]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"sequence:  {log.Head}\n", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_re_hashed_tail_whose_checkpoints_were_deleted_is_reported_at_start_up_from_the_outside_record()
    {
        await using var store = await log.Store.CopyAsync();
        var edited = log.Head - 2;
        await LogTampering.EditAndRehashAsync(store, edited);
        await LogTampering.DeleteCheckpointsAfterAsync(store, log.MiddleCheckpoint);

        await using var server = new Server(store: store);
        await server.InitializeAsync();

        Assert.Contains(server.Factory.OperatorLog, line => line.Contains($"is broken at sequence {log.Head}", StringComparison.Ordinal)
            && line.Contains("checkpoint hash mismatch (chain re-hashed)", StringComparison.Ordinal));
        Assert.Single((await server.Api.GetAsync(BrokenFilter)).Expect(HttpStatusCode.OK).Array);
    }

    [Fact]
    public async Task An_intact_chain_starts_quietly_also_when_an_intact_chain_is_required()
    {
        await using var store = await log.Store.CopyAsync();

        await using var server = new Server(new Dictionary<string, string?> { ["Latchkey:SystemLog:RequireIntactChain"] = "true" }, store: store);
        await server.InitializeAsync();

        Assert.DoesNotContain(server.Factory.OperatorLog, line => line.Contains("broken", StringComparison.Ordinal));
        Assert.Empty((await server.Api.GetAsync(BrokenFilter)).Expect(HttpStatusCode.OK).Array);
    }

    [Fact]
    public async Task Require_intact_chain_makes_a_broken_chain_refuse_the_start_with_exit_1_and_a_message()
    {
        await using var store = await log.Store.CopyAsync();
        await LogTampering.EditAddressAsync(store, log.Head);

        var run = await LatchkeyExecutable.RunAsync(store.DataDir,
            ["serve", "--urls=http://127.0.0.1:0", "--Latchkey:SystemLog:RequireIntactChain=true", .. store.Arguments]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Latchkey:SystemLog:RequireIntactChain is true, so the server does not start", run.Error, StringComparison.Ordinal);
        Assert.Contains($"at sequence {log.Head}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Latchkey is running", run.Output, StringComparison.Ordinal);
        Assert.Empty(await store.QueryAsync("""SELECT "Sequence" FROM "LogEvents" WHERE "EventType" = 'latchkey.system_log.chain.broken'""", r => r.GetInt64(0)));
    }

    [Fact]
    public async Task A_signing_key_others_can_read_refuses_the_start_naming_the_key_and_the_fix()
    {
        await using var store = await log.Store.CopyAsync();
        var key = Path.Combine(store.DataDir, "log-signing-key.pem");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var run = await LatchkeyExecutable.RunAsync(store.DataDir, ["serve", "--urls=http://127.0.0.1:0", .. store.Arguments]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Latchkey:SystemLog:SigningKeyPath", run.Error, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {key}", run.Error, StringComparison.Ordinal);
        Assert.Contains("mode 0644", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_signing_key_that_does_not_exist_refuses_the_start_and_is_not_created()
    {
        var dir = LatchkeyExecutable.TempDirectory();
        try
        {
            var missing = Path.Combine(dir, "keys", "log.pem");

            var run = await LatchkeyExecutable.RunAsync(dir,
                ["serve", "--urls=http://127.0.0.1:0", $"--Latchkey:DataDir={Path.Combine(dir, "data")}", $"--Latchkey:SystemLog:SigningKeyPath={missing}"]);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"Latchkey:SystemLog:SigningKeyPath names {missing}, which does not exist", run.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(missing));
            Assert.False(File.Exists(Path.Combine(dir, "data", "latchkey.db")), "the database is not touched before the key is good");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_configured_signing_key_is_used_for_the_checkpoints_and_the_record_is_kept_beside_it()
    {
        await using var store = LatchkeyStore.CreateNew();
        using var key = LogSigningKey.Generate();
        var keys = LatchkeyExecutable.TempDirectory();
        var path = Path.Combine(keys, "log.pem");
        PrivateFile.Write(path, s => s.Write(System.Text.Encoding.ASCII.GetBytes(key.ExportPrivateKeyPem())), overwrite: false);
        try
        {
            await using (var server = new Server(new Dictionary<string, string?> { ["Latchkey:SystemLog:SigningKeyPath"] = path }, store: store))
            {
                await server.InitializeAsync();
            }

            var checkpoint = Assert.Single(await StoredCheckpointsAsync(store));
            Assert.Equal(key.KeyId, checkpoint.KeyId);
            Assert.Equal(CheckpointSignature.Valid, key.Check(checkpoint));
            Assert.False(File.Exists(Path.Combine(store.DataDir, "log-signing-key.pem")));
            Assert.Equal(checkpoint, new LogCheckpointRecord(Path.Combine(keys, "log-checkpoints.json")).Read()[checkpoint.OrgId]);
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    private sealed class Server(IReadOnlyDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null, LatchkeyStore? store = null)
        : ServerFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings
        {
            get
            {
                var all = new Dictionary<string, string?>(base.Settings);
                foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                {
                    all[key] = value;
                }

                return all;
            }
        }

        protected override FakeTimeProvider? Clock => clock;

        protected override LatchkeyStore? Store => store;
    }
}
