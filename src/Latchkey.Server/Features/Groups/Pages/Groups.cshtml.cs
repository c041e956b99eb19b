using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Groups.Pages;

/// <summary>Directory > Groups: the org's groups with their member counts, a name search, and "Create group" (the rules of <c>POST /api/v1/groups</c>).</summary>
public sealed class GroupsPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public const int PageSize = 50;

    public override AdminPermission Reads => AdminPermission.GroupsRead;
    public override string Section => ConsoleNavigation.Groups;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public IReadOnlyList<(GroupEntity Group, int Members)> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }
    public string? Name { get; private set; }
    public string? Description { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    [Requires(AdminPermission.GroupsManage)]
    public async Task<IActionResult> OnPostCreateAsync([FromForm] string? name, [FromForm] string? description)
    {
        (Name, Description) = (name, description);
        var profile = new JsonObject { ["name"] = name?.Trim() ?? "" };
        if (!string.IsNullOrWhiteSpace(description))
        {
            profile["description"] = description.Trim();
        }

        return await AddAsync(async () =>
        {
            var group = await GroupsApi.CreateAsync(Caller, profile, db, write, log, time, HttpContext.RequestAborted);
            return ($"Created the group {group.Name}. Add its members below.", $"/admin/groups/{group.Id}");
        }, LoadAsync);
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var groups = db.Groups.AsNoTracking().Where(g => g.OrgId == Me.OrgId);
        var q = Q?.Trim().ToLowerInvariant() ?? "";
        if (q.Length > 255)
        {
            Error ??= "A search has at most 255 characters.";
            q = "";
        }

        if (q.Length > 0)
        {
            groups = groups.Where(g => g.NameKey.StartsWith(q)); // the groups list's q: a prefix of the name
        }

        var after = After is { Length: > 0 and <= 64 } ? After : null;
        var page = await groups.Where(g => after == null || string.Compare(g.Id, after) > 0).OrderBy(g => g.Id).Take(PageSize + 1).ToListAsync(ct);
        if (page.Count > PageSize)
        {
            page.RemoveAt(PageSize);
            NextHref = $"/admin/groups?after={page[^1].Id}" + (q.Length > 0 ? "&q=" + Uri.EscapeDataString(q) : "");
        }

        var ids = page.Select(g => g.Id).ToList();
        var counts = await db.GroupMembers.Where(m => ids.Contains(m.GroupId)).GroupBy(m => m.GroupId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        Rows = page.Select(g => (g, counts.GetValueOrDefault(g.Id))).ToList();
    }
}
