using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.RateLimits;

/// <summary>
/// Token guessing. Every failed API-token authentication (no <c>Authorization</c> header, a malformed one, an
/// unknown, revoked or expired token) is counted per client address in one fixed window across every endpoint
/// (<c>Latchkey:RateLimits:FailedAuthentication</c>, 20 a minute by default; in the shared counter table when
/// several nodes share the database). Past the limit the address is blocked until the window ends: every
/// /api/v1 request from it answers 429 E0000047 with <c>Retry-After</c>, whatever token it carries. A valid token
/// is refused too, on purpose: were it served, 200 against 429 would tell a guesser which guess was right, and
/// the block would not slow guessing at all. Other addresses are never affected: the block is a lookup in this
/// node's memory, made before any token is read. The first block of a window is written to the System Log
/// (<c>security.request.blocked</c>) by the refused request itself, never by a valid one.
/// </summary>
public sealed partial class FailedAuthenticationLimit
{
    public const string BucketName = "failed-authentication";

    private readonly RateLimiter _limiter;
    private readonly ILogger<FailedAuthenticationLimit> _logger;
    private readonly RateLimitBucket _bucket;

    /// <summary>Blocked address keys and the end of their block (the window's end, epoch seconds).</summary>
    private readonly AddressBlocks _blocks;

    public FailedAuthenticationLimit(RateLimiter limiter, IOptions<LatchkeyOptions> options, TimeProvider time, ILogger<FailedAuthenticationLimit> logger)
    {
        _limiter = limiter;
        _logger = logger;
        _blocks = new AddressBlocks(time);
        var o = options.Value.RateLimits.FailedAuthentication;
        _bucket = new RateLimitBucket(BucketName, "/api/v1/*", o.Limit, TimeSpan.FromSeconds(o.WindowSeconds));
    }

    /// <summary>
    /// The client address a failure is charged to: the connection's address (forwarded headers are not trusted), an
    /// IPv4-mapped IPv6 address as IPv4, and an IPv6 address as its /64 network, since one host usually holds a
    /// whole /64 and could otherwise rotate through it.
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Before anything else: a request from a blocked address is refused at once, with no database work.</summary>
    public void ThrowIfBlocked(HttpContext context, string address)
    {
        if (_blocks.IsBlocked(address, out var until))
        {
            throw Blocked(context, until);
        }
    }

    /// <summary>
    /// Counts a failed authentication from <paramref name="address"/>. Within the limit: <paramref name="refusal"/>
    /// (401 or 403) with the address's <c>X-Rate-Limit-*</c> headers; past it: the address is blocked and the
    /// answer is 429.
    /// </summary>
    public async Task<ApiException> FailAsync(HttpContext context, string address, ApiError refusal)
    {
        var decision = await _limiter.AcquireAsync("address:" + address, _bucket, context.RequestServices, context.RequestAborted);
        RateLimitGate.WriteHeaders(context, decision);
        if (decision.Allowed)
        {
            return new ApiException(refusal);
        }

        _blocks.Block(address, decision.ResetEpochSeconds);
        if (decision.FirstRefusal)
        {
            LogBlocked(_logger, address, _bucket.Limit, (int)_bucket.Window.TotalSeconds, RetryAfterSeconds(decision.ResetEpochSeconds));
            await ReportAsync(context, address, decision.ResetEpochSeconds);
        }

        return Blocked(context, decision.ResetEpochSeconds);
    }

    private ApiException Blocked(HttpContext context, long until)
    {
        RateLimitGate.WriteHeaders(context, new RateLimiter.Decision(false, _bucket.Limit, 0, until, false));
        context.Response.Headers.RetryAfter = RetryAfterSeconds(until).ToString(CultureInfo.InvariantCulture);
        return new ApiException(ApiErrors.RateLimited());
    }

    private long RetryAfterSeconds(long until) => _blocks.RetryAfterSeconds(until);

    /// <summary>
    /// The System Log event of a block, once per window and address (the counter says which refusal is the first,
    /// on every node). A failure to write it is the operator's business; the answer stays 429.
    /// </summary>
    private async Task ReportAsync(HttpContext context, string address, long until)
    {
        var services = context.RequestServices;
        try
        {
            var orgId = await ServerOrg.IdAsync(services.GetRequiredService<LatchkeyDbContext>(), CancellationToken.None);
            var window = (int)_bucket.Window.TotalSeconds;
            services.GetRequiredService<SystemLogWriter>().Stage(EventTypes.RequestBlocked,
                [new LogTarget(address, "IpAddress", address, address)],
                new LogOutcome(LogOutcomeResult.Deny,
                    $"Too many failed API token authentications from {address}: more than {_bucket.Limit} in {window} seconds"),
                $"Request blocked: too many failed API token authentications from {address}",
                new Dictionary<string, object?>
                {
                    ["blockedAddress"] = address, ["threshold"] = _bucket.Limit, ["timeSpan"] = window, ["timeUnit"] = "SECONDS",
                    ["secondsToReset"] = RetryAfterSeconds(until),
                },
                SystemLogWriter.UnknownActor);
            await services.GetRequiredService<OrgWrite>().RunAsync(orgId, () => Task.CompletedTask, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReportFailed(_logger, e, address);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Blocked {Address}: more than {Limit} failed API token authentications in {WindowSeconds} s; blocked for {Seconds} s")]
    private static partial void LogBlocked(ILogger logger, string address, int limit, int windowSeconds, long seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the System Log event of the block of {Address}")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string address);
}
