using Latchkey.Core.Security;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Persistence;

/// <summary>
/// Before the server listens: creates the data directory, applies migrations (creating the database if
/// needed), and on a new database creates the org (and the demo, unless turned off).
/// </summary>
public static partial class DatabaseInitializer
{
    public static async Task<FirstStart?> InitializeAsync(IServiceProvider services, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        try
        {
            Directory.CreateDirectory(options.DataDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"configuration error: Latchkey:DataDir '{options.DataDir}' cannot be used as the data directory: {e.Message}", LatchkeyCommandLine.UsageError);
        }

        _ = services.GetRequiredService<LogSigningKey>(); // created, or refused, before the database is touched
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Latchkey.Database");
        if (db.Database.IsSqlite())
        {
            await db.Database.OpenConnectionAsync(ct);
            services.GetRequiredService<WalFlusher>().Attach(((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()).DataSource);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.CloseConnectionAsync();
        }

        await db.Database.MigrateAsync(ct);
        LogMigrated(logger, options.Database.Provider.ToString());

        // The chain from each org's last checkpoint to its head: a break is reported (or refuses the start).
        var breaks = await services.GetRequiredService<LogCheckpointer>().RunAsync(reportInSystemLog: !options.SystemLog.RequireIntactChain, ct);
        if (breaks.Count > 0 && options.SystemLog.RequireIntactChain)
        {
            throw new StartupException(LogCheckpointer.Refusal(breaks), LatchkeyCommandLine.BrokenLog);
        }

        var seeder = scope.ServiceProvider.GetRequiredService<OrgSeeder>();
        FirstStart? first = null;
        if (!await db.Orgs.AnyAsync(ct))
        {
            first = await seeder.CreateOrgAsync(options.BootstrapApiToken, options.Demo ?? true, ct);
        }
        else if (options.Demo == true && !await seeder.HasDemoAsync(ct))
        {
            var orgId = await Features.Org.ServerOrg.IdAsync(db, ct);
            first = new FirstStart(Org: null, await seeder.SeedDemoAsync(orgId, ct));
        }

        // An org made by an earlier version gets the authenticators and system network zones it lacks (a new org has them all).
        foreach (var orgId in await db.Orgs.Select(o => o.Id).ToListAsync(ct))
        {
            if (!await Features.Authenticators.DefaultAuthenticators.AnyMissingAsync(db, orgId, ct)
                && !await Features.NetworkZones.SystemZones.AnyMissingAsync(db, orgId, ct))
            {
                continue; // the usual start: nothing to write, no write turn taken
            }

            var now = Core.Time.IsoTime.Truncate(services.GetRequiredService<TimeProvider>().GetUtcNow());
            await scope.ServiceProvider.GetRequiredService<OrgWrite>().RunAsync(orgId, async () =>
            {
                await Features.Authenticators.DefaultAuthenticators.EnsureAsync(db, orgId, now, ct);
                await Features.NetworkZones.SystemZones.EnsureAsync(db, orgId, now, ct);
            }, ct);
        }

        // An org made before policy rules were stored gets each policy's system rule (the catch-all).
        foreach (var orgId in await db.Orgs.Select(o => o.Id).ToListAsync(ct))
        {
            if (await Features.Policies.DefaultPolicies.AnySystemRuleMissingAsync(db, orgId, ct))
            {
                await scope.ServiceProvider.GetRequiredService<OrgWrite>().RunAsync(orgId,
                    () => Features.Policies.DefaultPolicies.EnsureSystemRulesAsync(db, orgId, Core.Time.IsoTime.Truncate(services.GetRequiredService<TimeProvider>().GetUtcNow()), ct), ct);
            }
        }

        // The Data Protection key ring (forms, sealed sign-in handles) is created now rather than as the server starts answering.
        _ = services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector("Latchkey.Startup").Protect([1]);

        // The printed token and passwords, and the key ring, must still be there after a power cut.
        await services.GetRequiredService<WalFlusher>().AfterCommitAsync(ct);
        return first;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready ({Provider}, migrations applied)")]
    private static partial void LogMigrated(ILogger logger, string provider);
}
