using Latchkey.Core.Time;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// Deletes expired sign-in transactions and sessions, every <see cref="Period"/> in the background, so that no
/// sign-in pays for the clean-up inside the org's serialised write turn. Expired rows are already refused when
/// read; this reclaims their space and records each session's end (<c>user.session.expire</c>, once: the row goes in
/// the same write). At most <see cref="Batch"/> sessions per org and sweep, so one write turn stays short.
/// </summary>
public sealed partial class ExpiredSignInSweeper(IServiceScopeFactory scopes, TimeProvider time, ILogger<ExpiredSignInSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(5);
    public const int Batch = 500;

    /// <summary>One sweep of every org; returns the number of rows deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var write = scope.ServiceProvider.GetRequiredService<OrgWrite>();
        var log = scope.ServiceProvider.GetRequiredService<SystemLogWriter>();
        var now = IsoTime.Truncate(time.GetUtcNow());
        var deleted = 0;
        foreach (var orgId in await db.Orgs.Select(o => o.Id).ToListAsync(ct))
        {
            deleted += await write.RunAsync(orgId, () =>
                db.SignInTransactions.Where(t => t.OrgId == orgId && t.ExpiresAt < now).ExecuteDeleteAsync(ct), ct);
            int ended;
            do
            {
                ended = await write.RunAsync(orgId, async () =>
                {
                    var expired = await db.Sessions.Where(s => s.OrgId == orgId && s.ExpiresAt < now).OrderBy(s => s.ExpiresAt).Take(Batch)
                        .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new { Session = s, User = u }).ToListAsync(ct);
                    foreach (var e in expired)
                    {
                        db.Sessions.Remove(e.Session);
                        SignInEvents.SessionExpired(log, e.User, e.Session);
                    }

                    return expired.Count;
                }, ct);
                deleted += ended;
            }
            while (ended == Batch);
        }

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Period, time, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired sign-in transactions and sessions failed; the next sweep tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
