using System.Collections.Concurrent;
using System.Globalization;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// Signs System Log checkpoints. Each run verifies every org's chain from its newest checkpoint (the one in
/// the database or the one recorded outside it, whichever is older) to the head; an intact org that grew gets
/// a checkpoint at its head, signed, stored, and recorded outside the database. A broken org is reported
/// (operator log, and a System Log event) once per process and never signed over: signing a tampered chain
/// would make the tampering verify. Runs are serialised within the process.
/// </summary>
public sealed partial class LogCheckpointer(IServiceScopeFactory scopes, LogSigningKey key, LogCheckpointRecord record, TimeProvider time,
    WriteGate gate, WalFlusher flusher, ILogger<LogCheckpointer> logger) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly ConcurrentDictionary<string, LogChainBreak> _broken = new(StringComparer.Ordinal);
    private int _recordWarned;

    /// <summary>Orgs found broken by this process (not signed again until it restarts).</summary>
    public IReadOnlyCollection<LogChainBreak> Broken => [.. _broken.Values];

    /// <summary>
    /// One run over every org. With <paramref name="reportInSystemLog"/> false a break goes to the operator log
    /// only (for a start-up that is about to refuse). Returns the breaks found in this run.
    /// </summary>
    public async Task<IReadOnlyList<LogChainBreak>> RunAsync(bool reportInSystemLog, CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
            var recorded = ReadRecord();
            var breaks = new List<LogChainBreak>();
            foreach (var orgId in await db.LogChainHeads.AsNoTracking().OrderBy(h => h.OrgId).Select(h => h.OrgId).ToListAsync(ct))
            {
                if (_broken.ContainsKey(orgId))
                {
                    continue;
                }

                var result = await VerifySinceLastCheckpointAsync(db, orgId, recorded.GetValueOrDefault(orgId), ct);
                if (result.Break is { } broken)
                {
                    _broken[orgId] = broken;
                    breaks.Add(broken);
                    LogBroken(logger, orgId, broken.Sequence, broken.Uuid ?? "-", broken.Published is { } p ? IsoTime.Write(p) : "-", broken.What, broken.Detail);
                    if (reportInSystemLog)
                    {
                        await ReportAsync(broken, ct);
                    }

                    continue;
                }

                if (result.HeadSequence is { } head && head > 0 && head > (result.LastCheckpoint?.Sequence ?? 0))
                {
                    await SignAsync(db, orgId, head, result.HeadHash!, ct);
                }
            }

            return breaks;
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<LogChainResult> VerifySinceLastCheckpointAsync(LatchkeyDbContext db, string orgId, LogCheckpoint? outside, CancellationToken ct)
    {
        var stored = await db.LogCheckpoints.AsNoTracking().Where(c => c.OrgId == orgId)
            .OrderByDescending(c => c.Sequence).FirstOrDefaultAsync(ct);
        var latest = stored is null ? null : LogChainWalk.ToCheckpoint(stored);
        var (start, source) = outside is not null && (latest is null || outside.Sequence < latest.Sequence)
            ? (outside, CheckpointSource.Outside)
            : (latest, CheckpointSource.Database);
        return await new LogChainWalk(db, key).VerifyAsync(orgId, start, source, outside, progress: null, ct);
    }

    private async Task SignAsync(LatchkeyDbContext db, string orgId, long sequence, string hash, CancellationToken ct)
    {
        var checkpoint = key.Sign(orgId, sequence, hash, time.GetUtcNow());
        using (await gate.EnterAsync(ct))
        {
            db.LogCheckpoints.Add(new LogCheckpointEntity
            {
                OrgId = orgId, Sequence = sequence, Hash = hash, Signed = checkpoint.Signed, KeyId = checkpoint.KeyId, Signature = checkpoint.Signature,
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (UniqueViolation.On(e, "LogCheckpoints"))
            {
                db.ChangeTracker.Clear();
                return; // another node signed this head first
            }
        }

        // On disk before the record outside the database names it, so a power cut cannot leave the record ahead.
        await flusher.AfterCommitAsync(ct);
        LogSigned(logger, orgId, sequence);
        try
        {
            record.Save(checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Interlocked.Exchange(ref _recordWarned, 1) == 0)
            {
                LogRecordNotWritten(logger, record.Path, e.Message);
            }
        }
    }

    public void Dispose() => _turn.Dispose();

    /// <summary>Why a start with <c>Latchkey:SystemLog:RequireIntactChain=true</c> is refused: one line per broken org.</summary>
    public static string Refusal(IReadOnlyList<LogChainBreak> breaks) =>
        "the System Log is broken and Latchkey:SystemLog:RequireIntactChain is true, so the server does not start: " +
        string.Join("; ", breaks.Select(b => $"org {b.OrgId} at sequence {b.Sequence} (uuid {b.Uuid ?? "-"}): {b.What}: {b.Detail}")) +
        ". Run `latchkey log verify` to check the whole log; restore the database from a backup, or set " +
        "Latchkey:SystemLog:RequireIntactChain=false to start and keep reporting it.";

    private IReadOnlyDictionary<string, LogCheckpoint> ReadRecord()
    {
        try
        {
            return record.Read();
        }
        catch (InvalidDataException e)
        {
            LogRecordUnreadable(logger, e.Message);
            return new Dictionary<string, LogCheckpoint>();
        }
    }

    /// <summary>Writes the break into the org's own System Log, so an admin reading the log sees it.</summary>
    private async Task ReportAsync(LogChainBreak broken, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var log = scope.ServiceProvider.GetRequiredService<SystemLogWriter>();
        var sequence = broken.Sequence.ToString(CultureInfo.InvariantCulture);
        await scope.ServiceProvider.GetRequiredService<OrgWrite>().RunAsync(broken.OrgId, () =>
        {
            log.Stage(EventTypes.LogChainBroken,
                [new LogTarget(broken.Uuid ?? $"sequence-{sequence}", "LogEvent", $"sequence {sequence}", broken.What)],
                new LogOutcome(LogOutcomeResult.Failure, broken.What),
                $"System Log hash chain broken at sequence {sequence}: {broken.What}",
                new Dictionary<string, object?>
                {
                    ["brokenSequence"] = sequence,
                    ["brokenUuid"] = broken.Uuid,
                    ["brokenPublished"] = broken.Published is { } p ? IsoTime.Write(p) : null,
                    ["brokenKind"] = broken.Kind.ToString(),
                    ["detail"] = broken.Detail,
                });
            return Task.CompletedTask;
        }, ct);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The System Log of org {OrgId} is broken at sequence {Sequence} (uuid {Uuid}, published {Published}): " +
        "{What}: {Detail}. Checkpoints for this org stop until it is resolved; run `latchkey log verify` to check the whole log.")]
    private static partial void LogBroken(ILogger logger, string orgId, long sequence, string uuid, string published, string what, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Signed a System Log checkpoint for org {OrgId} at sequence {Sequence}")]
    private static partial void LogSigned(ILogger logger, string orgId, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The System Log checkpoint record {Path} cannot be written ({Reason}); checkpoints are still " +
        "stored in the database, but deleting the newest of them there would go unnoticed. Set Latchkey:SystemLog:CheckpointRecordPath to a writable file.")]
    private static partial void LogRecordNotWritten(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}; verifying against the database's checkpoints only, and replacing it at the next checkpoint.")]
    private static partial void LogRecordUnreadable(ILogger logger, string reason);
}
