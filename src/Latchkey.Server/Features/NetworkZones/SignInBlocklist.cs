using System.Collections.Concurrent;
using System.Net;
using Latchkey.Core.Errors;
using Latchkey.Core.Network;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.NetworkZones;

/// <summary>
/// Refuses sign-in from the addresses of the org's ACTIVE BLOCKLIST IP zones: every request to <c>/idp/idx/*</c> and
/// <c>/api/v1/authn*</c>, and the sign-in page's POSTs, is answered 403 (E0000006 in the API's or the IDX error shape;
/// plain text for the page) before any user is looked up. The client address is the connection's, or the forwarded one
/// when the connection comes from a zone's trusted proxy (<see cref="ZoneMembership.ClientAddress"/>). The zones come
/// from <see cref="ZoneSnapshots"/>, so an allowed request costs a few comparisons and no query. A refusal is written to
/// the System Log as <c>security.request.blocked</c>, at most once a minute per address and zone, so a blocked client
/// cannot fill the log.
/// </summary>
public sealed partial class SignInBlocklist(RequestDelegate next, ZoneSnapshots zones, TimeProvider time, ILogger<SignInBlocklist> logger)
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _reported = new(StringComparer.Ordinal);

    /// <summary>The sign-in pipeline's requests: what a blocklist zone guards.</summary>
    public static bool Guards(HttpRequest request) =>
        request.Path.StartsWithSegments("/idp/idx") || request.Path.StartsWithSegments("/api/v1/authn")
        || (HttpMethods.IsPost(request.Method) && request.Path.Value is "/" or "");

    public async Task InvokeAsync(HttpContext context, LatchkeyDbContext db)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (peer is null)
        {
            await next(context);
            return;
        }

        var orgId = await ServerOrg.IdAsync(db, context.RequestAborted);
        var snapshot = await zones.GetAsync(orgId, context.RequestAborted);
        if (snapshot.Blocklists.Count == 0)
        {
            await next(context);
            return;
        }

        var client = ZoneMembership.ClientAddress(peer, context.Request.Headers["X-Forwarded-For"].OfType<string>(), snapshot.Active);
        var zone = snapshot.Blocklists.FirstOrDefault(z => z.Contains(client));
        if (zone is null)
        {
            await next(context);
            return;
        }

        var name = snapshot.Names.GetValueOrDefault(zone.Id, zone.Id);
        LogRefused(logger, client.ToString(), name, zone.Id, context.Request.Path);
        await ReportAsync(context, orgId, zone.Id, name, client);
        if (context.Request.Path.StartsWithSegments("/idp/idx") || context.Request.Path.StartsWithSegments("/api/v1"))
        {
            throw new ApiException(ApiErrors.Forbidden()); // answered in the path's own error shape
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("Sign-in from your network is blocked by your organization.", context.RequestAborted);
    }

    private async Task ReportAsync(HttpContext context, string orgId, string zoneId, string zoneName, IPAddress client)
    {
        var now = time.GetUtcNow();
        var key = zoneId + "|" + client;
        if (_reported.TryGetValue(key, out var last) && now - last < ReportEvery)
        {
            return;
        }

        if (_reported.Count > 10_000)
        {
            _reported.Clear(); // a bound, not a policy: at worst an address is reported again a little early
        }

        _reported[key] = now;
        var services = context.RequestServices;
        try
        {
            var address = client.ToString();
            services.GetRequiredService<SystemLogWriter>().Stage(EventTypes.RequestBlocked,
                [new LogTarget(zoneId, "NetworkZone", zoneName, zoneName), new LogTarget(address, "IpAddress", address, address)],
                new LogOutcome(LogOutcomeResult.Deny, $"The client address {address} is in the blocklist zone {zoneName}"),
                $"Request blocked: {address} is in the blocklist zone {zoneName}",
                new Dictionary<string, object?> { ["blockedAddress"] = address, ["zoneId"] = zoneId, ["zoneName"] = zoneName },
                SystemLogWriter.UnknownActor);
            await services.GetRequiredService<OrgWrite>().RunAsync(orgId, () => Task.CompletedTask, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReportFailed(logger, e, client.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused sign-in request {Path} from {Address}: blocklist zone {ZoneName} ({ZoneId})")]
    private static partial void LogRefused(ILogger logger, string address, string zoneName, string zoneId, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the System Log event of the blocked request from {Address}")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string address);
}
