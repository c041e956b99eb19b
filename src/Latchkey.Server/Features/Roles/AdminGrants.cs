using Latchkey.Core.Admin;
using Latchkey.Core.Users;
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

    /// <summary>The roles granted to the group itself (its members hold them too).</summary>
    public async Task<AdminGrant> ForGroupAsync(string orgId, string groupId, CancellationToken ct)
    {
        var roles = await db.RoleAssignments.Where(r => r.OrgId == orgId && r.AssigneeType == GroupAssignee && r.AssigneeId == groupId)
            .Select(r => r.Type).ToListAsync(ct);
        return roles.Count == 0 ? AdminGrant.None : new AdminGrant(roles);
    }

    /// <summary>
    /// True when someone who can still act (a user neither staged, suspended nor deactivated) holds
    /// <see cref="AdminRole.SuperAdmin"/> through an assignment other than <paramref name="exceptAssignmentId"/>.
    /// </summary>
    public async Task<bool> AnotherSuperAdminAsync(string orgId, string exceptAssignmentId, CancellationToken ct)
    {
        var others = db.RoleAssignments.Where(r => r.OrgId == orgId && r.Type == AdminRole.SuperAdmin && r.Id != exceptAssignmentId);
        var direct = others.Where(r => r.AssigneeType == UserAssignee).Select(r => r.AssigneeId);
        var viaGroups = others.Where(r => r.AssigneeType == GroupAssignee)
            .Join(db.GroupMembers, r => r.AssigneeId, m => m.GroupId, (_, m) => m.UserId);
        string[] inactive = [UserStatus.Staged, UserStatus.Provisioned, UserStatus.Suspended, UserStatus.Deprovisioned];
        return await db.Users.AnyAsync(u => u.OrgId == orgId && !inactive.Contains(u.Status)
            && (direct.Contains(u.Id) || viaGroups.Contains(u.Id)), ct);
    }
}
