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

        // Everyone's lastMembershipUpdated is not written here (one statement and page less per user created):
        // joining Everyone is creating a user, so it is read from the newest user (see WithEveryoneFreshnessAsync).
        db.GroupMembers.Add(new GroupMemberEntity { GroupId = everyoneId, UserId = user.Id, Created = now });
    }

    /// <summary>
    /// Completes the BUILT_IN group's <c>lastMembershipUpdated</c>: the later of the stored value (written when
    /// a user leaves by deletion) and the newest user's creation (ids are time-ordered: one index seek).
    /// </summary>
    public static async Task<IReadOnlyList<GroupEntity>> WithEveryoneFreshnessAsync(LatchkeyDbContext db, IReadOnlyList<GroupEntity> groups, CancellationToken ct)
    {
        foreach (var group in groups.Where(g => g.Type == GroupTypes.BuiltIn))
        {
            var newest = await db.Users.Where(u => u.OrgId == group.OrgId).OrderByDescending(u => u.Id)
                .Select(u => (DateTimeOffset?)u.Created).FirstOrDefaultAsync(ct);
            if (newest > group.LastMembershipUpdated)
            {
                group.LastMembershipUpdated = newest.Value;
            }
        }

        return groups;
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
