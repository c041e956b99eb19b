using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Filtering;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.DeviceIntegrations;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Devices;

/// <summary>A page of devices and the position after its last row (null: the last page).</summary>
public sealed record DevicePage(List<DeviceEntity> Devices, string? Next);

/// <summary>
/// <c>/api/v1/devices</c> (okta-api.md §7.1): list (<c>search</c>, <c>expand=user|userSummary</c>, paging), get, the
/// lifecycle (<see cref="DeviceLifecycle"/>), delete, a device's users, and <c>GET /users/{id}/devices</c>.
/// Devices are created by the authenticator app's enrollment (docs/authenticator-app.md), never through this API.
/// </summary>
public static class DevicesApi
{
    private static readonly FilterOperator[] Ordered = [FilterOperator.Eq, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.Lt, FilterOperator.Le];

    private static readonly FilterOperator[] Text = [FilterOperator.Eq, FilterOperator.Sw, FilterOperator.Pr];

    /// <summary>Every profile attribute, <c>id</c>, <c>status</c>, <c>created</c>, <c>lastUpdated</c>; <c>co</c> only where the spec allows it.</summary>
    private static readonly FilterGrammar SearchRules = new FilterGrammar()
        .AllowPrefix("profile.", Text)
        .Allow("profile.displayName", [.. Text, FilterOperator.Co]).Allow("profile.serialNumber", [.. Text, FilterOperator.Co])
        .Allow("profile.imei", [.. Text, FilterOperator.Co]).Allow("profile.meid", [.. Text, FilterOperator.Co])
        .Allow("profile.udid", [.. Text, FilterOperator.Co]).Allow("profile.sid", [.. Text, FilterOperator.Co])
        .Allow("id", FilterOperator.Eq).Allow("status", FilterOperator.Eq)
        .Allow("created", Ordered).Allow("lastUpdated", Ordered);

    private static readonly FilterColumns<DeviceEntity> Columns = new FilterColumns<DeviceEntity>()
        .String("id", d => d.Id).String("status", d => d.Status).String("profile.displayName", d => d.DisplayName)
        .String("profile.platform", d => d.Platform).String("profile.serialNumber", d => d.SerialNumber)
        .Date("created", d => d.Created).Date("lastUpdated", d => d.LastUpdated);

    private static readonly ListSpec DevicesList = new("devices", new PageLimits(200, 200));

    /// <summary>The most devices one page reads when a search names an attribute kept only in the stored profile.</summary>
    private const int MaxScanned = 10_000;

    public static void MapDevicesApi(this RouteGroupBuilder api)
    {
        var devices = api.MapGroup("/devices");
        devices.MapGet("", List).AsList(DevicesList).Requires(AdminPermission.DevicesRead);
        devices.MapGet("/{deviceId}", Get).Requires(AdminPermission.DevicesRead);
        devices.MapDelete("/{deviceId}", Delete).Requires(AdminPermission.DevicesManage);
        devices.MapGet("/{deviceId}/users", Users).Requires(AdminPermission.DevicesRead);
        foreach (var operation in new[] { DeviceLifecycle.Activate, DeviceLifecycle.Deactivate, DeviceLifecycle.Suspend, DeviceLifecycle.Unsuspend })
        {
            devices.MapPost($"/{{deviceId}}/lifecycle/{operation}",
                    (string deviceId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) => ChangeAsync(deviceId, operation, c, db, w, l, t))
                .Requires(AdminPermission.DevicesManage);
        }

        // Under the user: the spec asks for the right to read users; the devices are shown too, so both are required.
        api.MapGet("/users/{userId}/devices", UserDevices).Requires(AdminPermission.UsersRead).Requires(AdminPermission.DevicesRead);
    }

    /// <summary>
    /// One page of the org's devices in id order after <paramref name="after"/>, matching <paramref name="search"/>: in the
    /// database when it names stored columns only, else over at most <see cref="MaxScanned"/> devices per page in memory.
    /// </summary>
    public static async Task<DevicePage> PageAsync(LatchkeyDbContext db, string orgId, FilterNode? search, string? after, int pageSize,
        CancellationToken ct)
    {
        var devices = db.Devices.AsNoTracking().Where(d => d.OrgId == orgId && (after == null || string.Compare(d.Id, after) > 0));
        if (search is not null && Columns.Covers(search))
        {
            devices = devices.Where(Columns.Translate(search, ignoreCase: true));
            search = null;
        }

        if (search is null)
        {
            var page = await devices.OrderBy(d => d.Id).Take(pageSize + 1).ToListAsync(ct);
            return new DevicePage(page, Paging.Trim(page, pageSize) ? page[^1].Id : null);
        }

        var scanned = await devices.OrderBy(d => d.Id).Take(MaxScanned).ToListAsync(ct);
        var matches = scanned.Where(d => JsonFilterEvaluator.Matches(search, AsDocument(d), StringComparison.OrdinalIgnoreCase)).Take(pageSize + 1).ToList();
        return new DevicePage(matches, Paging.Trim(matches, pageSize) ? matches[^1].Id : scanned.Count == MaxScanned ? scanned[^1].Id : null);
    }

    /// <summary>The device as a search sees it: the resource's top-level attributes and its whole profile.</summary>
    private static JsonObject AsDocument(DeviceEntity d) => new()
    {
        ["id"] = d.Id, ["status"] = d.Status, ["created"] = IsoTime.Write(d.Created), ["lastUpdated"] = IsoTime.Write(d.LastUpdated),
        ["profile"] = DeviceResources.Profile(d),
    };

    /// <summary>The users on each of <paramref name="deviceIds"/>, oldest link first, each with why it is not MANAGED.</summary>
    public static async Task<ILookup<string, DeviceUserRow>> UsersOfAsync(LatchkeyDbContext db, string orgId, IReadOnlyCollection<string> deviceIds,
        CancellationToken ct)
    {
        var rows = await db.DeviceUsers.AsNoTracking().Where(l => l.OrgId == orgId && deviceIds.Contains(l.DeviceId))
            .Join(db.Users.AsNoTracking(), l => l.UserId, u => u.Id, (l, u) => new { l, u })
            .Join(db.Devices.AsNoTracking(), r => r.l.DeviceId, d => d.Id, (r, d) => new { r.l, r.u, d.Platform }).ToListAsync(ct);
        var integrations = await DeviceManagement.IntegrationsAsync(db, orgId, ct);
        return rows.OrderBy(r => r.l.Created).ThenBy(r => r.u.Id, StringComparer.Ordinal)
            .ToLookup(r => r.l.DeviceId, r => new DeviceUserRow(r.l, r.u, DeviceManagement.WhyNotManaged(r.l, r.Platform, integrations)), StringComparer.Ordinal);
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var paging = Paging.Of(context);
        var search = Filters.ParseSearch(context.Request, "search", SearchRules);
        var page = await PageAsync(db, caller.OrgId, search, paging.After, paging.Limit, context.RequestAborted);
        Paging.WriteLinks(context, page.Next);

        var expand = context.Request.Query["expand"].ToString();
        var apiBase = ApiUrls.ApiBase(context.Request);
        var resources = page.Devices.Select(d => DeviceResources.ToResource(d, apiBase)).ToList();
        if (expand is "user" or "userSummary")
        {
            var users = await UsersOfAsync(db, caller.OrgId, page.Devices.Select(d => d.Id).ToList(), context.RequestAborted);
            foreach (var resource in resources)
            {
                resource["_embedded"] = new JsonObject
                {
                    ["users"] = new JsonArray(users[(string)resource["id"]!]
                        .Select(r => (JsonNode)DeviceResources.DeviceUser(r, apiBase, summary: expand == "userSummary")).ToArray()),
                };
            }
        }

        return ApiResponses.Json(new JsonArray(resources.Select(r => (JsonNode)r).ToArray()));
    }

    private static async Task<IResult> Get(string deviceId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var device = await DeviceLifecycle.FindAsync(db, caller.OrgId, deviceId, track: false, context.RequestAborted);
        return ApiResponses.Json(DeviceResources.ToResource(device, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Users(string deviceId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var device = await DeviceLifecycle.FindAsync(db, caller.OrgId, deviceId, track: false, context.RequestAborted);
        var users = await UsersOfAsync(db, caller.OrgId, [device.Id], context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(users[device.Id].Select(r => (JsonNode)DeviceResources.DeviceUser(r, apiBase)).ToArray()));
    }

    private static async Task<IResult> UserDevices(string userId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, userId, context.RequestAborted);
        var rows = await db.DeviceUsers.AsNoTracking().Where(l => l.OrgId == caller.OrgId && l.UserId == user.Id)
            .Join(db.Devices.AsNoTracking(), l => l.DeviceId, d => d.Id, (l, d) => new { l, d }).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var integrations = await DeviceManagement.IntegrationsAsync(db, caller.OrgId, context.RequestAborted);
        return ApiResponses.Json(new JsonArray(rows.OrderBy(r => r.l.Created).ThenBy(r => r.d.Id, StringComparer.Ordinal)
            .Select(r => (JsonNode)DeviceResources.UserDevice(r.l, r.d, apiBase, DeviceManagement.WhyNotManaged(r.l, r.d.Platform, integrations))).ToArray()));
    }

    private static async Task<IResult> ChangeAsync(string deviceId, string operation, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        await DeviceLifecycle.ChangeAsync(ApiCaller.Required(context), deviceId, operation, db, write, log, time, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    private static async Task<IResult> Delete(string deviceId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        await DeviceLifecycle.DeleteAsync(ApiCaller.Required(context), deviceId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }
}
