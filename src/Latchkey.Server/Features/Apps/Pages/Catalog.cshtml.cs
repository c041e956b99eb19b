using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Features.Apps.Pages;

/// <summary>
/// The app catalog: what can be added (a Bookmark app today; later issues add their integrations here). Adding goes through
/// the same code as <c>POST /api/v1/apps</c>, so a bad label or URL is refused with the API's causes.
/// </summary>
public sealed class CatalogPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, DesktopMfa.DesktopMfaSecrets secrets) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.AppsRead;
    public override string Section => ConsoleNavigation.Applications;

    public string? AppLabel { get; private set; }
    public string? AppUrl { get; private set; }

    public void OnGet()
    {
    }

    [Requires(AdminPermission.AppsManage)]
    public async Task<IActionResult> OnPostAddBookmarkAsync([FromForm] string? label, [FromForm] string? url)
    {
        (AppLabel, AppUrl) = (label, url);
        return await AddAsync(async () =>
        {
            var app = (await AppsApi.CreateAsync(Caller, Bookmark(label?.Trim(), url?.Trim()), activate: true, db, write, log, time, secrets,
                HttpContext.RequestAborted)).App;
            return ($"Added {app.Label}. Assign it to people or groups so it shows on their dashboards.", $"/admin/apps/{app.Id}");
        });
    }

    /// <summary>The Application body of a Bookmark app, as an API client sends it.</summary>
    public static JsonObject Bookmark(string? label, string? url) => new()
    {
        ["name"] = "bookmark", ["label"] = label ?? "", ["signOnMode"] = AppDefinitions.Bookmark,
        ["settings"] = new JsonObject { ["app"] = new JsonObject { ["url"] = url ?? "", ["requestIntegration"] = false } },
    };
}
