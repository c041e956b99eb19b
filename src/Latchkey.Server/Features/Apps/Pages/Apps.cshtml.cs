using Latchkey.Core.Admin;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Apps.Pages;

/// <summary>Applications: the org's apps (label, status, sign-on mode), paged; new ones come from the catalog page.</summary>
public sealed class AppsPageModel(LatchkeyDbContext db) : ConsolePage
{
    public const int PageSize = 50;

    public override AdminPermission Reads => AdminPermission.AppsRead;
    public override string Section => ConsoleNavigation.Applications;

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public IReadOnlyList<AppEntity> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }

    public async Task OnGetAsync()
    {
        var after = After is { Length: > 0 and <= 64 } ? After : null;
        var rows = await db.Apps.AsNoTracking().Where(a => a.OrgId == Me.OrgId && (after == null || string.Compare(a.Id, after) > 0))
            .OrderBy(a => a.Id).Take(PageSize + 1).ToListAsync(HttpContext.RequestAborted);
        if (rows.Count > PageSize)
        {
            rows.RemoveAt(PageSize);
            NextHref = $"/admin/apps?after={rows[^1].Id}";
        }

        Rows = rows;
    }
}
