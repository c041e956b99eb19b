using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Apps;

/// <summary>
/// Who may use an app: users assigned directly (scope USER) and members of assigned groups (scope GROUP).
/// A user assigned through a group counts as assigned everywhere a direct assignment would.
/// </summary>
public static class AppAssignments
{
    /// <summary>App users: 50 a page, 1 to 500.</summary>
    private static readonly ListSpec UsersList = new("app-users", new PageLimits(50, 500));

    /// <summary>App group assignments: 20 a page, any limit from 1 to 200 (okta-api.md 0.6; the spec's minimum of 20 is not enforced).</summary>
    private static readonly ListSpec GroupsList = new("app-groups", new PageLimits(20, 200));

    public static void MapAppAssignmentsApi(this RouteGroupBuilder apps)
    {
        apps.MapGet("/{appId}/users", ListUsers).AsList(UsersList).Requires(AdminPermission.AppsRead);
        apps.MapPost("/{appId}/users", AssignUser).Requires(AdminPermission.AppsManage);
        apps.MapGet("/{appId}/users/{userId}", GetUser).Requires(AdminPermission.AppsRead);
        apps.MapPost("/{appId}/users/{userId}", UpdateUser).Requires(AdminPermission.AppsManage);
        apps.MapDelete("/{appId}/users/{userId}", UnassignUser).Requires(AdminPermission.AppsManage);
        apps.MapGet("/{appId}/groups", ListGroups).AsList(GroupsList).Requires(AdminPermission.AppsRead);
        apps.MapGet("/{appId}/groups/{groupId}", GetGroup).Requires(AdminPermission.AppsRead);
        apps.MapPut("/{appId}/groups/{groupId}", AssignGroup).Requires(AdminPermission.AppsManage);
        apps.MapDelete("/{appId}/groups/{groupId}", UnassignGroup).Requires(AdminPermission.AppsManage);
    }

    /// <summary>Ids of the apps a user is assigned to, directly or through a group (a query, for composition).</summary>
    public static IQueryable<string> AssignedAppIds(LatchkeyDbContext db, string userId) =>
        db.AppUsers.Where(a => a.UserId == userId).Select(a => a.AppId)
            .Union(db.AppGroups.Join(db.GroupMembers.Where(m => m.UserId == userId), a => a.GroupId, m => m.GroupId, (a, m) => a.AppId));

    private static IQueryable<string> AssignedUserIds(LatchkeyDbContext db, string appId) =>
        db.AppUsers.Where(a => a.AppId == appId).Select(a => a.UserId)
            .Union(db.AppGroups.Where(a => a.AppId == appId).Join(db.GroupMembers, a => a.GroupId, m => m.GroupId, (a, m) => m.UserId));

    /// <summary>The AppUser for <paramref name="user"/>, or null when not assigned.</summary>
    public static async Task<JsonObject?> AppUserAsync(LatchkeyDbContext db, AppEntity app, UserEntity user, string apiBase, CancellationToken ct)
    {
        var direct = await db.AppUsers.AsNoTracking().FirstOrDefaultAsync(a => a.AppId == app.Id && a.UserId == user.Id, ct);
        if (direct is not null)
        {
            return ToResource(direct, user, apiBase, null);
        }

        var viaGroup = await db.AppGroups.Where(a => a.AppId == app.Id)
            .Join(db.GroupMembers.Where(m => m.UserId == user.Id), a => a.GroupId, m => m.GroupId, (a, m) => a)
            .OrderBy(a => a.Priority).ThenBy(a => a.GroupId).AsNoTracking().FirstOrDefaultAsync(ct);
        return viaGroup is null ? null : FromGroup(app.Id, user, viaGroup, apiBase);
    }

    /// <summary>The AppUser of a user assigned through a group (scope GROUP): dates and profile from the group's assignment.</summary>
    private static JsonObject FromGroup(string appId, UserEntity user, AppGroupEntity viaGroup, string apiBase) =>
        ToResource(new AppUserEntity
        {
            AppId = appId, UserId = user.Id, Created = viaGroup.Created, LastUpdated = viaGroup.LastUpdated,
            StatusChanged = viaGroup.Created, UserName = user.Login, ProfileJson = viaGroup.ProfileJson,
        }, user, apiBase, viaGroup.GroupId);

    private static JsonObject ToResource(AppUserEntity a, UserEntity user, string apiBase, string? groupId)
    {
        var links = new JsonObject
        {
            ["app"] = new JsonObject { ["href"] = $"{apiBase}/apps/{a.AppId}" },
            ["user"] = new JsonObject { ["href"] = $"{apiBase}/users/{a.UserId}" },
        };
        if (groupId is not null)
        {
            links["group"] = new JsonObject { ["href"] = $"{apiBase}/groups/{groupId}" };
        }

        links["self"] = new JsonObject { ["href"] = $"{apiBase}/apps/{a.AppId}/users/{a.UserId}" };
        return new JsonObject
        {
            ["id"] = a.UserId,
            ["externalId"] = null,
            ["created"] = IsoTime.Write(a.Created),
            ["lastUpdated"] = IsoTime.Write(a.LastUpdated),
            ["scope"] = groupId is null ? "USER" : "GROUP",
            ["status"] = user.Status == Core.Users.UserStatus.Deprovisioned ? "INACTIVE" : "ACTIVE",
            ["statusChanged"] = IsoTime.Write(a.StatusChanged),
            ["passwordChanged"] = null,
            ["syncState"] = "DISABLED",
            ["credentials"] = new JsonObject { ["userName"] = a.UserName ?? user.Login },
            ["profile"] = JsonNode.Parse(a.ProfileJson, documentOptions: ApiJson.DocumentOptions),
            ["_links"] = links,
        };
    }

    private static async Task<IResult> ListUsers(string appId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var app = await AppsApi.FindAsync(db, caller, appId, ct);
        var paging = Paging.Of(context);
        var (pageSize, after) = (paging.Limit, paging.After);
        var assigned = AssignedUserIds(db, app.Id);
        var q = context.Request.Query["q"].ToString();
        if (q.Length > 0)
        {
            assigned = MatchingQ(db, app.Id, assigned, q.ToLowerInvariant());
        }

        var ids = await assigned.Where(id => after == null || string.Compare(id, after) > 0)
            .OrderBy(id => id).Take(pageSize + 1).ToListAsync(ct);
        var more = Paging.Trim(ids, pageSize);

        // Three queries for the whole page, not one or two per user: the users, their direct assignments,
        // and their group-derived ones (the lowest priority number wins, as for a single user).
        var users = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var direct = await db.AppUsers.AsNoTracking().Where(a => a.AppId == app.Id && ids.Contains(a.UserId)).ToDictionaryAsync(a => a.UserId, ct);
        var viaGroups = (await db.AppGroups.Where(a => a.AppId == app.Id)
                .Join(db.GroupMembers.Where(m => ids.Contains(m.UserId)), a => a.GroupId, m => m.GroupId, (a, m) => new { m.UserId, Assignment = a })
                .AsNoTracking().ToListAsync(ct))
            .GroupBy(x => x.UserId).ToDictionary(g => g.Key, g => g.OrderBy(x => x.Assignment.Priority).ThenBy(x => x.Assignment.GroupId, StringComparer.Ordinal).First().Assignment);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var result = new JsonArray();
        foreach (var id in ids)
        {
            result.Add(direct.TryGetValue(id, out var assignment)
                ? ToResource(assignment, users[id], apiBase, null)
                : FromGroup(app.Id, users[id], viaGroups[id], apiBase));
        }

        Paging.WriteLinks(context, more ? ids[^1] : null);
        return ApiResponses.Json(result);
    }

    /// <summary>
    /// <c>q</c> on app users: a case-insensitive prefix of the app user's <c>userName</c> (a direct assignment's
    /// own, else the user's login) or of the user's first name, last name or email.
    /// </summary>
    private static IQueryable<string> MatchingQ(LatchkeyDbContext db, string appId, IQueryable<string> assigned, string prefix) =>
        db.Users.Where(u => assigned.Contains(u.Id)
                && (u.FirstName!.ToLower().StartsWith(prefix) || u.LastName!.ToLower().StartsWith(prefix) || u.Email.ToLower().StartsWith(prefix)
                    || (db.AppUsers.Any(a => a.AppId == appId && a.UserId == u.Id)
                        ? db.AppUsers.Any(a => a.AppId == appId && a.UserId == u.Id && (a.UserName ?? u.Login).ToLower().StartsWith(prefix))
                        : u.LoginKey.StartsWith(prefix))))
            .Select(u => u.Id);

    private static async Task<IResult> GetUser(string appId, string userId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var app = await AppsApi.FindAsync(db, caller, appId, ct);
        var user = await UserLookup.FindAsync(db, caller, userId, ct);
        var resource = user is null ? null : await AppUserAsync(db, app, user, ApiUrls.ApiBase(context.Request), ct);
        return resource is null ? throw new ApiException(ApiErrors.NotFound(userId, "AppUser")) : ApiResponses.Json(resource);
    }

    private static async Task<IResult> AssignUser(string appId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var userId = JsonBody.String(body, "id", "id");
        if (string.IsNullOrWhiteSpace(userId))
        {
            throw new ApiException(ApiErrors.Validation("id", "The field cannot be left blank"));
        }

        return await Upsert(appId, userId, body, context, db, write, log, time, mustExist: false);
    }

    private static async Task<IResult> UpdateUser(string appId, string userId, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time) =>
        await Upsert(appId, userId, await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true), context, db, write, log, time, mustExist: true);

    private static async Task<IResult> Upsert(string appId, string userId, JsonObject body, HttpContext context,
        LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, bool mustExist)
    {
        var (assignment, user) = await UpsertUserAsync(ApiCaller.Required(context), appId, userId, body, mustExist, db, write, log, time,
            context.RequestAborted);
        return ApiResponses.Json(ToResource(assignment, user, ApiUrls.ApiBase(context.Request), null));
    }

    /// <summary>
    /// Assigns a user (by id or login) to an app directly, or updates the direct assignment: the rules of
    /// <c>POST /apps/{id}/users</c> (the API and the console's "Assign").
    /// </summary>
    public static async Task<(AppUserEntity Assignment, UserEntity User)> UpsertUserAsync(ApiCaller caller, string appId, string userId,
        JsonObject body, bool mustExist, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        var credentials = JsonBody.Object(body, "credentials", "credentials");
        var userName = credentials is null ? null : JsonBody.String(credentials, "userName", "credentials.userName");
        var profile = AssignmentProfile(body);
        var scope = JsonBody.String(body, "scope", "scope");
        if (scope is not (null or "USER"))
        {
            throw new ApiException(ApiErrors.Validation("scope", "A user is assigned directly with scope USER; assign a group for scope GROUP."));
        }

        return await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await AppsApi.FindAsync(db, caller, appId, ct);
            var user = await UserLookup.GetAsync(db, caller, userId, ct);
            var now = IsoTime.Truncate(time.GetUtcNow());
            var assignment = await db.AppUsers.FirstOrDefaultAsync(a => a.AppId == app.Id && a.UserId == user.Id, ct);
            var targets = new[] { UserResources.Target(user), AppResources.Target(app) };
            if (assignment is null)
            {
                if (mustExist)
                {
                    throw new ApiException(ApiErrors.NotFound(userId, "AppUser"));
                }

                assignment = new AppUserEntity
                {
                    AppId = app.Id, UserId = user.Id, Created = now, LastUpdated = now, StatusChanged = now,
                    UserName = userName, ProfileJson = (profile ?? []).ToJsonString(),
                };
                db.AppUsers.Add(assignment);
                log.Stage(EventTypes.AppUserAdd, targets);
            }
            else
            {
                assignment.UserName = userName ?? assignment.UserName;
                assignment.ProfileJson = profile?.ToJsonString() ?? assignment.ProfileJson;
                assignment.LastUpdated = now;
                log.Stage(EventTypes.AppUserUpdate, targets);
            }

            return (assignment, user);
        }, ct);
    }

    private static async Task<IResult> UnassignUser(string appId, string userId, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log)
    {
        await UnassignUserAsync(ApiCaller.Required(context), appId, userId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Removes a direct assignment; a user assigned only through a group is refused with the way to remove them.</summary>
    public static async Task UnassignUserAsync(ApiCaller caller, string appId, string userId, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await AppsApi.FindAsync(db, caller, appId, ct);
            var user = await UserLookup.GetAsync(db, caller, userId, ct);
            var assignment = await db.AppUsers.FirstOrDefaultAsync(a => a.AppId == app.Id && a.UserId == user.Id, ct);
            if (assignment is null)
            {
                if (await AssignedUserIds(db, app.Id).ContainsAsync(user.Id, ct))
                {
                    throw new ApiException(ApiErrors.Precondition("userId",
                        "The user is assigned to this app through a group; remove the user from the group or unassign the group."));
                }

                throw new ApiException(ApiErrors.NotFound(userId, "AppUser"));
            }

            db.AppUsers.Remove(assignment);
            log.Stage(EventTypes.AppUserRemove, [UserResources.Target(user), AppResources.Target(app)]);
        }, ct);
    }

    private static JsonObject GroupResource(AppGroupEntity a, string apiBase, GroupEntity? group)
    {
        var result = new JsonObject
        {
            ["id"] = a.GroupId,
            ["lastUpdated"] = IsoTime.Write(a.LastUpdated),
            ["priority"] = a.Priority,
            ["profile"] = JsonNode.Parse(a.ProfileJson, documentOptions: ApiJson.DocumentOptions),
            ["_links"] = new JsonObject
            {
                ["app"] = new JsonObject { ["href"] = $"{apiBase}/apps/{a.AppId}" },
                ["group"] = new JsonObject { ["href"] = $"{apiBase}/groups/{a.GroupId}" },
                ["self"] = new JsonObject { ["href"] = $"{apiBase}/apps/{a.AppId}/groups/{a.GroupId}" },
            },
        };
        if (group is not null)
        {
            result["_embedded"] = new JsonObject
            {
                ["group"] = System.Text.Json.JsonSerializer.SerializeToNode(GroupResources.ToResource(group, apiBase), ApiJson.Options),
            };
        }

        return result;
    }

    private static async Task<IResult> ListGroups(string appId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var app = await AppsApi.FindAsync(db, caller, appId, ct);
        var paging = Paging.Of(context);
        var (pageSize, after) = (paging.Limit, paging.After);
        var q = context.Request.Query["q"].ToString().ToLowerInvariant();
        var rows = await db.AppGroups.Where(a => a.AppId == app.Id)
            .Join(db.Groups, a => a.GroupId, g => g.Id, (a, g) => new { Assignment = a, Group = g })
            .Where(x => (q == "" || x.Group.NameKey.StartsWith(q)) && (after == null || string.Compare(x.Assignment.GroupId, after) > 0))
            .OrderBy(x => x.Assignment.GroupId).Take(pageSize + 1).AsNoTracking().ToListAsync(ct);
        var more = Paging.Trim(rows, pageSize);

        var expandGroup = context.Request.Query["expand"].ToString().Split(',').Contains("group");
        if (expandGroup)
        {
            await GroupMembership.WithEveryoneFreshnessAsync(db, rows.Select(x => x.Group).ToList(), ct);
        }

        var apiBase = ApiUrls.ApiBase(context.Request);
        Paging.WriteLinks(context, more ? rows[^1].Assignment.GroupId : null);
        return ApiResponses.Json(new JsonArray(rows.Select(x => (JsonNode)GroupResource(x.Assignment, apiBase, expandGroup ? x.Group : null)).ToArray()));
    }

    private static async Task<IResult> GetGroup(string appId, string groupId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var app = await AppsApi.FindAsync(db, caller, appId, ct);
        var assignment = await db.AppGroups.AsNoTracking().FirstOrDefaultAsync(a => a.AppId == app.Id && a.GroupId == groupId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(groupId, "ApplicationGroupAssignment"));
        return ApiResponses.Json(GroupResource(assignment, ApiUrls.ApiBase(context.Request), null));
    }

    private static async Task<IResult> AssignGroup(string appId, string groupId, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        var assignment = await AssignGroupAsync(ApiCaller.Required(context), appId, groupId, body, db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(GroupResource(assignment, ApiUrls.ApiBase(context.Request), null));
    }

    /// <summary>
    /// Assigns a group to an app, or updates its priority and profile: the rules of <c>PUT /apps/{id}/groups/{groupId}</c>
    /// (the API and the console's "Assign").
    /// </summary>
    public static async Task<AppGroupEntity> AssignGroupAsync(ApiCaller caller, string appId, string groupId, JsonObject body,
        LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        var priority = JsonBody.Int(body, "priority", "priority");
        if (priority is < 0 or > 100)
        {
            throw new ApiException(ApiErrors.Validation("priority", "The priority must be between 0 and 100."));
        }

        var profile = AssignmentProfile(body);
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await AppsApi.FindAsync(db, caller, appId, ct);
            var group = await GroupsApi.FindAsync(db, caller, groupId, ct);
            var now = IsoTime.Truncate(time.GetUtcNow());
            var assignment = await db.AppGroups.FirstOrDefaultAsync(a => a.AppId == app.Id && a.GroupId == group.Id, ct);
            if (assignment is null)
            {
                var next = await db.AppGroups.Where(a => a.AppId == app.Id).Select(a => (int?)a.Priority).MaxAsync(ct);
                assignment = new AppGroupEntity
                {
                    AppId = app.Id, GroupId = group.Id, Priority = priority ?? Math.Min((next ?? -1) + 1, 100),
                    ProfileJson = (profile ?? []).ToJsonString(), Created = now, LastUpdated = now,
                };
                db.AppGroups.Add(assignment);
                log.Stage(EventTypes.GroupAppAssign, [GroupResources.Target(group), AppResources.Target(app)]);
            }
            else if ((priority is { } p && p != assignment.Priority)
                || (profile is not null && !JsonNode.DeepEquals(profile, JsonNode.Parse(assignment.ProfileJson))))
            {
                assignment.Priority = priority ?? assignment.Priority;
                assignment.ProfileJson = profile?.ToJsonString() ?? assignment.ProfileJson;
                assignment.LastUpdated = now;
                log.Stage(EventTypes.GroupAppUpdate, [GroupResources.Target(group), AppResources.Target(app)]);
            }

            return assignment;
        }, ct);
    }

    private static async Task<IResult> UnassignGroup(string appId, string groupId, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log)
    {
        await UnassignGroupAsync(ApiCaller.Required(context), appId, groupId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Removes a group's assignment to an app.</summary>
    public static async Task UnassignGroupAsync(ApiCaller caller, string appId, string groupId, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await AppsApi.FindAsync(db, caller, appId, ct);
            var group = await GroupsApi.FindAsync(db, caller, groupId, ct);
            var assignment = await db.AppGroups.FirstOrDefaultAsync(a => a.AppId == app.Id && a.GroupId == group.Id, ct)
                ?? throw new ApiException(ApiErrors.NotFound(groupId, "ApplicationGroupAssignment"));
            db.AppGroups.Remove(assignment);
            log.Stage(EventTypes.GroupAppUnassign, [GroupResources.Target(group), AppResources.Target(app)]);
        }, ct);
    }

    /// <summary>An assignment's <c>profile</c> object; its attribute names, like a user's, are unique regardless of case.</summary>
    private static JsonObject? AssignmentProfile(JsonObject body)
    {
        var profile = JsonBody.Object(body, "profile", "profile");
        if (profile is not null && Core.Users.ProfileRules.CaseClashes(profile.Select(p => p.Key), []) is { Count: > 0 } clashes)
        {
            throw new ApiException(ApiErrors.Validation(clashes.Select(c => ("profile." + c.Field, c.Message)).ToList()));
        }

        return profile;
    }
}
