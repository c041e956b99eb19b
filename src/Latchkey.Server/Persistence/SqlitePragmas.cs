using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Latchkey.Server.Persistence;

/// <summary>
/// Every SQLite connection: NORMAL sync (with the write-ahead log, set once per file by
/// <see cref="DatabaseInitializer"/>, this cannot corrupt the database) and a busy timeout so concurrent
/// writers queue instead of failing.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Run(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Run(connection);
        return Task.CompletedTask;
    }

    private static void Run(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }
}
