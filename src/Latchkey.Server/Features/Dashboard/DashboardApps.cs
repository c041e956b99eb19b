using System.Text.Json.Nodes;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Dashboard;

/// <summary>An app tile of the end-user dashboard.</summary>
public sealed record AppTile(string Id, string Name, string Label, string LinkId, string? Url)
{
    public string LaunchPath => $"/home/{Uri.EscapeDataString(Name)}/{Id}/{LinkId}";
}

/// <summary>The apps a person sees on their dashboard: active apps assigned to them directly or through a group, not hidden from the web.</summary>
public static class DashboardApps
{
    public static async Task<List<AppTile>> ForUserAsync(LatchkeyDbContext db, string orgId, string userId, CancellationToken ct)
    {
        var ids = AppAssignments.AssignedAppIds(db, userId);
        var apps = await db.Apps.AsNoTracking().Where(a => a.OrgId == orgId && a.Status == "ACTIVE" && ids.Contains(a.Id))
            .OrderBy(a => a.LabelKey).ToListAsync(ct);
        return apps.Select(ToTile).Where(t => t is not null).Select(t => t!).ToList();
    }

    /// <summary>The tile of one app, or null when the app hides itself from the dashboard.</summary>
    public static AppTile? ToTile(AppEntity app)
    {
        var body = JsonNode.Parse(app.BodyJson) as JsonObject;
        if (body?["visibility"]?["hide"]?["web"]?.GetValue<bool>() == true)
        {
            return null;
        }

        var url = body?["settings"]?["app"]?["url"]?.GetValue<string>();
        return new AppTile(app.Id, app.Name, app.Label, app.AppLinkId, url);
    }
}
