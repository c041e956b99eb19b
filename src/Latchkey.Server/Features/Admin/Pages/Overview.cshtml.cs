using Latchkey.Core.Admin;
using Latchkey.Core.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Admin.Pages;

/// <summary>The console's landing page: how many people, groups and apps the org has, and where to go next.</summary>
public sealed class OverviewPageModel(LatchkeyDbContext db) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.AccessConsole;
    public override string Section => ConsoleNavigation.Dashboard;

    public int? People { get; private set; }
    public int? LockedOut { get; private set; }
    public int? Groups { get; private set; }
    public int? Apps { get; private set; }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        if (Can(AdminPermission.UsersRead))
        {
            People = await db.Users.CountAsync(u => u.OrgId == Me.OrgId && u.Status != UserStatus.Deprovisioned, ct);
            LockedOut = await db.Users.CountAsync(u => u.OrgId == Me.OrgId && u.Status == UserStatus.LockedOut, ct);
        }

        if (Can(AdminPermission.GroupsRead))
        {
            Groups = await db.Groups.CountAsync(g => g.OrgId == Me.OrgId, ct);
        }

        if (Can(AdminPermission.AppsRead))
        {
            Apps = await db.Apps.CountAsync(a => a.OrgId == Me.OrgId, ct);
        }
    }
}
