using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// Where one test server keeps its data: a fresh data directory (the SQLite database, the System Log signing
/// key and checkpoint record) and, when <c>LATCHKEY_TEST_POSTGRES</c> holds a connection string (without
/// <c>Database</c>), a new PostgreSQL database. It outlives servers started on it (a restart), can be copied
/// for a test to tamper with, and is removed when disposed.
/// </summary>
public sealed class LatchkeyStore : IAsyncDisposable
{
    public const string PostgresVariable = "LATCHKEY_TEST_POSTGRES";

    private readonly string? _postgresAdmin;
    private bool _disposed;

    private LatchkeyStore(string dataDir, string? postgresAdmin, string? postgresDatabase, string token)
    {
        DataDir = dataDir;
        _postgresAdmin = postgresAdmin;
        PostgresDatabase = postgresDatabase;
        Token = token;
    }

    public static bool UsesPostgres => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresVariable));

    public string DataDir { get; }

    public string? PostgresDatabase { get; }

    /// <summary>The bootstrap API token a new database is created with (an admin's SSWS token).</summary>
    public string Token { get; }

    /// <summary>The configuration that points a server (or <c>latchkey log verify</c>) at this store.</summary>
    public IReadOnlyDictionary<string, string?> Settings => PostgresDatabase is null
        ? new Dictionary<string, string?> { ["Latchkey:DataDir"] = DataDir }
        : new Dictionary<string, string?>
        {
            ["Latchkey:DataDir"] = DataDir,
            ["Latchkey:Database:Provider"] = "Postgres",
            ["Latchkey:Database:ConnectionString"] = $"{_postgresAdmin};Database={PostgresDatabase}",
        };

    /// <summary>The same as command-line arguments: <c>--Key=value</c>.</summary>
    public IReadOnlyList<string> Arguments => Settings.Select(s => $"--{s.Key}={s.Value}").ToList();

    private string ConnectionString => PostgresDatabase is null
        ? $"Data Source={Path.Combine(DataDir, "latchkey.db")};Pooling=False"
        : $"{_postgresAdmin};Database={PostgresDatabase};Pooling=False";

    public static LatchkeyStore CreateNew()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "latchkey-server-tests", Guid.NewGuid().ToString("N"));
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        return string.IsNullOrWhiteSpace(postgres)
            ? new LatchkeyStore(dataDir, null, null, "00" + RandomToken(40))
            : new LatchkeyStore(dataDir, postgres.TrimEnd(';'), "lk_test_" + RandomToken(12).ToLowerInvariant(), "00" + RandomToken(40));
    }

    /// <summary>A copy of this store (no server may be running on it): the data directory's files and, on PostgreSQL, the database.</summary>
    public async Task<LatchkeyStore> CopyAsync()
    {
        var copy = new LatchkeyStore(Path.Combine(Path.GetTempPath(), "latchkey-server-tests", Guid.NewGuid().ToString("N")), _postgresAdmin,
            PostgresDatabase is null ? null : "lk_test_" + RandomToken(12).ToLowerInvariant(), Token);
        Directory.CreateDirectory(copy.DataDir);
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(DataDir))
        {
            var target = Path.Combine(copy.DataDir, Path.GetFileName(file));
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }

        if (PostgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"CREATE DATABASE \"{copy.PostgresDatabase}\" TEMPLATE \"{PostgresDatabase}\"");
        }

        return copy;
    }

    /// <summary>Runs SQL on the store's database directly, as someone with access to the database file or server would.</summary>
    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Reads rows with <paramref name="read"/>.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read)
    {
        await using var connection = Open();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(DataDir))
            {
                Directory.Delete(DataDir, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still held open: the temp directory is cleaned by the OS eventually.
        }

        if (PostgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await AdminAsync($"DROP DATABASE IF EXISTS \"{PostgresDatabase}\" WITH (FORCE)");
            }
            catch (NpgsqlException)
            {
                // Best effort: the server may be gone already (the tests that needed it have failed).
            }
        }
    }

    private DbConnection Open() => PostgresDatabase is null ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection($"{_postgresAdmin};Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static string RandomToken(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
