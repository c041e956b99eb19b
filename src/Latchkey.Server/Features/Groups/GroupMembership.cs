using System.Collections.Concurrent;
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
    // The Everyone group of an org never changes id; user creation is hot, so it is looked up once.
    private static readonly ConcurrentDictionary<string, string> EveryoneIds = new(StringComparer.Ordinal);

    public static async Task AddToEveryoneAsync(LatchkeyDbContext db, UserEntity user, DateTimeOffset now, CancellationToken ct)
    {
        if (!EveryoneIds.TryGetValue(user.OrgId, out var everyoneId))
        {
            everyoneId = await db.Groups.Where(g => g.OrgId == user.OrgId && g.Type == GroupTypes.BuiltIn).Select(g => g.Id).FirstAsync(ct);
            EveryoneIds[user.OrgId] = everyoneId;
        }

        db.GroupMembers.Add(new GroupMemberEntity { GroupId = everyoneId, UserId = user.Id, Created = now });
        await db.Groups.Where(g => g.Id == everyoneId).ExecuteUpdateAsync(s => s.SetProperty(g => g.LastMembershipUpdated, now), ct);
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
