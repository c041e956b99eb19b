using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Groups;

/// <summary>Membership rules: every user is in the built-in Everyone group; only OKTA_GROUP memberships change by API.</summary>
public static class GroupMembership
{
    public static async Task AddToEveryoneAsync(LatchkeyDbContext db, UserEntity user, DateTimeOffset now, CancellationToken ct)
    {
        var everyone = await db.Groups.FirstAsync(g => g.OrgId == user.OrgId && g.Type == GroupTypes.BuiltIn, ct);
        db.GroupMembers.Add(new GroupMemberEntity { GroupId = everyone.Id, UserId = user.Id, Created = now });
        everyone.LastMembershipUpdated = now;
    }

    /// <summary>Refuses a membership change the real service refuses: 501 E0000060 for BUILT_IN, 403 E0000006 for APP_GROUP.</summary>
    public static void EnsureChangeable(GroupEntity group)
    {
        if (group.Type == GroupTypes.BuiltIn)
        {
            throw new ApiException(ApiErrors.UnsupportedOperation("The membership of the Everyone group cannot be changed."));
        }

        if (group.Type == GroupTypes.App)
        {
            throw new ApiException(ApiErrors.Forbidden());
        }
    }

    /// <summary>Stages an add (the caller checked it is not there yet).</summary>
    public static void Add(LatchkeyDbContext db, SystemLogWriter log, GroupEntity group, UserEntity user, DateTimeOffset now)
    {
        EnsureChangeable(group);
        db.GroupMembers.Add(new GroupMemberEntity { GroupId = group.Id, UserId = user.Id, Created = now });
        group.LastMembershipUpdated = now;
        log.Stage(EventTypes.GroupMemberAdd, [UserResources.Target(user), GroupResources.Target(group)]);
    }
}
