using Latchkey.Core.Admin;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Groups.Pages;

/// <summary>
/// A group: its members (paged), "Add member" by username and "Remove" through the same code as the group members API,
/// and "Delete group" for the groups an admin made (OKTA_GROUP; Everyone and app groups are managed elsewhere).
/// </summary>
public sealed class GroupPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokens.ApiTokenCache tokens) : ConsolePage
{
    public const int PageSize = 50;

    public override AdminPermission Reads => AdminPermission.GroupsRead;
    public override string Section => ConsoleNavigation.Groups;

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public GroupEntity Group { get; private set; } = null!;
    public IReadOnlyList<UserEntity> Members { get; private set; } = [];
    public IReadOnlyList<AppEntity> Apps { get; private set; } = [];
    public string? NextHref { get; private set; }

    /// <summary>Whether members can be added and removed here (only OKTA_GROUP memberships change by hand).</summary>
    public bool Changeable => Group.Type == GroupTypes.Okta;

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : Missing();

    [Requires(AdminPermission.GroupsManage)]
    public Task<IActionResult> OnPostAddMemberAsync(string id, [FromForm] string? username) => ChangeAsync(async () =>
    {
        if (string.IsNullOrWhiteSpace(username))
        {
            throw new Core.Errors.ApiException(Core.Errors.ApiErrors.Validation("username", "Enter the username of the person to add"));
        }

        var user = await GroupsApi.AddMemberAsync(Caller, id, username.Trim(), db, write, log, time, tokens, HttpContext.RequestAborted);
        return $"{user.FirstName} {user.LastName} ({user.Login}) is a member.";
    }, Here(id));

    [Requires(AdminPermission.GroupsManage)]
    public Task<IActionResult> OnPostRemoveMemberAsync(string id, [FromForm] string? userId) => ChangeAsync(async () =>
    {
        await GroupsApi.RemoveMemberAsync(Caller, id, userId ?? "", db, write, log, time, tokens, HttpContext.RequestAborted);
        return "The member was removed.";
    }, Here(id));

    [Requires(AdminPermission.GroupsManage)]
    public async Task<IActionResult> OnPostDeleteAsync(string id)
    {
        var group = await db.Groups.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id && g.OrgId == Me.OrgId, HttpContext.RequestAborted);
        if (group is null)
        {
            return Missing();
        }

        if (group.Type != GroupTypes.Okta)
        {
            FlashError = "Only groups created here can be deleted.";
            return LocalRedirect(Here(id));
        }

        return await ChangeAsync(async () =>
        {
            await GroupsApi.DeleteAsync(Caller, id, db, write, log, tokens, HttpContext.RequestAborted);
            return $"The group {group.Name} was deleted.";
        }, "/admin/groups");
    }

    private static string Here(string id) => "/admin/groups/" + Uri.EscapeDataString(id);

    private IActionResult Missing() => NotFoundPage("Group", "/admin/groups", "Back to Groups");

    private async Task<bool> LoadAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        var group = await db.Groups.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id && g.OrgId == Me.OrgId, ct);
        if (group is null)
        {
            return false;
        }

        Group = group;
        var after = After is { Length: > 0 and <= 64 } ? After : null;
        var members = await db.GroupMembers.Where(m => m.GroupId == group.Id && (after == null || string.Compare(m.UserId, after) > 0))
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => u).OrderBy(u => u.Id).Take(PageSize + 1).AsNoTracking().ToListAsync(ct);
        if (members.Count > PageSize)
        {
            members.RemoveAt(PageSize);
            NextHref = $"{Here(id)}?after={members[^1].Id}";
        }

        Members = members;
        Apps = await db.AppGroups.Where(a => a.GroupId == group.Id).Join(db.Apps, a => a.AppId, app => app.Id, (a, app) => app)
            .OrderBy(a => a.LabelKey).Take(100).AsNoTracking().ToListAsync(ct);
        return true;
    }
}
