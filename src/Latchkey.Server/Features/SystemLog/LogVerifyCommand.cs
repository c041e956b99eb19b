using System.Data.Common;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Spectre.Console;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// <c>latchkey log verify</c>: reads the database the server's configuration names (the server may be running
/// or stopped; nothing is written), walks every org's chain from its first event, checks every checkpoint's
/// signature with the configured key and the latest checkpoint recorded outside the database, and exits 0
/// when every chain is intact or 1 printing the first broken link of each broken org. Events after the last
/// checkpoint are intact as far as the hashes go and reported as not yet covered by a checkpoint.
/// </summary>
public static class LogVerifyCommand
{
    public const int Intact = 0;
    public const int Broken = 1;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken ct,
        TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        LatchkeyOptions options;
        LogSigningKey key;
        try
        {
            options = LatchkeyHost.ReadOptions(configuration);
            key = LogSigningKeyFile.LoadForVerifying(options);
        }
        catch (Exception e) when (LatchkeyCommandLine.ConfigurationError(e) is { } message)
        {
            await error.WriteLineAsync($"latchkey: configuration error: {message}");
            return LatchkeyCommandLine.UsageError;
        }

        using (key)
        {
            try
            {
                await using var db = OpenReadOnly(options);
                return await VerifyAsync(db, options, key, output, error, time, ct);
            }
            catch (Exception e) when (e is DbException or InvalidOperationException { InnerException: DbException } or DatabaseUnusableException)
            {
                await error.WriteLineAsync($"latchkey: cannot read the database: {e.Message} " +
                    "(check Latchkey:DataDir, Latchkey:Database:Provider and Latchkey:Database:ConnectionString)");
                return LatchkeyCommandLine.DatabaseError;
            }
        }
    }

    private static async Task<int> VerifyAsync(LatchkeyDbContext db, LatchkeyOptions options, LogSigningKey key, TextWriter output, TextWriter error,
        TimeProvider time, CancellationToken ct)
    {
        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
        {
            throw new DatabaseUnusableException("its schema is older than this latchkey (or it is not a Latchkey database); start the server once to migrate it");
        }

        var record = new LogCheckpointRecord(options.SystemLog.RecordPath(options.DataDir));
        IReadOnlyDictionary<string, LogCheckpoint> recorded;
        var recordReadable = true;
        try
        {
            recorded = record.Read();
        }
        catch (InvalidDataException e)
        {
            recorded = new Dictionary<string, LogCheckpoint>();
            recordReadable = false;
            await error.WriteLineAsync($"latchkey log verify: {e.Message}; it may have been tampered with.");
        }

        var heads = await db.LogChainHeads.AsNoTracking().ToDictionaryAsync(h => h.OrgId, h => h.Sequence, StringComparer.Ordinal, ct);
        var orgs = new SortedSet<string>(heads.Keys, StringComparer.Ordinal);
        orgs.UnionWith(await db.Orgs.AsNoTracking().Select(o => o.Id).ToListAsync(ct));
        orgs.UnionWith(await db.LogEvents.AsNoTracking().Select(e => e.OrgId).Distinct().ToListAsync(ct));
        orgs.UnionWith(await db.LogCheckpoints.AsNoTracking().Select(c => c.OrgId).Distinct().ToListAsync(ct));
        orgs.UnionWith(recorded.Keys);

        await output.WriteLineAsync($"Verifying the System Log of {orgs.Count} org(s), {heads.Values.Sum()} event(s), with signing key {key.KeyId}.");
        await output.WriteLineAsync(File.Exists(record.Path)
            ? $"Checkpoint record outside the database: {record.Path}"
            : $"No checkpoint record outside the database at {record.Path}: deleting the newest checkpoints from the database and " +
              "re-hashing the events after the remaining ones would go unnoticed.");

        var walk = new LogChainWalk(db, key, batchSize: 5000);
        var started = time.GetTimestamp();
        var results = await WithProgressAsync(heads.Values.Sum(), error, time, async progress =>
        {
            var list = new List<LogChainResult>();
            foreach (var orgId in orgs)
            {
                list.Add(await walk.VerifyAsync(orgId, start: null, CheckpointSource.Database, recorded.GetValueOrDefault(orgId), progress, ct));
            }

            return list;
        });

        foreach (var result in results)
        {
            await output.WriteLineAsync(Describe(result));
            if (result.Break is { } broken)
            {
                await error.WriteLineAsync($"""
                    latchkey log verify: the System Log of org {broken.OrgId} is broken
                      sequence:  {broken.Sequence}
                      uuid:      {broken.Uuid ?? "(no event at this sequence)"}
                      published: {(broken.Published is { } p ? IsoTime.Write(p) : "-")}
                      what:      {broken.What}: {broken.Detail}
                    """);
            }
        }

        var brokenCount = results.Count(r => !r.Intact);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        var checkedRows = results.Sum(r => r.RowsChecked);
        await output.WriteLineAsync(brokenCount == 0 && recordReadable
            ? $"System Log intact: {checkedRows} event(s) in {results.Count} org(s), verified in {seconds:F1} s ({checkedRows / Math.Max(seconds, 0.001):F0} events/s)."
            : $"System Log BROKEN: {brokenCount} of {results.Count} org(s)" + (recordReadable ? "." : "; the checkpoint record cannot be read."));
        return brokenCount == 0 && recordReadable ? Intact : Broken;
    }

    private static string Describe(LogChainResult result)
    {
        if (result.Break is { } broken)
        {
            return $"org {result.OrgId}: BROKEN at sequence {broken.Sequence}: {broken.What} ({result.RowsChecked} event(s) before it intact)";
        }

        var text = $"org {result.OrgId}: {result.RowsChecked} event(s) intact";
        if (result.LastCheckpoint is { } checkpoint)
        {
            text += $"; signed checkpoints verified up to sequence {checkpoint.Sequence} (signed {IsoTime.Write(checkpoint.Signed)})";
        }

        return result.NotCovered == 0 ? text
            : result.LastCheckpoint is null ? $"{text}; no checkpoint yet: {result.NotCovered} event(s) not yet covered by a checkpoint"
            : $"{text}; {result.NotCovered} event(s) after it not yet covered by a checkpoint";
    }

    /// <summary>A progress bar on standard error when it is a terminal; otherwise a plain line every few seconds.</summary>
    private static async Task<T> WithProgressAsync<T>(long total, TextWriter error, TimeProvider time, Func<Action<int>, Task<T>> work)
    {
        if (ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            return await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Verifying events", maxValue: Math.Max(1, total));
                    var result = await work(n => task.Increment(n));
                    task.Value = task.MaxValue;
                    return result;
                });
        }

        long done = 0;
        var started = time.GetTimestamp();
        var lastReport = started;
        return await work(n =>
        {
            done += n;
            if (time.GetElapsedTime(lastReport) < ProgressEvery)
            {
                return;
            }

            lastReport = time.GetTimestamp();
            var seconds = Math.Max(0.001, time.GetElapsedTime(started).TotalSeconds);
            error.WriteLine($"latchkey log verify: {done} of {total} event(s) verified ({100 * done / Math.Max(1, total)}%, {done / seconds:F0} events/s)");
        });
    }

    /// <summary>A context on the configured database that cannot write: SQLite opened read-only, PostgreSQL in read-only transactions.</summary>
    private static LatchkeyDbContext OpenReadOnly(LatchkeyOptions options)
    {
        if (options.Database.Provider == DatabaseProvider.Postgres)
        {
            var postgres = new NpgsqlConnectionStringBuilder(options.Database.ConnectionString);
            postgres.Options = $"{postgres.Options} -c default_transaction_read_only=on".Trim();
            return new NpgsqlLatchkeyDbContext(new DbContextOptionsBuilder<NpgsqlLatchkeyDbContext>()
                .UseNpgsql(postgres.ConnectionString, n => n.MigrationsAssembly(typeof(LatchkeyDbContext).Assembly.FullName)).Options);
        }

        var sqlite = new SqliteConnectionStringBuilder(options.SqliteConnectionString()) { Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        // Read-only never creates the file; a plain path that is missing gets the clearer message.
        if (!sqlite.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !File.Exists(sqlite.DataSource))
        {
            throw new DatabaseUnusableException($"there is no database at {Path.GetFullPath(sqlite.DataSource)}");
        }

        return new SqliteLatchkeyDbContext(new DbContextOptionsBuilder<SqliteLatchkeyDbContext>().UseSqlite(sqlite.ConnectionString).Options);
    }

    private sealed class DatabaseUnusableException(string message) : Exception(message);
}
