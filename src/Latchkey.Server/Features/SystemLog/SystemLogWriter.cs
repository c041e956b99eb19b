using System.Text.Json;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// The one way events enter the System Log. Handlers stage events while they change data; the events are
/// appended to the org's hash chain inside the same transaction (see <see cref="OrgWrite"/>), so an event is
/// stored exactly when its change is, and never without it.
/// </summary>
public sealed class SystemLogWriter(LatchkeyDbContext db, TimeProvider time, IHttpContextAccessor accessor)
{
    public static readonly LogActor SystemActor = new("system", "SystemPrincipal", "system@latchkey", "Latchkey");

    /// <summary>A caller nobody could identify (no valid credential), named as the real service names one.</summary>
    public static readonly LogActor UnknownActor = new("unknown", "User", "unknown", "unknown");
    private readonly List<LogEvent> _pending = [];

    /// <summary>The actor of events caused by this request: the API caller, or the system itself.</summary>
    public LogActor CurrentActor =>
        accessor.HttpContext is { } context && ApiCaller.Of(context) is { } caller ? caller.AsActor() : SystemActor;

    public void Stage(EventType type, IReadOnlyList<LogTarget> targets, LogOutcome? outcome = null,
        string? displayMessage = null, IReadOnlyDictionary<string, object?>? debugData = null, LogActor? actor = null) =>
        _pending.Add(Create(type, targets, outcome, displayMessage, debugData, actor));

    /// <summary>Stages an event made by <see cref="Create"/> and completed by the caller (e.g. with its authentication context).</summary>
    public void Stage(LogEvent e) => _pending.Add(e);

    public LogEvent Create(EventType type, IReadOnlyList<LogTarget> targets, LogOutcome? outcome = null,
        string? displayMessage = null, IReadOnlyDictionary<string, object?>? debugData = null, LogActor? actor = null)
    {
        var context = accessor.HttpContext;
        var caller = context is null ? null : ApiCaller.Of(context);
        var requestId = context is null ? RandomIds.NewBase62(27) : RequestIds.Of(context);
        var debug = new Dictionary<string, object?>(StringComparer.Ordinal) { ["requestId"] = requestId };
        if (context is not null)
        {
            debug["requestUri"] = context.Request.Path.Value;
            debug["url"] = context.Request.Path.Value + context.Request.QueryString.Value;
        }

        foreach (var (key, value) in debugData ?? new Dictionary<string, object?>())
        {
            debug[key] = value;
        }

        var ip = context?.Connection.RemoteIpAddress;
        return new LogEvent
        {
            Uuid = RandomIds.NewUuid().ToString(),
            Published = IsoTime.Truncate(time.GetUtcNow()),
            EventType = type.Id,
            Severity = type.Severity,
            LegacyEventType = type.LegacyEventType,
            DisplayMessage = displayMessage ?? type.DisplayMessage,
            Actor = actor ?? CurrentActor,
            Client = context is null ? null : new LogClient(
                new LogUserAgent(context.Request.Headers.UserAgent.ToString(), "Unknown", "UNKNOWN"),
                null, "Unknown", null, ip?.ToString()),
            Outcome = outcome ?? new LogOutcome(LogOutcomeResult.Success),
            Target = targets,
            Transaction = new LogTransaction(context is null ? "JOB" : "WEB", requestId,
                caller is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["requestApiTokenId"] = caller.TokenId }),
            DebugContext = new LogDebugContext(debug),
            Request = ip is null ? null : new LogRequest([new LogIpAddress(ip.ToString(),
                ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "V6" : "V4", null)]),
        };
    }

    internal bool HasPending => _pending.Count > 0;

    /// <summary>Appends the staged events after <paramref name="head"/> (locked by the caller's transaction).</summary>
    internal (long Sequence, string Hash) AppendPending(string orgId, long sequence, string hash)
    {
        foreach (var e in _pending)
        {
            sequence++;
            var json = JsonSerializer.Serialize(e, ApiJson.Options);
            var next = LogChainHasher.Next(hash, sequence, json);
            db.LogEvents.Add(new LogEventEntity
            {
                Sequence = sequence, OrgId = orgId, Uuid = e.Uuid, Published = e.Published, EventType = e.EventType,
                ActorId = e.Actor.Id, OutcomeResult = e.Outcome.Result, Json = json, PreviousHash = hash, Hash = next,
            });
            hash = next;
        }

        _pending.Clear();
        return (sequence, hash);
    }

    internal void DiscardPending() => _pending.Clear();
}

/// <summary>
/// One write to an org: a transaction that first locks the org's log chain head (so writes to one org
/// are serialised on every node and database), runs the change, appends the staged log events and
/// commits. A failure anywhere rolls everything back: no partial write, no orphan event.
/// </summary>
public sealed class OrgWrite(LatchkeyDbContext db, SystemLogWriter log, WriteGate gate, WalFlusher flusher, LogCheckpointTrigger checkpoints)
{
    private sealed record ChainHead(long Sequence, string LastHash);

    /// <summary>Runs the change in one transaction and returns once it is committed and durable (see <see cref="WalFlusher"/>).</summary>
    public async Task<T> RunAsync<T>(string orgId, Func<Task<T>> change, CancellationToken ct)
    {
        T result;
        using (await gate.EnterAsync(ct))
        {
            result = await CommitAsync(orgId, change, ct);
        }

        // Outside the gate, so the next writers commit while this fsync runs and share the one after it.
        await flusher.AfterCommitAsync(CancellationToken.None);
        return result;
    }

    private async Task<T> CommitAsync<T>(string orgId, Func<Task<T>> change, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var head = (await db.Database.SqlQuery<ChainHead>(
                    $"""UPDATE "LogChainHeads" SET "Sequence" = "Sequence" WHERE "OrgId" = {orgId} RETURNING "Sequence", "LastHash" """)
                .ToListAsync(ct)).SingleOrDefault() ?? throw new InvalidOperationException($"Org {orgId} has no log chain head.");
            var result = await change();
            var appended = 0L;
            if (log.HasPending)
            {
                var (sequence, hash) = log.AppendPending(orgId, head.Sequence, head.LastHash);
                appended = sequence - head.Sequence;
                await db.SaveChangesAsync(ct);
                await db.Database.ExecuteSqlAsync(
                    $"""UPDATE "LogChainHeads" SET "Sequence" = {sequence}, "LastHash" = {hash} WHERE "OrgId" = {orgId}""", ct);
            }
            else
            {
                await db.SaveChangesAsync(ct);
            }

            await tx.CommitAsync(ct);
            checkpoints.Appended(appended);
            return result;
        }
        catch
        {
            log.DiscardPending();
            db.ChangeTracker.Clear();
            throw;
        }
    }

    public Task RunAsync(string orgId, Func<Task> change, CancellationToken ct) =>
        RunAsync(orgId, async () => { await change(); return true; }, ct);

    /// <summary>
    /// Inserts one row that logs nothing and whose own unique key settles any race (false: the key is taken), without
    /// the chain head lock and without waiting for the fsync: for short-lived rows only (a sign-in at its second step),
    /// whose loss at a power cut costs nothing but starting again. It still takes this process's write turn.
    /// </summary>
    public async Task<bool> TryInsertUnloggedAsync<TEntity>(TEntity row, string table, CancellationToken ct)
        where TEntity : class
    {
        using (await gate.EnterAsync(ct))
        {
            db.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException e) when (UniqueViolation.On(e, table))
            {
                db.ChangeTracker.Clear();
                return false;
            }
        }
    }
}

/// <summary>
/// SQLite has one writer at a time and makes a waiting writer sleep and retry, which collapses throughput
/// when many requests write at once. Writers of one process therefore queue here first, in order, and
/// meet no lock in the database. PostgreSQL needs no gate: its row lock on the chain head queues writers.
/// </summary>
public sealed class WriteGate(bool serialize) : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async ValueTask<IDisposable?> EnterAsync(CancellationToken ct)
    {
        if (!serialize)
        {
            return null;
        }

        await _semaphore.WaitAsync(ct);
        return new Turn(_semaphore);
    }

    public void Dispose() => _semaphore.Dispose();

    private sealed class Turn(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
