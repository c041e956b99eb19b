using System.Collections.Concurrent;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Org;

/// <summary>The org this server serves: the first one created (one org per server today; the model allows many).</summary>
public static class ServerOrg
{
    /// <summary>
    /// The org id per database: an org is never deleted and the first one stays the first, so once read it is kept for the
    /// life of the process (every sign-in and page asks; this saves a query each time).
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.Ordinal);

    public static IQueryable<OrgEntity> Query(LatchkeyDbContext db) => db.Orgs.AsNoTracking().OrderBy(o => o.Created);

    public static async Task<string> IdAsync(LatchkeyDbContext db, CancellationToken ct)
    {
        var database = db.Database.GetConnectionString() ?? "";
        if (Known.TryGetValue(database, out var id))
        {
            return id;
        }

        id = await Query(db).Select(o => o.Id).FirstAsync(ct);
        Known[database] = id;
        return id;
    }
}
