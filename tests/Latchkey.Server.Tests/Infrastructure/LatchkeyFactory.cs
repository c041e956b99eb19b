using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// One Latchkey server for tests: the real <c>Program</c> behind Kestrel on a free loopback port, a fresh
/// data directory, a random bootstrap API token, no demo data and cheap password hashing. The database is
/// SQLite in the data directory, or a new PostgreSQL database when <c>LATCHKEY_TEST_POSTGRES</c> holds a
/// connection string (without <c>Database</c>); then an unreachable server fails the tests, it never skips them.
/// </summary>
public sealed class LatchkeyFactory : WebApplicationFactory<Program>
{
    public const string PostgresVariable = "LATCHKEY_TEST_POSTGRES";

    private readonly Dictionary<string, string?> _settings;
    private readonly string? _postgresAdmin;
    private readonly string? _postgresDatabase;
    private bool _cleaned;

    public LatchkeyFactory(IReadOnlyDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null)
    {
        Clock = clock;
        Token = "00" + RandomToken(40);
        DataDir = Path.Combine(Path.GetTempPath(), "latchkey-server-tests", Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Latchkey:DataDir"] = DataDir,
            ["Latchkey:BootstrapApiToken"] = Token,
            ["Latchkey:Demo"] = "false",
            ["Latchkey:Passwords:Pbkdf2Iterations"] = "1000",
        };

        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            _postgresAdmin = postgres.TrimEnd(';');
            _postgresDatabase = "lk_test_" + RandomToken(12).ToLowerInvariant();
            _settings["Latchkey:Database:Provider"] = "Postgres";
            _settings["Latchkey:Database:ConnectionString"] = $"{_postgresAdmin};Database={_postgresDatabase}";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(0);
    }

    /// <summary>The bootstrap API token (an admin's SSWS token).</summary>
    public string Token { get; }

    public string DataDir { get; }

    /// <summary>The server's clock when the test replaced it, else null (the system clock).</summary>
    public FakeTimeProvider? Clock { get; }

    public static bool UsesPostgres => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresVariable));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (Clock is { } clock)
        {
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(clock);
            });
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await CleanUpAsync();
        }
    }

    private async Task CleanUpAsync()
    {
        if (_cleaned)
        {
            return;
        }

        _cleaned = true;
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

        if (_postgresAdmin is not null && _postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await using var connection = new NpgsqlConnection($"{_postgresAdmin};Database=postgres;Pooling=false");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)";
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // Best effort: the server may be gone already (the tests that needed it have failed).
            }
        }
    }

    private static string RandomToken(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
