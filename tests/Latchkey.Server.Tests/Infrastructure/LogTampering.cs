using Latchkey.Core.Security;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>One stored System Log row, read straight from the database.</summary>
public sealed record StoredLogRow(long Sequence, string Uuid, long Published, string Json, string PreviousHash, string Hash);

/// <summary>
/// What someone with write access to the database (sqlite3, psql) but without the signing key can do to the
/// System Log: edit, delete and move rows, rewrite checkpoints, and re-compute every hash and the head.
/// </summary>
public static class LogTampering
{
    public static Task<List<StoredLogRow>> RowsAsync(LatchkeyStore store) =>
        store.QueryAsync("""SELECT "Sequence", "Uuid", "Published", "Json", "PreviousHash", "Hash" FROM "LogEvents" ORDER BY "OrgId", "Sequence" """,
            r => new StoredLogRow(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetString(5)));

    public static async Task<long> HeadAsync(LatchkeyStore store) =>
        (await store.QueryAsync("""SELECT "Sequence" FROM "LogChainHeads" """, r => r.GetInt64(0))).Single();

    public static Task<List<long>> CheckpointsAsync(LatchkeyStore store) =>
        store.QueryAsync("""SELECT "Sequence" FROM "LogCheckpoints" ORDER BY "Sequence" """, r => r.GetInt64(0));

    /// <summary>Replaces text in one event's stored JSON, leaving its hashes as they were.</summary>
    public static async Task EditAsync(LatchkeyStore store, long sequence, string from, string to)
    {
        var changed = await store.ExecuteAsync("""UPDATE "LogEvents" SET "Json" = REPLACE("Json", @from, @to) WHERE "Sequence" = @sequence""",
            ("@from", from), ("@to", to), ("@sequence", sequence));
        Assert.Equal(1, changed);
    }

    /// <summary>Rewrites the client address of one event (an API-made event records 127.0.0.1 in tests).</summary>
    public static Task EditAddressAsync(LatchkeyStore store, long sequence) =>
        EditAsync(store, sequence, "\"ipAddress\":\"127.0.0.1\"", "\"ipAddress\":\"10.66.6.6\"");

    /// <summary>Edits one event, then re-hashes the chain from it on, as an attacker without the key would to hide the edit.</summary>
    public static async Task EditAndRehashAsync(LatchkeyStore store, long sequence)
    {
        await EditAddressAsync(store, sequence);
        await RehashAsync(store, sequence);
    }

    public static Task DeleteCheckpointsAfterAsync(LatchkeyStore store, long sequence) =>
        store.ExecuteAsync("""DELETE FROM "LogCheckpoints" WHERE "Sequence" > @s""", ("@s", sequence));

    /// <summary>Deletes the latest checkpoints kept outside the database (beside the key in the data directory).</summary>
    public static void DeleteOutsideRecord(LatchkeyStore store) => File.Delete(Path.Combine(store.DataDir, "log-checkpoints.json"));

    /// <summary>Re-computes every hash from <paramref name="fromSequence"/> on, and the head, with the public hash function: a chain consistent again.</summary>
    public static async Task RehashAsync(LatchkeyStore store, long fromSequence)
    {
        var rows = await RowsAsync(store);
        var previous = rows.LastOrDefault(r => r.Sequence < fromSequence)?.Hash ?? LogChainHasher.Genesis;
        foreach (var row in rows.Where(r => r.Sequence >= fromSequence))
        {
            var hash = LogChainHasher.Next(previous, row.Sequence, row.Json);
            await store.ExecuteAsync("""UPDATE "LogEvents" SET "PreviousHash" = @previous, "Hash" = @hash WHERE "Sequence" = @sequence""",
                ("@previous", previous), ("@hash", hash), ("@sequence", row.Sequence));
            previous = hash;
        }

        await store.ExecuteAsync("""UPDATE "LogChainHeads" SET "LastHash" = @hash""", ("@hash", previous));
    }

    /// <summary>Deletes the events after <paramref name="lastKept"/> and moves the head back to it: a consistent, shorter chain.</summary>
    public static async Task TruncateAsync(LatchkeyStore store, long lastKept)
    {
        var kept = (await RowsAsync(store)).Single(r => r.Sequence == lastKept);
        await store.ExecuteAsync("""DELETE FROM "LogEvents" WHERE "Sequence" > @sequence""", ("@sequence", lastKept));
        await store.ExecuteAsync("""UPDATE "LogChainHeads" SET "Sequence" = @sequence, "LastHash" = @hash""", ("@sequence", lastKept), ("@hash", kept.Hash));
    }

    /// <summary>Swaps the sequence numbers of two neighbouring events (their hashes stay as they were).</summary>
    public static async Task SwapAsync(LatchkeyStore store, long sequence)
    {
        await store.ExecuteAsync("""UPDATE "LogEvents" SET "Sequence" = -1 WHERE "Sequence" = @a""", ("@a", sequence));
        await store.ExecuteAsync("""UPDATE "LogEvents" SET "Sequence" = @a WHERE "Sequence" = @b""", ("@a", sequence), ("@b", sequence + 1));
        await store.ExecuteAsync("""UPDATE "LogEvents" SET "Sequence" = @b WHERE "Sequence" = -1""", ("@b", sequence + 1));
    }
}
