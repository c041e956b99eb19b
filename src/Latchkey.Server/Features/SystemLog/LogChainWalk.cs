using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>What a walk over one org's chain found.</summary>
public sealed record LogChainResult(string OrgId, LogChainBreak? Break, long RowsChecked, long? HeadSequence, string? HeadHash,
    LogCheckpoint? LastCheckpoint)
{
    public bool Intact => Break is null;

    /// <summary>Events after the newest verified checkpoint: intact as far as the hashes go, but not yet vouched for by a signature.</summary>
    public long NotCovered => Math.Max(0, (HeadSequence ?? 0) - (LastCheckpoint?.Sequence ?? 0));
}

/// <summary>
/// Feeds one org's stored chain to a <see cref="LogChainVerifier"/> in batches (keyset by sequence, never the
/// whole log in memory), with the checkpoints of each batch's range handed over first. Works beside a running
/// server: when the rows run out it reads the checkpoints past them, then the head, then the rows again, so a
/// checkpoint or head it sees always has its rows visible (they were committed first) and only a real gap or
/// truncation is reported.
/// </summary>
public sealed class LogChainWalk(LatchkeyDbContext db, LogSigningKey key, int batchSize = 2000)
{
    public async Task<LogChainResult> VerifyAsync(string orgId, LogCheckpoint? start, CheckpointSource startSource, LogCheckpoint? outside,
        Action<int>? progress, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await WalkAsync(orgId, start, startSource, outside, progress, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<LogChainResult> WalkAsync(string orgId, LogCheckpoint? start, CheckpointSource startSource, LogCheckpoint? outside,
        Action<int>? progress, CancellationToken ct)
    {
        var verifier = start is null ? LogChainVerifier.FromGenesis(orgId, key) : LogChainVerifier.FromCheckpoint(key, start, startSource);
        while (true)
        {
            var after = verifier.NextSequence - 1;
            var rows = await RowsAfterAsync(orgId, after, ct);
            if (rows.Count == 0)
            {
                var beyond = await CheckpointsAsync(orgId, after, long.MaxValue, take: 1, ct);
                var head = await db.LogChainHeads.AsNoTracking().Where(h => h.OrgId == orgId).SingleOrDefaultAsync(ct);
                rows = await RowsAfterAsync(orgId, after, ct);
                if (rows.Count == 0)
                {
                    beyond.ForEach(c => verifier.Expect(c, CheckpointSource.Database));
                    if (outside is not null)
                    {
                        verifier.Expect(outside, CheckpointSource.Outside);
                    }

                    return Result(orgId, verifier, verifier.Finish(head?.Sequence, head?.LastHash), head);
                }
            }

            var last = rows[^1].Sequence;
            foreach (var checkpoint in await CheckpointsAsync(orgId, after, last, take: null, ct))
            {
                verifier.Expect(checkpoint, CheckpointSource.Database);
            }

            if (outside is not null && outside.Sequence <= last)
            {
                verifier.Expect(outside, CheckpointSource.Outside);
                outside = null;
            }

            foreach (var row in rows)
            {
                if (!verifier.Add(row))
                {
                    return Result(orgId, verifier, verifier.Break, null);
                }
            }

            progress?.Invoke(rows.Count);
        }
    }

    private static LogChainResult Result(string orgId, LogChainVerifier verifier, LogChainBreak? broken, LogChainHeadEntity? head) =>
        new(orgId, broken, verifier.RowsChecked, head?.Sequence, head?.LastHash, verifier.LastVerifiedCheckpoint);

    /// <summary>
    /// The next batch of rows, read with a plain command: EF's materialisation cost more than the reading and
    /// verifying together on a long log (see docs/performance.md). Both providers store the same columns.
    /// </summary>
    private async Task<List<LogChainRow>> RowsAfterAsync(string orgId, long after, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = """
            SELECT "Sequence", "Uuid", "Published", "EventType", "ActorId", "OutcomeResult", "Json", "PreviousHash", "Hash"
            FROM "LogEvents" WHERE "OrgId" = @org AND "Sequence" > @after ORDER BY "Sequence" LIMIT @take
            """;
        AddParameter(command, "@org", orgId);
        AddParameter(command, "@after", after);
        AddParameter(command, "@take", batchSize);
        var rows = new List<LogChainRow>(batchSize);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new LogChainRow(reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetString(8)));
        }

        return rows;
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private async Task<List<LogCheckpoint>> CheckpointsAsync(string orgId, long after, long upTo, int? take, CancellationToken ct)
    {
        var query = db.LogCheckpoints.AsNoTracking().Where(c => c.OrgId == orgId && c.Sequence > after && c.Sequence <= upTo).OrderBy(c => c.Sequence);
        var found = take is { } n ? await query.Take(n).ToListAsync(ct) : await query.ToListAsync(ct);
        return found.Select(ToCheckpoint).ToList();
    }

    public static LogCheckpoint ToCheckpoint(LogCheckpointEntity c) => new(c.OrgId, c.Sequence, c.Hash, c.Signed, c.KeyId, c.Signature);
}
