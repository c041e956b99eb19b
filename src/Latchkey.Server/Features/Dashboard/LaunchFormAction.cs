using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Dashboard;

/// <summary>
/// A step-up for an app ends in a redirect chain that a sign-in form starts: the form's post, the app link
/// (<c>/home/{appName}/{appId}/{linkId}</c>), then the app's own URL. Browsers check every hop of a form's navigation
/// against the form page's CSP <c>form-action</c> ('self' only), so the last hop was blocked (net::ERR_ABORTED) and the
/// person stayed on the sign-in page. A sign-in page whose <c>fromURI</c> is an app link therefore also allows that one
/// app's origin, and nothing else.
/// </summary>
public static class LaunchFormAction
{
    public static async Task AllowAppOfAsync(HttpResponse response, LatchkeyDbContext db, string? fromUri, CancellationToken ct)
    {
        var parts = fromUri?.Split('?')[0].Split('/');
        if (parts is not ["", "home", _, { Length: > 0 and <= 20 } appId, _] || response.HasStarted)
        {
            return;
        }

        var app = await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == appId && a.Status == "ACTIVE", ct);
        var url = app is null ? null : DashboardApps.ToTile(app)?.Url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttps && target.Scheme != Uri.UriSchemeHttp))
        {
            return;
        }

        var policy = response.Headers.ContentSecurityPolicy.ToString();
        response.Headers.ContentSecurityPolicy = policy.Replace("form-action 'self'", $"form-action 'self' {target.GetLeftPart(UriPartial.Authority)}",
            StringComparison.Ordinal);
    }
}
