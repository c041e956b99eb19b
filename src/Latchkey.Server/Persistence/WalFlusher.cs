using Latchkey.Server.Hosting;

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
    private readonly bool _enabled;
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private string? _walPath;
    private long _committed;
    private long _flushed;
    private long _fsyncs;

    public WalFlusher(bool enabled) => _enabled = enabled;

    /// <summary>Active for SQLite with <c>Durability=Full</c>; the file is named by <see cref="Attach"/> once the database is open.</summary>
    public static WalFlusher For(LatchkeyOptions options) =>
        new(options.Database.Provider == DatabaseProvider.Sqlite && options.Database.Durability == DatabaseDurability.Full);

    /// <summary>
    /// Names the database file as SQLite resolved it (<c>SqliteConnection.DataSource</c> of an open connection), so
    /// a relative, <c>file:</c> URI or symbolic-link name finds the real log. An in-memory database has none.
    /// </summary>
    public void Attach(string openedDatabaseFile)
    {
        if (_enabled && !string.IsNullOrEmpty(openedDatabaseFile))
        {
            _walPath = openedDatabaseFile + "-wal";
        }
    }

    /// <summary>How many fsyncs were made: fewer than the commits they covered, under concurrent load.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Returns once the transaction the caller has just committed is on disk.</summary>
    public async ValueTask AfterCommitAsync(CancellationToken ct)
    {
        if (!_enabled)
        {
            return;
        }

        // Fail closed: a durable write is never acknowledged unless the log file is known.
        var walPath = _walPath ?? throw new InvalidOperationException("The SQLite database file is not known: WalFlusher.Attach was not called.");

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
            Fsync(walPath);
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
