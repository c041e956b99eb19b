using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Dashboard;

/// <summary>
/// <c>GET /api/v1/users/me/appLinks</c> with the <c>sid</c> cookie (no API token), as the real service's dashboard reads
/// it: the signed-in person's app tiles (<c>AppLink</c>: <c>id</c>, <c>label</c>, <c>linkUrl</c>, <c>appName</c>,
/// <c>appInstanceId</c>, ...). <c>latchkey-verify open</c> finds an app's link here. No session: 403 E0000005.
/// </summary>
public static class AppLinksApi
{
    public const string Path = "/api/v1/users/me/appLinks";

    public static void MapAppLinksApi(this RouteGroupBuilder api) =>
        api.MapGet("/users/me/appLinks", ListAsync).NeedsNoAdminPermission("the session cookie's own endpoint: no API token");

    private static async Task<IResult> ListAsync(HttpContext context, SessionStore sessions, LatchkeyDbContext db, CancellationToken ct)
    {
        var me = await sessions.SignedInAsync(context, ct) ?? throw new ApiException(ApiErrors.InvalidSession());
        var tiles = await DashboardApps.ForUserAsync(db, me.User.OrgId, me.User.Id, ct);
        var origin = ApiUrls.OrgUrl(context.Request);
        var links = new JsonArray();
        var order = 0;
        foreach (var tile in tiles)
        {
            links.Add(new JsonObject
            {
                ["id"] = tile.Id, ["label"] = tile.Label, ["linkUrl"] = origin + tile.LaunchPath, ["logoUrl"] = null, ["appName"] = tile.Name,
                ["appInstanceId"] = tile.Id, ["appAssignmentId"] = null, ["credentialsSetup"] = false, ["hidden"] = false, ["sortOrder"] = order++,
            });
        }

        return Results.Json(links);
    }
}
