using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Latchkey.Server.Persistence;

/// <summary>Recognises a unique-index violation on a given column, on either provider.</summary>
public static class UniqueViolation
{
    private const int SqliteConstraint = 19;
    private const string PostgresUniqueViolation = "23505";

    public static bool On(DbUpdateException exception, string column) => exception.InnerException switch
    {
        SqliteException s => s.SqliteErrorCode == SqliteConstraint && s.Message.Contains(column, StringComparison.Ordinal),
        PostgresException p => p.SqlState == PostgresUniqueViolation && (p.ConstraintName ?? "").Contains(column, StringComparison.Ordinal),
        _ => false,
    };
}
