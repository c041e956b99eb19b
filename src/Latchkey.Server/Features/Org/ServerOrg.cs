using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Org;

/// <summary>The org this server serves: the first one created (one org per server today; the model allows many).</summary>
public static class ServerOrg
{
    public static IQueryable<OrgEntity> Query(LatchkeyDbContext db) => db.Orgs.AsNoTracking().OrderBy(o => o.Created);

    public static Task<string> IdAsync(LatchkeyDbContext db, CancellationToken ct) => Query(db).Select(o => o.Id).FirstAsync(ct);
}
