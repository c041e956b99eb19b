using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Latchkey.Server.Persistence;

/// <summary>
/// Every SQLite connection: NORMAL sync (with the write-ahead log, set once per file by
/// <see cref="DatabaseInitializer"/>, this cannot corrupt the database; <see cref="WalFlusher"/> makes each
/// acknowledged write durable by syncing the log before the answer) and a busy timeout so a writer of
/// another process queues instead of failing. Set once per native connection: pooled connections are
/// opened many times a request.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    // wal_autocheckpoint: fold the log into the database every ~40 MB rather than every 4 MB, so pages that
    // change often (indexes, the chain head) are written back once per checkpoint instead of many times.
    // mmap_size=0: reads go through SQLite's own page cache. A memory map must be remapped by every connection
    // each time the file grows, which under a write load cost about 13 % of the server's CPU per sign-in
    // (page faults and munmap; measured A/B, docs/performance.md).
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint=10000; "
        + "PRAGMA cache_size=-32768; PRAGMA mmap_size=0;";
    private static readonly ConditionalWeakTable<object, object> Configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Run(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Run(connection);
        return Task.CompletedTask;
    }

    private static void Run(DbConnection connection)
    {
        // SQLite's lower() folds ASCII only; case-insensitive search compares against .NET's invariant folding,
        // so "Öz" finds "öz" as it does on PostgreSQL. Registered at every open: a pooled native connection
        // loses the functions of the connection object that registered them when that object closes.
        (connection as SqliteConnection)?.CreateFunction("lower", (string? value) => value?.ToLowerInvariant(), isDeterministic: true);

        object key = (connection as SqliteConnection)?.Handle ?? (object)connection;
        if (!Configured.TryAdd(key, key))
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }
}
