using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Dashboard.Pages;

/// <summary>
/// <c>GET /home/{appName}/{appId}/{linkId}</c>, the app link of the real service (each app's <c>_links.appLinks</c>): a
/// signed-in person to whom the app is assigned is sent to it (a Bookmark app: its URL), and the launch is recorded
/// (<c>user.authentication.sso</c>, also when refused, as the real service does). A visitor signs in first and comes back
/// (<see cref="SignedInPage"/>). Later issues evaluate the app's authentication policy here.
/// </summary>
public sealed class LaunchPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log) : SignedInPage
{
    public async Task<IActionResult> OnGetAsync(string appName, string appId, string linkId)
    {
        ViewData["Me"] = Me;
        var ct = HttpContext.RequestAborted;
        var app = appId.Length > 20 ? null : await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == appId && a.OrgId == Me.OrgId, ct);
        var assigned = app is not null && app.Status == "ACTIVE" && app.Name == appName && app.AppLinkId == linkId
            && await AppAssignments.AssignedAppIds(db, Me.User.Id).ContainsAsync(app.Id, ct);
        var target = assigned ? DashboardApps.ToTile(app!)?.Url : null;
        await write.RunAsync(Me.OrgId, () =>
        {
            var targets = new List<LogTarget> { UserResources.Target(Me.User) };
            if (app is not null)
            {
                targets.Add(AppResources.Target(app));
            }

            log.Stage(EventTypes.UserSso, targets, target is null
                    ? new LogOutcome(LogOutcomeResult.Failure, app is null ? "APP_NOT_FOUND" : "APP_NOT_ASSIGNED")
                    : new LogOutcome(LogOutcomeResult.Success),
                actor: Me.Actor, debugData: new Dictionary<string, object?> { ["initiationType"] = "IDP_INITIATED" });
            return Task.CompletedTask;
        }, ct);

        if (target is null)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        return Redirect(target);
    }
}
