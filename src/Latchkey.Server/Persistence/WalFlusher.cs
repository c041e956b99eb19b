using Latchkey.Server.Hosting;
using Microsoft.Data.Sqlite;

namespace Latchkey.Server.Persistence;

/// <summary>
/// Durable acknowledgements on SQLite with group commit. Connections run with <c>synchronous=NORMAL</c>, so a
/// commit only writes its frames to the write-ahead log; before a write is acknowledged, the writer calls
/// <see cref="AfterCommitAsync"/>, which fsyncs the log file. Writers that committed while an fsync was running
/// share the next one, so under load one fsync covers a batch of transactions instead of one each (SQLite's own
/// <c>synchronous=FULL</c> syncs inside its write lock, one transaction at a time). Checkpoints are synced by
/// SQLite itself. With <see cref="DatabaseDurability.Normal"/> (or on PostgreSQL, whose commit is durable) this
/// does nothing.
/// </summary>
public sealed class WalFlusher : IDisposable
{
    private readonly string? _walPath;
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private long _committed;
    private long _flushed;
    private long _fsyncs;

    public WalFlusher(string? databaseFile) => _walPath = databaseFile is null ? null : databaseFile + "-wal";

    /// <summary>The flusher for the configured database: active for a SQLite file with <c>Durability=Full</c>.</summary>
    public static WalFlusher For(LatchkeyOptions options, string? sqliteConnectionString)
    {
        if (options.Database.Provider != DatabaseProvider.Sqlite || options.Database.Durability != DatabaseDurability.Full
            || sqliteConnectionString is null)
        {
            return new WalFlusher(null);
        }

        var builder = new SqliteConnectionStringBuilder(sqliteConnectionString);
        var memory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:";
        return new WalFlusher(memory ? null : Path.GetFullPath(builder.DataSource));
    }

    /// <summary>How many fsyncs were made: fewer than the commits they covered, under concurrent load.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Returns once the transaction the caller has just committed is on disk.</summary>
    public async ValueTask AfterCommitAsync(CancellationToken ct)
    {
        if (_walPath is null)
        {
            return;
        }

        // Taken after the commit returned: an fsync that starts after reading a ticket covers that commit.
        var ticket = Interlocked.Increment(ref _committed);
        await _flushing.WaitAsync(ct);
        try
        {
            if (Interlocked.Read(ref _flushed) >= ticket)
            {
                return; // an fsync that began after this commit has already run
            }

            var covered = Interlocked.Read(ref _committed);
            Fsync(_walPath);
            Interlocked.Increment(ref _fsyncs);
            Interlocked.Exchange(ref _flushed, covered);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private static void Fsync(string path)
    {
        try
        {
            // fsync applies to the file, not the descriptor: it writes out the frames SQLite wrote through its own.
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            file.Flush(flushToDisk: true);
        }
        catch (FileNotFoundException)
        {
            // No log file: the last connection closed and SQLite checkpointed (and synced) it into the database.
        }
    }

    public void Dispose() => _flushing.Dispose();
}
