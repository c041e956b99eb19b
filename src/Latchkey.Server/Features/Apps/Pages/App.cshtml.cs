using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Apps.Pages;

/// <summary>
/// An application: its settings (label, URL), who it is assigned to (people directly, and groups), activate or deactivate,
/// and delete once inactive. Every change goes through the same code as the apps API, with its rules and refusals.
/// </summary>
public sealed class AppPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public const int MaxListed = 200;

    public override AdminPermission Reads => AdminPermission.AppsRead;
    public override string Section => ConsoleNavigation.Applications;

    public AppEntity App { get; private set; } = null!;
    public string? AppUrl { get; private set; }
    public IReadOnlyList<UserEntity> People { get; private set; } = [];
    public IReadOnlyList<GroupEntity> Groups { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : Missing();

    [Requires(AdminPermission.AppsManage)]
    public async Task<IActionResult> OnPostSettingsAsync(string id, [FromForm] string? label, [FromForm] string? url)
    {
        if (!await LoadAsync(id))
        {
            return Missing();
        }

        // The stored app with the label and URL changed: everything else the app has stays as it is.
        var input = JsonNode.Parse(App.BodyJson, documentOptions: ApiJson.DocumentOptions) as JsonObject ?? [];
        input["name"] = App.Name;
        input["signOnMode"] = App.SignOnMode;
        input["label"] = label?.Trim() ?? "";
        var settings = input["settings"] as JsonObject ?? [];
        var app = settings["app"] as JsonObject ?? [];
        app["url"] = url?.Trim() ?? "";
        settings["app"] = app;
        input["settings"] = settings;
        return await ChangeAsync(async () =>
        {
            var saved = await AppsApi.ReplaceAsync(Caller, id, input, db, write, log, time, HttpContext.RequestAborted);
            return $"Saved the settings of {saved.Label}.";
        }, Here(id));
    }

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostAssignPersonAsync(string id, [FromForm] string? username) => ChangeAsync(async () =>
    {
        if (string.IsNullOrWhiteSpace(username))
        {
            throw new ApiException(ApiErrors.Validation("username", "Enter the username of the person to assign"));
        }

        var (_, user) = await AppAssignments.UpsertUserAsync(Caller, id, username.Trim(), [], mustExist: false, db, write, log, time,
            HttpContext.RequestAborted);
        return $"Assigned to {user.FirstName} {user.LastName} ({user.Login}).";
    }, Here(id));

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostUnassignPersonAsync(string id, [FromForm] string? userId) => ChangeAsync(async () =>
    {
        await AppAssignments.UnassignUserAsync(Caller, id, userId ?? "", db, write, log, HttpContext.RequestAborted);
        return "The person was unassigned.";
    }, Here(id));

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostAssignGroupAsync(string id, [FromForm] string? groupName) => ChangeAsync(async () =>
    {
        var group = await FindGroupAsync(groupName?.Trim());
        await AppAssignments.AssignGroupAsync(Caller, id, group.Id, [], db, write, log, time, HttpContext.RequestAborted);
        return $"Assigned to the group {group.Name}.";
    }, Here(id));

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostUnassignGroupAsync(string id, [FromForm] string? groupId) => ChangeAsync(async () =>
    {
        await AppAssignments.UnassignGroupAsync(Caller, id, groupId ?? "", db, write, log, HttpContext.RequestAborted);
        return "The group was unassigned.";
    }, Here(id));

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostActivateAsync(string id) => SetStatusAsync(id, AppStatus.Active);

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostDeactivateAsync(string id) => SetStatusAsync(id, AppStatus.Inactive);

    [Requires(AdminPermission.AppsManage)]
    public Task<IActionResult> OnPostDeleteAsync(string id) => ChangeAsync(async () =>
    {
        var app = await AppsApi.FindAsync(db, Caller, id, HttpContext.RequestAborted);
        await AppsApi.DeleteAsync(Caller, id, db, write, log, HttpContext.RequestAborted);
        return $"{app.Label} was deleted.";
    }, "/admin/apps");

    private Task<IActionResult> SetStatusAsync(string id, string status) => ChangeAsync(async () =>
    {
        await AppsApi.SetStatusAsync(Caller, id, status, db, write, log, time, HttpContext.RequestAborted);
        return status == AppStatus.Active ? "The application is active: assigned people see its tile." : "The application is inactive: its tile is hidden.";
    }, Here(id));

    /// <summary>A group by its name (ignoring case; a group made here before the built-in one of the same name) or by its id.</summary>
    private async Task<GroupEntity> FindGroupAsync(string? nameOrId)
    {
        if (string.IsNullOrEmpty(nameOrId))
        {
            throw new ApiException(ApiErrors.Validation("groupName", "Enter the name of the group to assign"));
        }

        var key = nameOrId.ToLowerInvariant();
        var matches = await db.Groups.AsNoTracking().Where(g => g.OrgId == Me.OrgId && (g.NameKey == key || g.Id == nameOrId))
            .ToListAsync(HttpContext.RequestAborted);
        return matches.OrderBy(g => g.Id == nameOrId ? 0 : g.Type == GroupTypes.Okta ? 1 : 2).FirstOrDefault()
            ?? throw new ApiException(ApiErrors.NotFound(nameOrId, "UserGroup"));
    }

    private static string Here(string id) => "/admin/apps/" + Uri.EscapeDataString(id);

    private IActionResult Missing() => NotFoundPage("Application", "/admin/apps", "Back to Applications");

    private async Task<bool> LoadAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        var app = await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id && a.OrgId == Me.OrgId, ct);
        if (app is null)
        {
            return false;
        }

        App = app;
        AppUrl = (string?)(JsonNode.Parse(app.BodyJson, documentOptions: ApiJson.DocumentOptions)?["settings"]?["app"]?["url"]);
        People = await db.AppUsers.Where(a => a.AppId == app.Id).Join(db.Users, a => a.UserId, u => u.Id, (a, u) => u)
            .OrderBy(u => u.LoginKey).Take(MaxListed).AsNoTracking().ToListAsync(ct);
        Groups = await db.AppGroups.Where(a => a.AppId == app.Id).Join(db.Groups, a => a.GroupId, g => g.Id, (a, g) => g)
            .OrderBy(g => g.NameKey).Take(MaxListed).AsNoTracking().ToListAsync(ct);
        return true;
    }
}
