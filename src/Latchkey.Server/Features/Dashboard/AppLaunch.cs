using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Dashboard;

/// <summary>
/// <c>GET /home/{appName}/{appId}/{linkId}</c>, the app link of the real service (each app's <c>_links.appLinks</c>): a
/// signed-in person to whom the app is assigned is sent to it (a Bookmark app: its URL), and the launch is recorded
/// (<c>user.authentication.sso</c>, also when refused, as the real service does). A visitor signs in first and comes back.
/// Later issues evaluate the app's authentication policy here.
/// </summary>
public static class AppLaunch
{
    public static void MapAppLaunch(this IEndpointRouteBuilder app) =>
        app.MapGet("/home/{appName}/{appId}/{linkId}", LaunchAsync).ExcludeFromDescription();

    private static async Task<IResult> LaunchAsync(string appName, string appId, string linkId, HttpContext context, WebUserAccessor users,
        LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        var me = await users.GetAsync(context);
        if (me is null)
        {
            return Results.Redirect("/?fromURI=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        }

        var ct = context.RequestAborted;
        var app = appId.Length > 20 ? null : await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == appId && a.OrgId == me.OrgId, ct);
        var assigned = app is not null && app.Status == "ACTIVE" && app.Name == appName && app.AppLinkId == linkId
            && (await db.AppUsers.AnyAsync(a => a.AppId == app.Id && a.UserId == me.User.Id, ct)
                || await db.AppGroups.Where(a => a.AppId == app.Id)
                    .Join(db.GroupMembers.Where(m => m.UserId == me.User.Id), a => a.GroupId, m => m.GroupId, (a, _) => a).AnyAsync(ct));
        var tile = assigned ? DashboardApps.ToTile(app!) : null;
        var target = tile?.Url;
        await write.RunAsync(me.OrgId, () =>
        {
            var targets = new List<LogTarget> { UserResources.Target(me.User) };
            if (app is not null)
            {
                targets.Add(AppResources.Target(app));
            }

            log.Stage(EventTypes.UserSso, targets, target is null
                    ? new LogOutcome(LogOutcomeResult.Failure, app is null ? "APP_NOT_FOUND" : "APP_NOT_ASSIGNED")
                    : new LogOutcome(LogOutcomeResult.Success),
                actor: me.Actor, debugData: new Dictionary<string, object?> { ["initiationType"] = "IDP_INITIATED" });
            return Task.CompletedTask;
        }, ct);

        if (target is null)
        {
            return Results.Content(NotAssignedPage, "text/html; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }

        return Results.Redirect(target);
    }

    private const string NotAssignedPage = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="stylesheet" href="/css/latchkey.css"><title>App not available - Latchkey</title></head>
        <body class="signin"><main class="signin-card" id="main"><h1>This app is not available to you</h1>
        <p role="alert">It is not assigned to you, or it was deactivated. Ask your administrator.</p>
        <p><a href="/app/UserHome">Back to my apps</a></p></main></body></html>
        """;
}
