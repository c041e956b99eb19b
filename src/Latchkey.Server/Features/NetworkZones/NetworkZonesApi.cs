using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Filtering;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.NetworkZones;

/// <summary>
/// <c>/api/v1/zones</c>: list (filter on <c>id</c>, <c>usage</c>, <c>system</c>), create, get, replace (the type stays),
/// delete (not a system zone, not an ACTIVE one), activate and deactivate. Reading needs the Security read permission,
/// writing the Security manage one (the real service files network zones under Security). Every write forgets the
/// org's <see cref="ZoneSnapshots"/> so the sign-in blocklist sees it on the next request.
/// </summary>
public static class NetworkZonesApi
{
    private static readonly FilterGrammar FilterRules = new FilterGrammar()
        .Allow("id", FilterOperator.Eq).Allow("usage", FilterOperator.Eq).Allow("system", FilterOperator.Eq).WithNot(false);

    /// <summary>The spec's default is -1 (the server's choice): every zone of an org fits one page of 1000.</summary>
    private static readonly ListSpec ZonesList = new("zones", new PageLimits(1000, 1000)) { MinusOneMeansDefault = true };

    public static void MapNetworkZonesApi(this RouteGroupBuilder api)
    {
        var zones = api.MapGroup("/zones");
        zones.MapGet("", List).AsList(ZonesList).Requires(AdminPermission.SecurityRead);
        zones.MapPost("", Create).Requires(AdminPermission.SecurityManage);
        zones.MapGet("/{zoneId}", Get).Requires(AdminPermission.SecurityRead);
        zones.MapPut("/{zoneId}", Replace).Requires(AdminPermission.SecurityManage);
        zones.MapDelete("/{zoneId}", Delete).Requires(AdminPermission.SecurityManage);
        zones.MapPost("/{zoneId}/lifecycle/activate", Activate).Requires(AdminPermission.SecurityManage);
        zones.MapPost("/{zoneId}/lifecycle/deactivate", Deactivate).Requires(AdminPermission.SecurityManage);
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var paging = Paging.Of(context);
        var filter = Filters.ParseSearch(context.Request, "filter", FilterRules);
        var after = paging.After;
        // An org has few zones (hundreds at most), so the filter runs on the resources themselves, as the API shows them.
        var zones = await db.NetworkZones.AsNoTracking()
            .Where(z => z.OrgId == caller.OrgId && (after == null || string.Compare(z.Id, after) > 0))
            .OrderBy(z => z.Id).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var page = zones.Select(z => NetworkZoneResources.ToResource(z, apiBase))
            .Where(r => filter is null || JsonFilterEvaluator.Matches(filter, r, StringComparison.Ordinal))
            .Take(paging.Limit + 1).ToList();
        var more = Paging.Trim(page, paging.Limit);
        Paging.WriteLinks(context, more ? (string)page[^1]["id"]! : null);
        return ApiResponses.Json(page);
    }

    private static async Task<IResult> Get(string zoneId, HttpContext context, LatchkeyDbContext db)
    {
        var zone = await FindAsync(db, ApiCaller.Required(context), zoneId, context.RequestAborted);
        return ApiResponses.Json(NetworkZoneResources.ToResource(zone, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Create(HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, ZoneSnapshots snapshots)
    {
        var caller = ApiCaller.Required(context);
        var definition = ZoneDefinition.Read(await JsonBody.ReadObjectAsync(context.Request));
        var now = IsoTime.Truncate(time.GetUtcNow());
        var zone = new NetworkZoneEntity
        {
            Id = RandomIds.NewId(IdPrefix.NetworkZone, now), OrgId = caller.OrgId, Type = definition.Type, Name = definition.Name,
            Status = definition.Status ?? ZoneStatuses.Active, Usage = definition.Usage, DetailsJson = definition.Details.ToJsonString(),
            Created = now, LastUpdated = now,
        };
        await write.RunAsync(caller.OrgId, async () =>
        {
            await EnsureNameFreeAsync(db, zone, context.RequestAborted);
            db.NetworkZones.Add(zone);
            log.Stage(EventTypes.ZoneCreate, [NetworkZoneResources.Target(zone)], debugData: DebugData(zone));
            if (zone.Usage == ZoneUsages.Blocklist)
            {
                log.Stage(EventTypes.ZoneMakeBlocklist, [NetworkZoneResources.Target(zone)], debugData: DebugData(zone));
            }
        }, context.RequestAborted);
        snapshots.Forget(caller.OrgId);
        return ApiResponses.Json(NetworkZoneResources.ToResource(zone, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Replace(string zoneId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, ZoneSnapshots snapshots)
    {
        var caller = ApiCaller.Required(context);
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var zone = await write.RunAsync(caller.OrgId, async () =>
        {
            var zone = await FindAsync(db, caller, zoneId, context.RequestAborted, track: true);
            var definition = ZoneDefinition.Read(body, zone.System);
            if (definition.Type != zone.Type)
            {
                throw new ApiException(ApiErrors.Validation("type", $"The type of a network zone cannot be changed (it is {zone.Type})"));
            }

            var previousUsage = zone.Usage;
            zone.Name = definition.Name;
            zone.Usage = definition.Usage;
            zone.DetailsJson = definition.Details.ToJsonString();
            zone.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
            await EnsureNameFreeAsync(db, zone, context.RequestAborted);
            log.Stage(EventTypes.ZoneUpdate, [NetworkZoneResources.Target(zone)], debugData: DebugData(zone));
            if (previousUsage != zone.Usage)
            {
                log.Stage(zone.Usage == ZoneUsages.Blocklist ? EventTypes.ZoneMakeBlocklist : EventTypes.ZoneRemoveBlocklist,
                    [NetworkZoneResources.Target(zone)], debugData: DebugData(zone));
            }

            return zone;
        }, context.RequestAborted);
        snapshots.Forget(caller.OrgId);
        return ApiResponses.Json(NetworkZoneResources.ToResource(zone, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Delete(string zoneId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        ZoneSnapshots snapshots)
    {
        var caller = ApiCaller.Required(context);
        await write.RunAsync(caller.OrgId, async () =>
        {
            var zone = await FindAsync(db, caller, zoneId, context.RequestAborted, track: true);
            if (zone.System)
            {
                throw new ApiException(ApiErrors.Precondition($"The zone: {zone.Name} is a system zone. System zones cannot be deleted.",
                    $"id: The zone: {zone.Id} is a system zone. System zones cannot be deleted."));
            }

            if (zone.Status == ZoneStatuses.Active)
            {
                // The real service's answer since 2024 (Identity Engine orgs): deactivate first.
                throw new ApiException(ApiErrors.Precondition($"The zone: {zone.Name} is an active zone. Active zones cannot be deleted.",
                    $"id: The zone: {zone.Id} is an active zone. Active zones cannot be deleted."));
            }

            db.NetworkZones.Remove(zone);
            log.Stage(EventTypes.ZoneDelete, [NetworkZoneResources.Target(zone)], debugData: DebugData(zone));
        }, context.RequestAborted);
        snapshots.Forget(caller.OrgId);
        return ApiResponses.NoContent();
    }

    private static Task<IResult> Activate(string zoneId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, ZoneSnapshots snapshots) =>
        ChangeStatusAsync(zoneId, ZoneStatuses.Active, EventTypes.ZoneActivate, context, db, write, log, time, snapshots);

    private static Task<IResult> Deactivate(string zoneId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, ZoneSnapshots snapshots) =>
        ChangeStatusAsync(zoneId, ZoneStatuses.Inactive, EventTypes.ZoneDeactivate, context, db, write, log, time, snapshots);

    /// <summary>Activate or deactivate: 200 with the zone; a zone already in that status is answered unchanged, with no event.</summary>
    private static async Task<IResult> ChangeStatusAsync(string zoneId, string status, EventType eventType, HttpContext context,
        LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, ZoneSnapshots snapshots)
    {
        var caller = ApiCaller.Required(context);
        var zone = await write.RunAsync(caller.OrgId, async () =>
        {
            var zone = await FindAsync(db, caller, zoneId, context.RequestAborted, track: true);
            if (zone.Status != status)
            {
                zone.Status = status;
                zone.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
                log.Stage(eventType, [NetworkZoneResources.Target(zone)], debugData: DebugData(zone));
            }

            return zone;
        }, context.RequestAborted);
        snapshots.Forget(caller.OrgId);
        return ApiResponses.Json(NetworkZoneResources.ToResource(zone, ApiUrls.ApiBase(context.Request)));
    }

    public static async Task<NetworkZoneEntity> FindAsync(LatchkeyDbContext db, ApiCaller caller, string zoneId, CancellationToken ct, bool track = false)
    {
        var query = track ? db.NetworkZones : db.NetworkZones.AsNoTracking();
        return await query.FirstOrDefaultAsync(z => z.Id == zoneId && z.OrgId == caller.OrgId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(zoneId, "NetworkZone"));
    }

    private static async Task EnsureNameFreeAsync(LatchkeyDbContext db, NetworkZoneEntity zone, CancellationToken ct)
    {
        if (await db.NetworkZones.AnyAsync(z => z.OrgId == zone.OrgId && z.Name == zone.Name && z.Id != zone.Id, ct))
        {
            throw new ApiException(ApiErrors.Validation("name", Core.Users.ProfileRules.Taken));
        }
    }

    /// <summary>The catalogue's <c>NetworkZoneDebugData</c>: what the zone is after the change.</summary>
    private static Dictionary<string, object?> DebugData(NetworkZoneEntity zone) => new(StringComparer.Ordinal)
    {
        ["zoneType"] = zone.Type, ["zoneUsage"] = zone.Usage, ["zoneStatus"] = zone.Status,
    };
}
