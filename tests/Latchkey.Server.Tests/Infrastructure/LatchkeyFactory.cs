using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// One Latchkey server for tests: the real <c>Program</c> behind Kestrel on a free loopback port, a fresh
/// data directory, a random bootstrap API token, no demo data and cheap password hashing. The database is
/// SQLite in the data directory, or a new PostgreSQL database when <c>LATCHKEY_TEST_POSTGRES</c> holds a
/// connection string (without <c>Database</c>); then an unreachable server fails the tests, it never skips them.
/// </summary>
public sealed class LatchkeyFactory : WebApplicationFactory<Program>
{
    public const string PostgresVariable = LatchkeyStore.PostgresVariable;

    private readonly Dictionary<string, string?> _settings;
    private readonly LatchkeyStore _store;
    private readonly bool _ownsStore;

    /// <param name="store">An existing store to start on (a restart; the caller disposes it), else a new one this factory removes.</param>
    /// <param name="kestrel">
    /// False: the in-memory test server instead of Kestrel, for what a loopback listener cannot show (a request that arrived
    /// over HTTPS: a client with an <c>https://</c> base address).
    /// </param>
    public LatchkeyFactory(IReadOnlyDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null, LatchkeyStore? store = null,
        bool kestrel = true)
    {
        Clock = clock;
        _ownsStore = store is null;
        _store = store ?? LatchkeyStore.CreateNew();
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Latchkey:BootstrapApiToken"] = _store.Token,
            ["Latchkey:Demo"] = "false",
            ["Latchkey:Passwords:Pbkdf2Iterations"] = "1000",
        };

        foreach (var (key, value) in _store.Settings.Concat(settings ?? new Dictionary<string, string?>()))
        {
            _settings[key] = value;
        }

        if (kestrel)
        {
            UseKestrel(0);
        }
    }

    /// <summary>The bootstrap API token (an admin's SSWS token).</summary>
    public string Token => _store.Token;

    public string DataDir => _store.DataDir;

    public LatchkeyStore Store => _store;

    /// <summary>The server's clock when the test replaced it, else null (the system clock).</summary>
    public FakeTimeProvider? Clock { get; }

    /// <summary>What the server wrote to its operator log (warnings and errors), as "level category: message" lines.</summary>
    public IReadOnlyCollection<string> OperatorLog => [.. _operatorLog];

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _operatorLog = new();

    public static bool UsesPostgres => LatchkeyStore.UsesPostgres;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(_operatorLog)));
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
            if (_ownsStore)
            {
                await _store.DisposeAsync();
            }
        }
    }
}
