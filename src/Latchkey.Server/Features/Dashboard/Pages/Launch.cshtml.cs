using Latchkey.Core.Admin;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Dashboard.Pages;

/// <summary>
/// <c>GET /home/{appName}/{appId}/{linkId}</c>, the app link of the real service (each app's <c>_links.appLinks</c>): a
/// signed-in person to whom the app is assigned is sent to it (a Bookmark app: its URL) when the app's access policy
/// allows it for this session, its device and its network (<see cref="AppAccess"/>). The evaluation is logged
/// (<c>policy.evaluate_sign_on</c> with the trace) and so is the launch (<c>user.authentication.sso</c>, also when
/// refused, with the reason). A visitor signs in first and comes back (<see cref="SignedInPage"/>).
/// </summary>
public sealed class LaunchPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, AppAccess access, TimeProvider time,
    Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection) : SignedInPage
{
    /// <summary>Why the app was refused and what to do, for the page; null: not assigned or not found.</summary>
    public AppAccessResult? Refusal { get; private set; }

    /// <summary>For an admin who may read policies, Access testing with this person, app and device filled in; null for anyone else.</summary>
    public string? AccessTestingHref { get; private set; }

    public async Task<IActionResult> OnGetAsync(string appName, string appId, string linkId)
    {
        ViewData["Me"] = Me;
        var ct = HttpContext.RequestAborted;
        var app = appId.Length > 20 ? null : await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == appId && a.OrgId == Me.OrgId, ct);
        var assigned = app is not null && app.Status == "ACTIVE" && app.Name == appName && app.AppLinkId == linkId
            && await AppAssignments.AssignedAppIds(db, Me.User.Id).ContainsAsync(app.Id, ct);
        var url = assigned ? DashboardApps.ToTile(app!)?.Url : null;
        var stepUp = new LaunchStepUp(protection, time);
        var (started, steppedUp) = url is null ? default : stepUp.RequestStarted(HttpContext, app!.Id);
        var decision = url is null ? null : await access.EvaluateAsync(app!, Me.Session, HttpContext.Connection.RemoteIpAddress,
            HttpContext.Request.Headers["X-Forwarded-For"].OfType<string>(), started, afterStepUp: steppedUp, ct);
        var target = decision is { Allowed: true } ? url : null;
        await write.RunAsync(Me.OrgId, () =>
        {
            var targets = new List<LogTarget> { UserResources.Target(Me.User) };
            if (app is not null)
            {
                targets.Add(AppResources.Target(app));
            }

            if (decision is not null)
            {
                log.Stage(EventTypes.PolicyEvaluateSignOn, [.. targets, PolicyEvaluation.Target(decision)],
                    decision.Outcome == "ALLOW" ? new LogOutcome(LogOutcomeResult.Allow) : new LogOutcome(decision.Outcome == "DENY" ? LogOutcomeResult.Deny : LogOutcomeResult.Challenge, decision.Reason),
                    actor: Me.Actor, debugData: PolicyEvaluation.DebugData(decision));
            }

            log.Stage(EventTypes.UserSso, targets, target is not null
                    ? new LogOutcome(LogOutcomeResult.Success)
                    : new LogOutcome(LogOutcomeResult.Failure, app is null ? "APP_NOT_FOUND" : url is null ? "APP_NOT_ASSIGNED" : decision!.Reason),
                actor: Me.Actor, debugData: new Dictionary<string, object?> { ["initiationType"] = "IDP_INITIATED" });
            return Task.CompletedTask;
        }, ct);

        if (target is null)
        {
            Refusal = decision;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            Response.Headers["Latchkey-Access"] = decision?.Outcome ?? "DENY";
            Response.Headers["Latchkey-Access-Reason"] = Uri.EscapeDataString(decision?.Reason ?? "The app is not assigned to you, or it was deactivated.");
            if (decision?.Outcome == "CHALLENGE")
            {
                stepUp.Begin(HttpContext, app!.Id);
            }
            else if (decision is not null && Me.Grant.Allows(AdminPermission.AccessConsole) && Me.Grant.Allows(AdminPermission.PoliciesRead))
            {
                AccessTestingHref = await AccessTestingHrefAsync(app!, ct);
            }

            return Page();
        }

        stepUp.End(HttpContext);
        return Redirect(target);
    }

    /// <summary>The Access testing page's query for this launch: the person, the app, and what the session's device was.</summary>
    private async Task<string> AccessTestingHrefAsync(AppEntity app, CancellationToken ct)
    {
        var device = await (from d in db.Devices.AsNoTracking()
                            join link in db.DeviceUsers.AsNoTracking() on d.Id equals link.DeviceId
                            where d.Id == Me.Session.DeviceId && link.UserId == Me.User.Id
                            select new { Active = d.Status == "ACTIVE", d.Platform, Managed = link.ManagementStatus == "MANAGED" }).FirstOrDefaultAsync(ct);
        var query = $"?user={Uri.EscapeDataString(Me.User.Login)}&app={Uri.EscapeDataString(app.Id)}";
        if (device is { Active: true })
        {
            query += "&registered=true" + (device.Managed ? "&managed=true" : "");
        }

        return "/admin/access-testing" + query + (device?.Platform is { } platform ? "&platform=" + Uri.EscapeDataString(platform) : "");
    }
}
