using System.Collections.Concurrent;
using System.Globalization;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.RateLimits;

/// <summary>
/// Fixed-window counters per (scope, bucket), read through <see cref="TimeProvider"/>. Every response carries
/// <c>X-Rate-Limit-Limit/Remaining/Reset</c> (reset in epoch seconds); over the ceiling the request is refused
/// with 429 E0000047 before any work, and the first refusal of a window is written to the System Log.
/// Counted in memory (one node), or in the database when several nodes share an org (<c>Shared</c>).
/// </summary>
public sealed class RateLimiter(TimeProvider time, bool shared)
{
    private sealed class Counter
    {
        public long WindowStart;
        public long WindowEnd;
        public int Count;
        public bool Reported;
    }

    private readonly ConcurrentDictionary<(string Scope, string Bucket), Counter> _counters = new();

    /// <summary>Past 10,000 counters (one per org and bucket, and one per client address that failed to authenticate), ended windows go.</summary>
    private readonly EndedEntries<(string Scope, string Bucket), Counter> _ended = new(10_000, c => Volatile.Read(ref c.WindowEnd));

    public readonly record struct Decision(bool Allowed, int Limit, int Remaining, long ResetEpochSeconds, bool FirstRefusal);

    public async ValueTask<Decision> AcquireAsync(string scope, RateLimitBucket bucket, IServiceProvider requestServices, CancellationToken ct)
    {
        if (!shared)
        {
            return Acquire(scope, bucket);
        }

        var db = requestServices.GetRequiredService<LatchkeyDbContext>();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)bucket.Window.TotalMilliseconds;
        var start = now - (now % windowMs);
        var reset = (start + windowMs + 999) / 1000;
        // One statement on the row every node shares: a new window restarts the count; RETURNING gives this call's number.
        var count = (await db.Database.SqlQuery<int>($"""
            INSERT INTO "RateLimitCounters" ("Scope", "Bucket", "WindowStart", "Count") VALUES ({scope}, {bucket.Name}, {start}, 1)
            ON CONFLICT ("Scope", "Bucket") DO UPDATE SET
                "Count" = CASE WHEN "RateLimitCounters"."WindowStart" = excluded."WindowStart" THEN "RateLimitCounters"."Count" + 1 ELSE 1 END,
                "WindowStart" = excluded."WindowStart"
            RETURNING "Count" AS "Value"
            """).ToListAsync(ct)).Single();
        return count <= bucket.Limit
            ? new Decision(true, bucket.Limit, bucket.Limit - count, reset, false)
            : new Decision(false, bucket.Limit, 0, reset, FirstRefusal: count == bucket.Limit + 1);
    }

    private Decision Acquire(string scope, RateLimitBucket bucket)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        _ended.Sweep(_counters, now);
        var counter = _counters.GetOrAdd((scope, bucket.Name), _ => new Counter());
        var windowMs = (long)bucket.Window.TotalMilliseconds;
        lock (counter)
        {
            var start = now - (now % windowMs);
            if (counter.WindowStart != start)
            {
                counter.WindowStart = start;
                counter.WindowEnd = start + windowMs;
                counter.Count = 0;
                counter.Reported = false;
            }

            var reset = (start + windowMs + 999) / 1000;
            if (counter.Count >= bucket.Limit)
            {
                var first = !counter.Reported;
                counter.Reported = true;
                return new Decision(false, bucket.Limit, 0, reset, first);
            }

            counter.Count++;
            return new Decision(true, bucket.Limit, bucket.Limit - counter.Count, reset, false);
        }
    }
}

/// <summary>
/// Charges an authenticated request to its org's bucket and writes the <c>X-Rate-Limit-*</c> headers; refuses with
/// 429 E0000047 over the ceiling. (Calls whose token failed are counted per client address instead, across every
/// endpoint: see <see cref="FailedAuthenticationLimit"/>.)
/// </summary>
public sealed class RateLimitGate(RateLimiter limiter, RateLimitBuckets buckets, IOptions<LatchkeyOptions> options, TimeProvider time)
{
    public async Task ChargeAsync(HttpContext context, string orgId)
    {
        if (!options.Value.RateLimits.Enabled)
        {
            return;
        }

        var bucket = buckets.For(context.Request.Path);
        var decision = await limiter.AcquireAsync(orgId, bucket, context.RequestServices, context.RequestAborted);
        WriteHeaders(context, decision);
        if (decision.Allowed)
        {
            return;
        }

        if (decision.FirstRefusal)
        {
            await ReportAsync(context, orgId, bucket, decision);
        }

        throw new ApiException(ApiErrors.RateLimited());
    }

    /// <summary><c>X-Rate-Limit-Limit/Remaining/Reset</c> (reset in epoch seconds), as on every answer of the real service.</summary>
    public static void WriteHeaders(HttpContext context, RateLimiter.Decision decision)
    {
        var headers = context.Response.Headers;
        headers["X-Rate-Limit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
        headers["X-Rate-Limit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["X-Rate-Limit-Reset"] = decision.ResetEpochSeconds.ToString(CultureInfo.InvariantCulture);
    }

    private async Task ReportAsync(HttpContext context, string orgId, RateLimitBucket bucket, RateLimiter.Decision decision)
    {
        var services = context.RequestServices;
        var log = services.GetRequiredService<SystemLogWriter>();
        var write = services.GetRequiredService<OrgWrite>();
        log.Stage(EventTypes.RateLimitViolation, [new LogTarget(bucket.Name, "RateLimitBucket", bucket.UrlPattern, bucket.UrlPattern)],
            new LogOutcome(LogOutcomeResult.RateLimit),
            $"Rate limit violation for {bucket.UrlPattern}",
            new Dictionary<string, object?>
            {
                ["rateLimitBucketUuid"] = bucket.Name, ["urlPattern"] = bucket.UrlPattern, ["threshold"] = bucket.Limit,
                ["timeSpan"] = (int)bucket.Window.TotalSeconds, ["timeUnit"] = "SECONDS", ["rateLimitScopeType"] = "ORG",
                ["rateLimitSecondsToReset"] = decision.ResetEpochSeconds - time.GetUtcNow().ToUnixTimeSeconds(),
            });
        await write.RunAsync(orgId, () => Task.CompletedTask, CancellationToken.None);
    }
}

/// <summary>Rate limits every authenticated /api/v1 call against its org's bucket.</summary>
public sealed class RateLimitMiddleware(RequestDelegate next, RateLimitGate gate)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (ApiCaller.Of(context) is { } caller)
        {
            await gate.ChargeAsync(context, caller.OrgId);
        }

        await next(context);
    }
}
