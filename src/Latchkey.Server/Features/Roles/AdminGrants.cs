using Latchkey.Core.Admin;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Roles;

/// <summary>
/// The admin roles a user holds: granted to them directly or to a group they belong to. The Management API (for the
/// owner of the calling token) and the console (for the signed-in user) ask here before every action.
/// </summary>
public sealed class AdminGrants(LatchkeyDbContext db)
{
    public const string UserAssignee = "USER";
    public const string GroupAssignee = "GROUP";

    public async Task<AdminGrant> ForUserAsync(string orgId, string userId, CancellationToken ct)
    {
        var direct = db.RoleAssignments.Where(r => r.OrgId == orgId && r.AssigneeType == UserAssignee && r.AssigneeId == userId)
            .Select(r => r.Type);
        var viaGroups = db.RoleAssignments.Where(r => r.OrgId == orgId && r.AssigneeType == GroupAssignee)
            .Join(db.GroupMembers.Where(m => m.UserId == userId), r => r.AssigneeId, m => m.GroupId, (r, _) => r.Type);
        var roles = await direct.Union(viaGroups).ToListAsync(ct);
        return roles.Count == 0 ? AdminGrant.None : new AdminGrant(roles);
    }
}
