using System.Text.Json.Nodes;
using Latchkey.Contracts;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Filtering;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Groups;

/// <summary><c>/api/v1/groups</c>: CRUD, members, the apps assigned to a group.</summary>
public static class GroupsApi
{
    private static readonly FilterOperator[] Ordered = [FilterOperator.Eq, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.Lt, FilterOperator.Le];

    private static readonly FilterGrammar FilterRules = new FilterGrammar()
        .Allow("id", FilterOperator.Eq).Allow("type", FilterOperator.Eq)
        .Allow("lastUpdated", Ordered).Allow("lastMembershipUpdated", Ordered).WithNot(false);

    private static readonly FilterGrammar SearchRules = new FilterGrammar()
        .AllowPrefix("profile.", FilterOperator.Eq, FilterOperator.Sw, FilterOperator.Pr)
        .Allow("profile.name", FilterOperator.Eq, FilterOperator.Sw, FilterOperator.Co, FilterOperator.Pr)
        .Allow("profile.description", FilterOperator.Eq, FilterOperator.Sw, FilterOperator.Co, FilterOperator.Pr)
        .Allow("id", FilterOperator.Eq).Allow("type", FilterOperator.Eq).Allow("source.id", FilterOperator.Eq)
        .Allow("created", Ordered).Allow("lastUpdated", Ordered).Allow("lastMembershipUpdated", Ordered).WithNot(false);

    private static readonly FilterColumns<GroupEntity> Columns = new FilterColumns<GroupEntity>()
        .String("id", g => g.Id).String("type", g => g.Type).String("profile.name", g => g.Name)
        .String("profile.description", g => g.Description)
        .Date("created", g => g.Created).Date("lastUpdated", g => g.LastUpdated).Date("lastMembershipUpdated", g => g.LastMembershipUpdated);

    private static readonly SortColumns<GroupEntity> Sortable = new SortColumns<GroupEntity>(g => g.Id)
        .Add("id", g => g.Id).Add("type", g => g.Type).Add("created", g => g.Created).Add("lastUpdated", g => g.LastUpdated)
        .Add("lastMembershipUpdated", g => g.LastMembershipUpdated).Add("profile.name", g => g.NameKey).Add("profile.description", g => g.Description);

    /// <summary>Groups: 200 a page (at most 10000; 10 with <c>q</c>, which does not page); <c>sortBy</c>/<c>sortOrder</c> sort a search.</summary>
    private static readonly ListSpec GroupsList = new("groups", new PageLimits(200, 10_000))
    {
        LimitsWithQ = new PageLimits(10, 10_000),
        Sort = new SortRule("asc", "desc", StringComparison.OrdinalIgnoreCase, Sortable.Names),
    };

    private static readonly ListSpec MembersList = new("group-users", new PageLimits(1000, 10_000));
    private static readonly ListSpec AppsList = new("group-apps", new PageLimits(20, 200));

    public static void MapGroupsApi(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups");
        groups.MapGet("", List).AsList(GroupsList).Requires(AdminPermission.GroupsRead);
        groups.MapPost("", Create).Requires(AdminPermission.GroupsManage);
        groups.MapGet("/{groupId}", Get).Requires(AdminPermission.GroupsRead);
        groups.MapPut("/{groupId}", Replace).Requires(AdminPermission.GroupsManage);
        groups.MapDelete("/{groupId}", Delete).Requires(AdminPermission.GroupsManage);
        groups.MapGet("/{groupId}/users", Members).AsList(MembersList).Requires(AdminPermission.GroupsRead);
        groups.MapPut("/{groupId}/users/{userId}", AddMember).Requires(AdminPermission.GroupsManage);
        groups.MapDelete("/{groupId}/users/{userId}", RemoveMember).Requires(AdminPermission.GroupsManage);
        groups.MapGet("/{groupId}/apps", Apps).AsList(AppsList).Requires(AdminPermission.AppsRead);
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var groups = db.Groups.AsNoTracking().Where(g => g.OrgId == caller.OrgId);
        var q = request.Query["q"].ToString();
        var paging = Paging.Of(context);
        var pageSize = paging.Limit;
        var after = paging.After;
        if (q.Length > 0)
        {
            var prefix = q.ToLowerInvariant();
            groups = groups.Where(g => g.NameKey.StartsWith(prefix));
        }

        if (Filters.ParseSearch(request, "filter", FilterRules) is { } filter)
        {
            groups = groups.Where(Columns.Translate(filter, ignoreCase: false));
        }

        FilterNode? residual = null;
        if (Filters.ParseSearch(request, "search", SearchRules) is { } search)
        {
            if (Columns.Covers(search))
            {
                groups = groups.Where(Columns.Translate(search, ignoreCase: true));
            }
            else
            {
                residual = search; // custom profile attributes or source.id: evaluated on each group below
            }
        }

        if (paging.SortBy is not null && request.Query["search"].Count > 0)
        {
            // sortBy applies to searches only (it is ignored otherwise, as documented).
            var (sorted, nextOffset) = await Sortable.PageAsync(groups, paging,
                residual is null ? null : g => JsonFilterEvaluator.Matches(residual, AsDocument(g), StringComparison.OrdinalIgnoreCase),
                MaxScanned, context.RequestAborted);
            Paging.WriteLinks(context, nextOffset);
            return await PageAsync(context, db, sorted);
        }

        if (residual is not null)
        {
            var scanned = await groups.Where(g => after == null || string.Compare(g.Id, after) > 0)
                .OrderBy(g => g.Id).Take(MaxScanned).ToListAsync(context.RequestAborted);
            var matches = scanned.Where(g => JsonFilterEvaluator.Matches(residual, AsDocument(g), StringComparison.OrdinalIgnoreCase))
                .Take(pageSize + 1).ToList();
            var hasMore = Paging.Trim(matches, pageSize);
            Paging.WriteLinks(context, hasMore ? matches[^1].Id : scanned.Count == MaxScanned ? scanned[^1].Id : null);
            return await PageAsync(context, db, matches);
        }

        var page = await groups.Where(g => after == null || string.Compare(g.Id, after) > 0)
            .OrderBy(g => g.Id).Take(pageSize + 1).ToListAsync(context.RequestAborted);
        var more = Paging.Trim(page, pageSize) && q.Length == 0;

        Paging.WriteLinks(context, more ? page[^1].Id : null);
        return await PageAsync(context, db, page);
    }

    /// <summary>A page of groups as resources, with <c>_embedded.stats</c> when <c>expand=stats</c>.</summary>
    private static async Task<IResult> PageAsync(HttpContext context, LatchkeyDbContext db, List<GroupEntity> page)
    {
        await GroupMembership.WithEveryoneFreshnessAsync(db, page, context.RequestAborted);
        var withStats = context.Request.Query["expand"].ToString().Split(',').Contains("stats");
        var stats = withStats ? await StatsAsync(db, page.Select(g => g.Id).ToList(), context.RequestAborted) : null;
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(page.Select(g => GroupResources.ToResource(g, apiBase, stats?[g.Id])).ToList());
    }

    private const int MaxScanned = 10_000;

    private static JsonObject AsDocument(GroupEntity g) => new()
    {
        ["id"] = g.Id,
        ["type"] = g.Type,
        ["created"] = IsoTime.Write(g.Created),
        ["lastUpdated"] = IsoTime.Write(g.LastUpdated),
        ["lastMembershipUpdated"] = IsoTime.Write(g.LastMembershipUpdated),
        ["profile"] = JsonNode.Parse(g.ProfileJson, documentOptions: ApiJson.DocumentOptions),
    };

    /// <summary><c>_embedded.stats</c> for a page of groups: two grouped counts and the groups holding admin roles, whatever the page size.</summary>
    private static async Task<Dictionary<string, GroupStatsResource>> StatsAsync(LatchkeyDbContext db, List<string> groupIds, CancellationToken ct)
    {
        var users = await db.GroupMembers.Where(m => groupIds.Contains(m.GroupId)).GroupBy(m => m.GroupId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var apps = await db.AppGroups.Where(a => groupIds.Contains(a.GroupId)).GroupBy(a => a.GroupId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var admins = (await db.RoleAssignments.Where(r => r.AssigneeType == AdminGrants.GroupAssignee && groupIds.Contains(r.AssigneeId))
            .Select(r => r.AssigneeId).Distinct().ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        return groupIds.ToDictionary(id => id, id => new GroupStatsResource(users.GetValueOrDefault(id), apps.GetValueOrDefault(id), 0, admins.Contains(id)));
    }

    private static async Task<IResult> Get(string groupId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var group = await FindAsync(db, caller, groupId, context.RequestAborted);
        await GroupMembership.WithEveryoneFreshnessAsync(db, [group], context.RequestAborted);
        var withStats = context.Request.Query["expand"].ToString().Split(',').Contains("stats");
        return ApiResponses.Json(GroupResources.ToResource(group, ApiUrls.ApiBase(context.Request),
            withStats ? (await StatsAsync(db, [group.Id], context.RequestAborted))[group.Id] : null));
    }

    private static async Task<IResult> Create(HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var group = await CreateAsync(ApiCaller.Required(context), await ReadProfileAsync(context.Request), db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(GroupResources.ToResource(group, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>Creates an OKTA_GROUP with the rules of <c>POST /groups</c> (the API and the console's "Create group").</summary>
    public static async Task<GroupEntity> CreateAsync(ApiCaller caller, JsonObject profile, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        ValidateProfile(profile);
        var now = IsoTime.Truncate(time.GetUtcNow());
        var group = new GroupEntity
        {
            Id = RandomIds.NewId(IdPrefix.Group, now), OrgId = caller.OrgId, Type = GroupTypes.Okta, Name = "", NameKey = "",
            ProfileJson = "{}", Created = now, LastUpdated = now, LastMembershipUpdated = now,
        };
        Apply(group, profile);
        await write.RunAsync(caller.OrgId, async () =>
        {
            await EnsureNameFreeAsync(db, group, ct);
            db.Groups.Add(group);
            log.Stage(EventTypes.GroupCreate, [GroupResources.Target(group)]);
        }, ct);
        return group;
    }

    private static async Task<IResult> Replace(string groupId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var profile = await ReadProfileAsync(context.Request);
        var group = await write.RunAsync(caller.OrgId, async () =>
        {
            var group = await FindAsync(db, caller, groupId, context.RequestAborted, track: true);
            if (group.Type != GroupTypes.Okta)
            {
                throw new ApiException(ApiErrors.Forbidden());
            }

            Apply(group, profile);
            await EnsureNameFreeAsync(db, group, context.RequestAborted);
            group.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
            log.Stage(EventTypes.GroupUpdate, [GroupResources.Target(group)]);
            return group;
        }, context.RequestAborted);
        return ApiResponses.Json(GroupResources.ToResource(group, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Delete(string groupId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        ApiTokenCache tokens)
    {
        await DeleteAsync(ApiCaller.Required(context), groupId, db, write, log, tokens, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Deletes a group (never the built-in Everyone), its memberships, app assignments and admin roles.</summary>
    public static async Task DeleteAsync(ApiCaller caller, string groupId, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        ApiTokenCache tokens, CancellationToken ct)
    {
        var heldRoles = await write.RunAsync(caller.OrgId, async () =>
        {
            var group = await FindAsync(db, caller, groupId, ct, track: true);
            if (group.Type == GroupTypes.BuiltIn)
            {
                throw new ApiException(ApiErrors.Forbidden());
            }

            // Its members lose the admin roles the group gave them.
            var roles = db.RoleAssignments.Where(r => r.OrgId == group.OrgId && r.AssigneeType == AdminGrants.GroupAssignee && r.AssigneeId == group.Id);
            var heldRoles = await roles.Select(r => r.Type).ToListAsync(ct);
            RoleAssignmentsApi.StageRevoked(log, isUser: false, GroupResources.Target(group), heldRoles);
            await roles.ExecuteDeleteAsync(ct);
            await db.GroupMembers.Where(m => m.GroupId == group.Id).ExecuteDeleteAsync(ct);
            await db.AppGroups.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(ct);
            db.Groups.Remove(group);
            log.Stage(EventTypes.GroupDelete, [GroupResources.Target(group)]);
            return heldRoles;
        }, ct);
        if (heldRoles.Count > 0)
        {
            tokens.ForgetAll();
        }
    }

    private static async Task<IResult> Members(string groupId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var group = await FindAsync(db, caller, groupId, context.RequestAborted);
        var paging = Paging.Of(context);
        var (pageSize, after) = (paging.Limit, paging.After);
        // Ordered and cut in the database after the join: the cursor must follow the database's own order.
        var page = await db.GroupMembers.Where(m => m.GroupId == group.Id && (after == null || string.Compare(m.UserId, after) > 0))
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => u)
            .OrderBy(u => u.Id).Take(pageSize + 1)
            .AsNoTracking().ToListAsync(context.RequestAborted);
        var more = Paging.Trim(page, pageSize);

        Paging.WriteLinks(context, more ? page[^1].Id : null);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(page.Select(u => UserResources.ToResource(u, apiBase)).ToList());
    }

    private static async Task<IResult> AddMember(string groupId, string userId, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens)
    {
        await AddMemberAsync(ApiCaller.Required(context), groupId, userId, db, write, log, time, tokens, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Adds a user (by id or login) to an OKTA_GROUP; adding a member again changes nothing.</summary>
    public static async Task<UserEntity> AddMemberAsync(ApiCaller caller, string groupId, string userId, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens, CancellationToken ct)
    {
        var member = await write.RunAsync(caller.OrgId, async () =>
        {
            var group = await FindAsync(db, caller, groupId, ct, track: true);
            var user = await UserLookup.GetAsync(db, caller, userId, ct);
            GroupMembership.EnsureChangeable(group);
            if (!await db.GroupMembers.AnyAsync(m => m.GroupId == group.Id && m.UserId == user.Id, ct))
            {
                GroupMembership.Add(db, log, group, user, IsoTime.Truncate(time.GetUtcNow()));
            }

            return user;
        }, ct);
        tokens.ForgetUser(member.Id); // the group's admin roles are now the member's
        return member;
    }

    private static async Task<IResult> RemoveMember(string groupId, string userId, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens)
    {
        await RemoveMemberAsync(ApiCaller.Required(context), groupId, userId, db, write, log, time, tokens, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Removes a user from an OKTA_GROUP; removing a non-member changes nothing.</summary>
    public static async Task RemoveMemberAsync(ApiCaller caller, string groupId, string userId, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens, CancellationToken ct)
    {
        var memberId = await write.RunAsync(caller.OrgId, async () =>
        {
            var group = await FindAsync(db, caller, groupId, ct, track: true);
            var user = await UserLookup.GetAsync(db, caller, userId, ct);
            GroupMembership.EnsureChangeable(group);
            var membership = await db.GroupMembers.FirstOrDefaultAsync(m => m.GroupId == group.Id && m.UserId == user.Id, ct);
            if (membership is not null)
            {
                db.GroupMembers.Remove(membership);
                group.LastMembershipUpdated = IsoTime.Truncate(time.GetUtcNow());
                log.Stage(EventTypes.GroupMemberRemove, [UserResources.Target(user), GroupResources.Target(group)]);
            }

            return user.Id;
        }, ct);
        tokens.ForgetUser(memberId); // the group's admin roles are no longer the former member's
    }

    private static async Task<IResult> Apps(string groupId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var group = await FindAsync(db, caller, groupId, context.RequestAborted);
        var paging = Paging.Of(context);
        var (pageSize, after) = (paging.Limit, paging.After);
        var page = await db.AppGroups.Where(a => a.GroupId == group.Id)
            .Join(db.Apps, a => a.AppId, app => app.Id, (a, app) => app)
            .Where(app => after == null || string.Compare(app.Id, after) > 0)
            .OrderBy(app => app.Id).Take(pageSize + 1).AsNoTracking().ToListAsync(context.RequestAborted);
        var more = Paging.Trim(page, pageSize);

        Paging.WriteLinks(context, more ? page[^1].Id : null);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(page.Select(a => AppResources.ToResource(a, apiBase)).ToList());
    }

    public static async Task<GroupEntity> FindAsync(LatchkeyDbContext db, ApiCaller caller, string groupId, CancellationToken ct, bool track = false)
    {
        var query = track ? db.Groups : db.Groups.AsNoTracking();
        return await query.FirstOrDefaultAsync(g => g.Id == groupId && g.OrgId == caller.OrgId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(groupId, "UserGroup"));
    }

    private static async Task<JsonObject> ReadProfileAsync(HttpRequest request)
    {
        var body = await JsonBody.ReadObjectAsync(request);
        var profile = JsonBody.Object(body, "profile", "profile") ?? [];
        ValidateProfile(profile);
        return profile;
    }

    /// <summary>A group profile's rules: a name of 1 to 255 characters, a description of at most 1024, no names differing only in case.</summary>
    public static void ValidateProfile(JsonObject profile)
    {
        var name = JsonBody.String(profile, "name", "name");
        var description = JsonBody.String(profile, "description", "description");
        var failures = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(name))
        {
            failures.Add(("name", "The field cannot be left blank"));
        }
        else if (name.Length > 255)
        {
            failures.Add(("name", "The field is too long (maximum 255 characters)"));
        }

        if (description is { Length: > 1024 })
        {
            failures.Add(("description", "The field is too long (maximum 1024 characters)"));
        }

        failures.AddRange(Core.Users.ProfileRules.CaseClashes(profile.Select(p => p.Key), ["name", "description"]));

        if (failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(failures));
        }
    }

    private static void Apply(GroupEntity group, JsonObject profile)
    {
        group.Name = (string)profile["name"]!;
        group.NameKey = group.Name.ToLowerInvariant();
        group.Description = (string?)profile["description"];
        group.ProfileJson = profile.ToJsonString();
    }

    private static async Task EnsureNameFreeAsync(LatchkeyDbContext db, GroupEntity group, CancellationToken ct)
    {
        if (await db.Groups.AnyAsync(g => g.OrgId == group.OrgId && g.NameKey == group.NameKey && g.Id != group.Id && g.Type == GroupTypes.Okta, ct))
        {
            throw new ApiException(ApiErrors.Validation("name", Core.Users.ProfileRules.Taken));
        }
    }
}
