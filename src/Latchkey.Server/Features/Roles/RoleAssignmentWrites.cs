using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Roles;

/// <summary>
/// Grants and revokes a standard admin role held by a user directly (rows of RoleAssignments), each logged as
/// <c>user.account.privilege.grant</c> / <c>.revoke</c> with the role's label. The org's last direct super
/// administrator cannot be revoked, so nobody can lock the org out of granting roles. Callers check who may do it
/// (<see cref="AdminPermission.RolesManage"/>).
/// </summary>
public sealed class RoleAssignmentWrites(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
{
    /// <summary>409 E0000090, the real service's answer to a role the user already holds.</summary>
    public static ApiError Duplicate() => new(409, "E0000090", "The role specified is already assigned to the user.");

    /// <summary>The roles held by the user directly (not through a group), in the console's order.</summary>
    public async Task<IReadOnlyList<RoleAssignmentEntity>> DirectAsync(string orgId, string userId, CancellationToken ct) =>
        (await db.RoleAssignments.AsNoTracking()
            .Where(r => r.OrgId == orgId && r.AssigneeType == AdminGrants.UserAssignee && r.AssigneeId == userId).ToListAsync(ct))
        .OrderBy(r => AdminRole.All.ToList().IndexOf(r.Type)).ToList();

    public async Task<RoleAssignmentEntity> GrantAsync(string orgId, string userId, string? type, CancellationToken ct)
    {
        if (!AdminRole.IsKnown(type))
        {
            throw new ApiException(ApiErrors.Validation("type", $"Choose one of the standard roles: {string.Join(", ", AdminRole.All)}."));
        }

        return await write.RunAsync(orgId, async () =>
        {
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.OrgId == orgId, ct)
                ?? throw new ApiException(ApiErrors.NotFound(userId, "User"));
            if (await db.RoleAssignments.AnyAsync(r => r.OrgId == orgId && r.AssigneeType == AdminGrants.UserAssignee
                    && r.AssigneeId == user.Id && r.Type == type, ct))
            {
                throw new ApiException(Duplicate());
            }

            var now = IsoTime.Truncate(time.GetUtcNow());
            var assignment = new RoleAssignmentEntity
            {
                Id = RandomIds.NewId(IdPrefix.RoleAssignment, now), OrgId = orgId, AssigneeType = AdminGrants.UserAssignee,
                AssigneeId = user.Id, Type = type!, Created = now, LastUpdated = now,
            };
            db.RoleAssignments.Add(assignment);
            log.Stage(EventTypes.UserPrivilegeGrant, [UserResources.Target(user)],
                debugData: new Dictionary<string, object?> { ["privilegeGranted"] = AdminRole.Label(type!) });
            return assignment;
        }, ct);
    }

    public async Task RevokeAsync(string orgId, string userId, string? type, CancellationToken ct)
    {
        await write.RunAsync(orgId, async () =>
        {
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId && u.OrgId == orgId, ct)
                ?? throw new ApiException(ApiErrors.NotFound(userId, "User"));
            var assignment = await db.RoleAssignments.FirstOrDefaultAsync(r => r.OrgId == orgId && r.AssigneeType == AdminGrants.UserAssignee
                    && r.AssigneeId == user.Id && r.Type == type, ct)
                ?? throw new ApiException(ApiErrors.NotFound(type ?? "", "RoleAssignment"));
            if (type == AdminRole.SuperAdmin && !await db.RoleAssignments.AnyAsync(r => r.OrgId == orgId && r.AssigneeType == AdminGrants.UserAssignee
                    && r.Type == AdminRole.SuperAdmin && r.Id != assignment.Id, ct))
            {
                throw new ApiException(ApiErrors.Precondition("type",
                    "This is the org's last super administrator. Grant the role to someone else before revoking it here."));
            }

            db.RoleAssignments.Remove(assignment);
            log.Stage(EventTypes.UserPrivilegeRevoke, [UserResources.Target(user)],
                debugData: new Dictionary<string, object?> { ["privilegeRevoked"] = AdminRole.Label(type!) });
        }, ct);
    }
}
