using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Roles;

/// <summary>
/// The console's role changes on a person, by role type: the same rules, events and token refresh as the Management API's
/// <c>/users/{id}/roles</c> (<see cref="RoleAssignmentsApi"/>), which they call. Callers check who may do it
/// (<see cref="AdminPermission.RolesManage"/>).
/// </summary>
public sealed class RoleAssignmentWrites(LatchkeyDbContext db, SystemLog.OrgWrite write, SystemLog.SystemLogWriter log, AdminGrants grants,
    ApiTokenCache tokens, TimeProvider time)
{
    private readonly RoleAssignmentsApi.RoleChange change = new(db, write, log, grants, tokens, time);

    /// <summary>The roles held by the user directly (not through a group), in the console's order.</summary>
    public async Task<IReadOnlyList<RoleAssignmentEntity>> DirectAsync(string orgId, string userId, CancellationToken ct) =>
        (await db.RoleAssignments.AsNoTracking()
            .Where(r => r.OrgId == orgId && r.AssigneeType == AdminGrants.UserAssignee && r.AssigneeId == userId).ToListAsync(ct))
        .OrderBy(r => AdminRole.Rank(r.Type)).ToList();

    public Task<RoleAssignmentEntity> GrantAsync(ApiCaller caller, string userId, string? type, CancellationToken ct) =>
        RoleAssignmentsApi.AssignToUserAsync(caller, change, userId, type, ct);

    public async Task RevokeAsync(ApiCaller caller, string userId, string? type, CancellationToken ct)
    {
        var held = (await DirectAsync(caller.OrgId, userId, ct)).FirstOrDefault(r => r.Type == type)
            ?? throw new ApiException(ApiErrors.NotFound(type ?? "", "Role"));
        await RoleAssignmentsApi.UnassignFromUserAsync(caller, change, userId, held.Id, ct);
    }
}
