using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Dashboard.Pages;

/// <summary>The end-user dashboard (<c>/app/UserHome</c>, the real service's path): a tile per app assigned to the person.</summary>
public sealed class HomePageModel(LatchkeyDbContext db) : SignedInPage
{
    public IReadOnlyList<AppTile> Apps { get; private set; } = [];

    public async Task OnGetAsync()
    {
        ViewData["Me"] = Me;
        Apps = await DashboardApps.ForUserAsync(db, Me.OrgId, Me.User.Id, HttpContext.RequestAborted);
    }
}
