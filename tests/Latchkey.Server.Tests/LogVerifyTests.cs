using System.Net;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Server.Tests;

/// <summary>
/// The log a stopped server left behind: admin changes through the API, a checkpoint signed in the middle and
/// one signed at the clean shutdown. Each test tampers with its own copy, in the database directly.
/// </summary>
public sealed class StoppedLogFixture : IAsyncLifetime
{
    public LatchkeyStore Store { get; private set; } = null!;

    /// <summary>The checkpoint signed while the server ran, and the one signed at its shutdown (the head).</summary>
    public long MiddleCheckpoint { get; private set; }

    public long Head { get; private set; }

    public Admin Admin { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Store = LatchkeyStore.CreateNew();
        await using (var server = new Server(Store))
        {
            await server.InitializeAsync();
            Admin = server.Admin;
            for (var i = 0; i < 5; i++)
            {
                await server.CreateUserAsync();
            }

            Assert.Empty(await server.Factory.Services.GetRequiredService<LogCheckpointer>().RunAsync(reportInSystemLog: true, CancellationToken.None));
            for (var i = 0; i < 5; i++)
            {
                await server.CreateGroupAsync();
            }
        }

        var checkpoints = await LogTampering.CheckpointsAsync(Store);
        Head = await LogTampering.HeadAsync(Store);
        Assert.Equal(2, checkpoints.Count);
        Assert.Equal(Head, checkpoints[1]);
        MiddleCheckpoint = checkpoints[0];
        Assert.InRange(MiddleCheckpoint, 8, Head - 5);
    }

    public async ValueTask DisposeAsync() => await Store.DisposeAsync();

    private sealed class Server(LatchkeyStore store) : ServerFixture
    {
        protected override LatchkeyStore? Store => store;

        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Latchkey:SystemLog:Checkpoint:EverySeconds"] = "3600",
        };
    }
}

/// <summary>
/// <c>latchkey log verify</c>, run as the real executable on the configured database (SQLite, or PostgreSQL when
/// the suite runs on it): exit 0 on an intact log, 1 with the first broken link for each kind of tampering.
/// </summary>
public sealed class LogVerifyTests(StoppedLogFixture log) : IClassFixture<StoppedLogFixture>
{
    private static Task<ProcessRun> VerifyAsync(LatchkeyStore store, params string[] extra) =>
        LatchkeyExecutable.RunAsync(store.DataDir, ["log", "verify", .. store.Arguments, .. extra]);

    private static void AssertBroken(ProcessRun run, long sequence, string what, StoredLogRow? row = null)
    {
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}; output: {run.Output} error: {run.Error}");
        Assert.Contains($"sequence:  {sequence}\n", run.Error, StringComparison.Ordinal);
        Assert.Contains(what, run.Error, StringComparison.Ordinal);
        Assert.Contains("System Log BROKEN", run.Output, StringComparison.Ordinal);
        if (row is not null)
        {
            Assert.Contains($"uuid:      {row.Uuid}", run.Error, StringComparison.Ordinal);
            Assert.Contains($"published: {IsoTime.Write(DateTimeOffset.FromUnixTimeMilliseconds(row.Published))}", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_intact_log_verifies_with_exit_0_and_every_event_covered_by_a_checkpoint()
    {
        await using var store = await log.Store.CopyAsync();

        var run = await VerifyAsync(store);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}; output: {run.Output} error: {run.Error}");
        Assert.Contains($"{log.Head} event(s) intact; signed checkpoints verified up to sequence {log.Head}", run.Output, StringComparison.Ordinal);
        Assert.Contains("System Log intact", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not yet covered", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task An_event_whose_actor_and_address_were_edited_fails_naming_its_sequence_uuid_and_published_time()
    {
        await using var store = await log.Store.CopyAsync();
        var sequence = log.MiddleCheckpoint - 2;
        var row = (await LogTampering.RowsAsync(store)).Single(r => r.Sequence == sequence);
        Assert.Contains("\"ipAddress\":\"127.0.0.1\"", row.Json, StringComparison.Ordinal);
        await LogTampering.EditAddressAsync(store, sequence);
        await LogTampering.EditAsync(store, sequence, $"\"displayName\":\"{log.Admin.DisplayName}\"", "\"displayName\":\"Mallory\"");

        var run = await VerifyAsync(store);

        AssertBroken(run, sequence, "hash mismatch (event edited)", row);
    }

    [Fact]
    public async Task A_deleted_event_fails_as_a_sequence_gap_at_the_next_one()
    {
        await using var store = await log.Store.CopyAsync();
        var deleted = log.MiddleCheckpoint + 1;
        Assert.Equal(1, await store.ExecuteAsync("""DELETE FROM "LogEvents" WHERE "Sequence" = @s""", ("@s", deleted)));
        var next = (await LogTampering.RowsAsync(store)).Single(r => r.Sequence == deleted + 1);

        var run = await VerifyAsync(store);

        AssertBroken(run, deleted + 1, $"sequence gap (events deleted): sequence {deleted} is missing", next);
    }

    [Fact]
    public async Task Two_swapped_events_fail_as_reordered()
    {
        await using var store = await log.Store.CopyAsync();
        var first = log.MiddleCheckpoint - 3;
        await LogTampering.SwapAsync(store, first);

        var run = await VerifyAsync(store);

        AssertBroken(run, first, $"events reordered: this event was chained at sequence {first + 1}");
    }

    [Fact]
    public async Task A_chain_re_hashed_after_an_edit_fails_at_the_next_signed_checkpoint()
    {
        await using var store = await log.Store.CopyAsync();
        var edited = log.MiddleCheckpoint - 2;
        await LogTampering.EditAndRehashAsync(store, edited);

        var run = await VerifyAsync(store);

        AssertBroken(run, log.MiddleCheckpoint, "checkpoint hash mismatch (chain re-hashed)");
    }

    [Fact]
    public async Task A_checkpoint_rewritten_to_match_a_re_hashed_chain_fails_its_signature()
    {
        await using var store = await log.Store.CopyAsync();
        var edited = log.Head - 1;
        await LogTampering.EditAndRehashAsync(store, edited);
        var newHash = (await LogTampering.RowsAsync(store)).Single(r => r.Sequence == log.Head).Hash;
        await store.ExecuteAsync("""UPDATE "LogCheckpoints" SET "Hash" = @h WHERE "Sequence" = @s""", ("@h", newHash), ("@s", log.Head));
        LogTampering.DeleteOutsideRecord(store);

        var run = await VerifyAsync(store);

        AssertBroken(run, log.Head, "checkpoint signature invalid");
    }

    [Fact]
    public async Task Deleting_the_newest_checkpoints_before_re_hashing_is_caught_by_the_record_outside_the_database()
    {
        await using var store = await log.Store.CopyAsync();
        var edited = log.Head - 2;
        await LogTampering.EditAndRehashAsync(store, edited);
        await LogTampering.DeleteCheckpointsAfterAsync(store, log.MiddleCheckpoint);

        var run = await VerifyAsync(store);

        AssertBroken(run, log.Head, "checkpoint hash mismatch (chain re-hashed)");
        Assert.Contains("recorded outside the database", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_outside_record_or_the_newest_checkpoints_a_re_hashed_tail_shows_only_as_not_yet_covered()
    {
        // The documented limit: what no remaining signature covers can be rewritten unnoticed, and is reported as uncovered.
        await using var store = await log.Store.CopyAsync();
        var edited = log.Head - 2;
        await LogTampering.EditAndRehashAsync(store, edited);
        await LogTampering.DeleteCheckpointsAfterAsync(store, log.MiddleCheckpoint);
        LogTampering.DeleteOutsideRecord(store);

        var run = await VerifyAsync(store);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"verified up to sequence {log.MiddleCheckpoint}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"{log.Head - log.MiddleCheckpoint} event(s) after it not yet covered by a checkpoint", run.Output, StringComparison.Ordinal);
        Assert.Contains("No checkpoint record outside the database", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tail_removed_before_a_checkpoint_with_the_head_moved_back_fails_as_truncated()
    {
        await using var store = await log.Store.CopyAsync();
        var lastKept = log.MiddleCheckpoint + 2;
        await LogTampering.TruncateAsync(store, lastKept);

        var run = await VerifyAsync(store);

        AssertBroken(run, log.Head, $"truncated (events missing before a checkpoint): the chain ends at sequence {lastKept}");
        Assert.Contains($"events {lastKept + 1} to {log.Head} were removed", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_tail_with_its_checkpoints_deleted_too_is_caught_by_the_outside_record()
    {
        await using var store = await log.Store.CopyAsync();
        var lastKept = log.MiddleCheckpoint + 2;
        await LogTampering.TruncateAsync(store, lastKept);
        await LogTampering.DeleteCheckpointsAfterAsync(store, lastKept);

        var run = await VerifyAsync(store);

        AssertBroken(run, log.Head, "truncated (events missing before a checkpoint)");
    }

    [Fact]
    public async Task An_edited_event_type_column_that_hides_an_event_from_filters_fails_as_a_column_mismatch()
    {
        await using var store = await log.Store.CopyAsync();
        var sequence = log.MiddleCheckpoint - 1;
        await store.ExecuteAsync("""UPDATE "LogEvents" SET "EventType" = 'system.org.task.remove' WHERE "Sequence" = @s""", ("@s", sequence));

        var run = await VerifyAsync(store);

        AssertBroken(run, sequence, "column mismatch (stored column edited): the eventType column says system.org.task.remove");
    }

    [Fact]
    public async Task A_checkpoint_record_that_cannot_be_read_fails_the_verification()
    {
        await using var store = await log.Store.CopyAsync();
        await File.WriteAllTextAsync(Path.Combine(store.DataDir, "log-checkpoints.json"), "{ not json", TestContext.Current.CancellationToken);

        var run = await VerifyAsync(store);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("log-checkpoints.json cannot be read", run.Error, StringComparison.Ordinal);
        Assert.Contains("the checkpoint record cannot be read", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_key_alone_is_enough_to_verify()
    {
        await using var store = await log.Store.CopyAsync();
        using var key = LogSigningKey.FromPem(await File.ReadAllTextAsync(Path.Combine(store.DataDir, "log-signing-key.pem"), TestContext.Current.CancellationToken));
        var publicKey = Path.Combine(store.DataDir, "public.pem");
        await File.WriteAllTextAsync(publicKey, key.ExportPublicKeyPem(), TestContext.Current.CancellationToken);

        var run = await VerifyAsync(store, $"--Latchkey:SystemLog:SigningKeyPath={publicKey}",
            $"--Latchkey:SystemLog:CheckpointRecordPath={Path.Combine(store.DataDir, "log-checkpoints.json")}");

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains(key.KeyId, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_key_fails_every_checkpoint_signature()
    {
        await using var store = await log.Store.CopyAsync();
        using var other = LogSigningKey.Generate();
        var otherKey = Path.Combine(store.DataDir, "other.pem");
        await File.WriteAllTextAsync(otherKey, other.ExportPublicKeyPem(), TestContext.Current.CancellationToken);

        var run = await VerifyAsync(store, $"--Latchkey:SystemLog:SigningKeyPath={otherKey}");

        AssertBroken(run, log.MiddleCheckpoint, "checkpoint signature invalid");
    }

    [Fact]
    public async Task Without_the_key_log_verify_exits_2_naming_the_key_setting()
    {
        await using var store = await log.Store.CopyAsync();
        File.Delete(Path.Combine(store.DataDir, "log-signing-key.pem"));

        var run = await VerifyAsync(store);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Latchkey:SystemLog:SigningKeyPath", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_database_log_verify_exits_3_and_creates_nothing()
    {
        if (LatchkeyStore.UsesPostgres)
        {
            return; // the SQLite file is what would be created; PostgreSQL databases are created by the server only
        }

        await using var store = await log.Store.CopyAsync();
        File.Delete(Path.Combine(store.DataDir, "latchkey.db"));

        var run = await VerifyAsync(store);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("no database at", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(store.DataDir, "latchkey.db")));
    }

    [Fact]
    public async Task Without_a_terminal_progress_is_a_plain_line_on_standard_error()
    {
        await using var store = await log.Store.CopyAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(store.Settings).Build();
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await LogVerifyCommand.RunAsync(configuration, output, error, TestContext.Current.CancellationToken,
            new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromSeconds(10) });

        Assert.Equal(0, exit);
        Assert.Contains($"latchkey log verify: {log.Head} of {log.Head} event(s) verified (100%", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary><c>latchkey log verify</c> beside a running server that keeps writing.</summary>
public sealed class LogVerifyWhileRunningTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Log_verify_reads_a_running_servers_log_while_it_writes_and_reports_the_newest_events_as_not_yet_covered()
    {
        await server.CreateUserAsync();
        using var stop = new CancellationTokenSource();
        var writes = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await server.CreateGroupAsync();
            }
        }, TestContext.Current.CancellationToken);

        var run = await LatchkeyExecutable.RunAsync(server.Factory.DataDir, ["log", "verify", .. server.Factory.Store.Arguments]);
        await stop.CancelAsync();
        await writes;

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("not yet covered by a checkpoint", run.Output, StringComparison.Ordinal);
        (await server.Api.GetAsync("/api/v1/users")).Expect(HttpStatusCode.OK);
    }
}

/// <summary>The <c>log</c> command group on the command line.</summary>
public sealed class LogCommandLineTests
{
    [Fact]
    public async Task Log_verify_help_describes_the_exit_codes_and_creates_nothing()
    {
        var dir = LatchkeyExecutable.TempDirectory();
        try
        {
            var run = await LatchkeyExecutable.RunAsync(dir, ["log", "verify", "--help"]);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("latchkey log verify", run.Output, StringComparison.Ordinal);
            Assert.Contains("Exits 0 when intact; 1 printing the first broken link", run.Output, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Log_without_a_subcommand_prints_the_usage_and_exits_2()
    {
        var dir = LatchkeyExecutable.TempDirectory();
        try
        {
            var run = await LatchkeyExecutable.RunAsync(dir, ["log"]);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("verify", run.Error, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
