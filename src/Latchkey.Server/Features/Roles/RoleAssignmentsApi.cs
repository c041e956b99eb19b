using Latchkey.Contracts;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Roles;

/// <summary>
/// <c>/api/v1/users/{userId}/roles</c> and <c>/api/v1/groups/{groupId}/roles</c>: list, assign (<c>{"type": "HELP_DESK_ADMIN"}</c>),
/// get and unassign the standard admin roles. Assigning answers 201 for a user and 200 for a group, as the real service
/// does; a role already held is 409 E0000090; the Everyone group (E0000211) and app groups (E0000194) cannot hold roles.
/// The org's last super administrator who can still act keeps the role. Every change is logged
/// (<see cref="StageChangeAsync"/>) and the affected tokens are resolved afresh at once on this node.
/// </summary>
public static class RoleAssignmentsApi
{
    public static void MapRoleAssignmentsApi(this RouteGroupBuilder api)
    {
        MapAssignments(api.MapGroup("/users/{userId}/roles"), c => User(RouteValue(c, "userId")));
        MapAssignments(api.MapGroup("/groups/{groupId}/roles"), c => Group(RouteValue(c, "groupId")));
    }

    private static void MapAssignments(RouteGroupBuilder roles, Func<HttpContext, AssigneeLookup> assignee)
    {
        roles.MapGet("", (HttpContext c, LatchkeyDbContext db) => List(c, db, assignee(c))).Requires(AdminPermission.RolesRead);
        roles.MapPost("", (HttpContext c, [AsParameters] RoleChange change) => Assign(c, change, assignee(c))).Requires(AdminPermission.RolesManage);
        roles.MapGet("/{roleAssignmentId}", (string roleAssignmentId, HttpContext c, LatchkeyDbContext db) =>
            Get(roleAssignmentId, c, db, assignee(c))).Requires(AdminPermission.RolesRead);
        roles.MapDelete("/{roleAssignmentId}", (string roleAssignmentId, HttpContext c, [AsParameters] RoleChange change) =>
            Unassign(roleAssignmentId, c, change, assignee(c))).Requires(AdminPermission.RolesManage);
    }

    private static string RouteValue(HttpContext context, string name) =>
        context.GetRouteValue(name) as string ?? throw new InvalidOperationException($"The route has no {{{name}}}.");

    /// <summary>Who holds the roles: a user or a group, as the log names it and as <c>_links.assignee</c> points to it.</summary>
    private sealed record Assignee(string Type, string Id, LogTarget Target, string Collection, string? GroupType);

    private delegate Task<Assignee> AssigneeLookup(LatchkeyDbContext db, ApiCaller caller, CancellationToken ct);

    private static AssigneeLookup User(string userId) => async (db, caller, ct) =>
    {
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        return new Assignee(AdminGrants.UserAssignee, user.Id, UserResources.Target(user), "users", null);
    };

    private static AssigneeLookup Group(string groupId) => async (db, caller, ct) =>
    {
        var group = await GroupsApi.FindAsync(db, caller, groupId, ct);
        return new Assignee(AdminGrants.GroupAssignee, group.Id, GroupResources.Target(group), "groups", group.Type);
    };

    /// <summary>The services a change needs, bound once per request.</summary>
    public sealed record RoleChange(LatchkeyDbContext Db, OrgWrite Write, SystemLogWriter Log, AdminGrants Grants, ApiTokenCache Tokens, TimeProvider Time);

    public static RoleAssignmentResource ToResource(RoleAssignmentEntity r, string apiBase) => new()
    {
        Id = r.Id, Label = AdminRole.Label(r.Type), Type = r.Type, Status = "ACTIVE", Created = r.Created, LastUpdated = r.LastUpdated,
        AssignmentType = r.AssigneeType,
        Links = new Dictionary<string, Link>
        {
            ["assignee"] = new($"{apiBase}/{(r.AssigneeType == AdminGrants.UserAssignee ? "users" : "groups")}/{r.AssigneeId}"),
        },
    };

    private static IQueryable<RoleAssignmentEntity> Of(LatchkeyDbContext db, string orgId, Assignee assignee) =>
        db.RoleAssignments.Where(r => r.OrgId == orgId && r.AssigneeType == assignee.Type && r.AssigneeId == assignee.Id);

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db, AssigneeLookup lookup)
    {
        var caller = ApiCaller.Required(context);
        var assignee = await lookup(db, caller, context.RequestAborted);
        var roles = await Of(db, caller.OrgId, assignee).AsNoTracking().OrderBy(r => r.Id).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(roles.Select(r => ToResource(r, apiBase)).ToList());
    }

    private static async Task<IResult> Get(string roleAssignmentId, HttpContext context, LatchkeyDbContext db, AssigneeLookup lookup)
    {
        var caller = ApiCaller.Required(context);
        var assignee = await lookup(db, caller, context.RequestAborted);
        var role = await Of(db, caller.OrgId, assignee).AsNoTracking().FirstOrDefaultAsync(r => r.Id == roleAssignmentId, context.RequestAborted)
            ?? throw new ApiException(ApiErrors.NotFound(roleAssignmentId, "Role"));
        return ApiResponses.Json(ToResource(role, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Assign(HttpContext context, RoleChange change, AssigneeLookup lookup)
    {
        var caller = ApiCaller.Required(context);
        // Third-party admin status (no notification e-mails): Latchkey sends none, so the flag is checked and has no effect.
        JsonBody.QueryBool(context.Request, "disableNotifications", false);
        var type = ReadType(await JsonBody.ReadObjectAsync(context.Request));
        var (role, isUser) = await AssignAsync(caller, change, lookup, type, context.RequestAborted);
        return ApiResponses.Json(ToResource(role, ApiUrls.ApiBase(context.Request)), isUser ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>Grants <paramref name="type"/> to a user (the console's "Grant role"), with the API's rules and events.</summary>
    public static async Task<RoleAssignmentEntity> AssignToUserAsync(ApiCaller caller, RoleChange change, string userId, string? type,
        CancellationToken ct) =>
        (await AssignAsync(caller, change, User(userId), CheckType(type), ct)).Role;

    /// <summary>Revokes one of a user's direct role assignments (the console's "Revoke"), with the API's rules and events.</summary>
    public static Task UnassignFromUserAsync(ApiCaller caller, RoleChange change, string userId, string roleAssignmentId, CancellationToken ct) =>
        UnassignAsync(caller, change, User(userId), roleAssignmentId, ct);

    private static async Task<(RoleAssignmentEntity Role, bool IsUser)> AssignAsync(ApiCaller caller, RoleChange change, AssigneeLookup lookup,
        string type, CancellationToken ct)
    {
        var db = change.Db;
        var (role, assignee) = await change.Write.RunAsync<(RoleAssignmentEntity, Assignee)>(caller.OrgId, async () =>
        {
            var assignee = await lookup(db, caller, ct);
            if (assignee.GroupType == GroupTypes.BuiltIn)
            {
                throw new ApiException(ApiErrors.RoleOnBuiltInGroup(assignee.Target.DisplayName ?? assignee.Id));
            }

            if (assignee.GroupType is { } groupType && groupType != GroupTypes.Okta)
            {
                throw new ApiException(ApiErrors.RoleOnNonOktaGroup(assignee.Target.DisplayName ?? assignee.Id));
            }

            if (await Of(db, caller.OrgId, assignee).AnyAsync(r => r.Type == type, ct))
            {
                throw new ApiException(ApiErrors.DuplicateRoleAssignment());
            }

            var now = IsoTime.Truncate(change.Time.GetUtcNow());
            var role = new RoleAssignmentEntity
            {
                Id = RandomIds.NewId(IdPrefix.RoleAssignment, now), OrgId = caller.OrgId, AssigneeType = assignee.Type,
                AssigneeId = assignee.Id, Type = type, Created = now, LastUpdated = now,
            };
            db.RoleAssignments.Add(role);
            await db.SaveChangesAsync(ct);
            await StageChangeAsync(change, caller.OrgId, assignee, type, ct);
            return (role, assignee);
        }, ct);
        Forget(change.Tokens, assignee);
        return (role, assignee.Type == AdminGrants.UserAssignee);
    }

    private static async Task<IResult> Unassign(string roleAssignmentId, HttpContext context, RoleChange change, AssigneeLookup lookup)
    {
        await UnassignAsync(ApiCaller.Required(context), change, lookup, roleAssignmentId, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    private static async Task UnassignAsync(ApiCaller caller, RoleChange change, AssigneeLookup lookup, string roleAssignmentId, CancellationToken ct)
    {
        var db = change.Db;
        var assignee = await change.Write.RunAsync(caller.OrgId, async () =>
        {
            var assignee = await lookup(db, caller, ct);
            var role = await Of(db, caller.OrgId, assignee).FirstOrDefaultAsync(r => r.Id == roleAssignmentId, ct)
                ?? throw new ApiException(ApiErrors.NotFound(roleAssignmentId, "Role"));
            if (role.Type == AdminRole.SuperAdmin && !await change.Grants.AnotherSuperAdminAsync(caller.OrgId, role.Id, ct))
            {
                throw new ApiException(ApiErrors.Precondition("role",
                    "The org must keep a super administrator who can act: assign SUPER_ADMIN to another active user first."));
            }

            db.RoleAssignments.Remove(role);
            await db.SaveChangesAsync(ct);
            await StageChangeAsync(change, caller.OrgId, assignee, role.Type, ct);
            return assignee;
        }, ct);
        Forget(change.Tokens, assignee);
    }

    /// <summary>
    /// The event of a change, as the real catalogue defines the pair: <c>*.privilege.grant</c> whenever the assignee still
    /// holds roles afterwards, with <c>privilegeGranted</c> listing every role it now holds (for a user, direct and through
    /// groups); <c>*.privilege.revoke</c> when it holds none any more, with <c>privilegeRevoked</c> naming what it lost.
    /// </summary>
    private static async Task StageChangeAsync(RoleChange change, string orgId, Assignee assignee, string changedType, CancellationToken ct)
    {
        var isUser = assignee.Type == AdminGrants.UserAssignee;
        var now = isUser
            ? await change.Grants.ForUserAsync(orgId, assignee.Id, ct)
            : await change.Grants.ForGroupAsync(orgId, assignee.Id, ct);
        if (now.IsAdmin)
        {
            change.Log.Stage(isUser ? EventTypes.UserPrivilegeGrant : EventTypes.GroupPrivilegeGrant, [assignee.Target],
                debugData: new Dictionary<string, object?> { ["privilegeGranted"] = AdminRole.LogList(now.Roles) });
            return;
        }

        StageRevoked(change.Log, isUser, assignee.Target, [changedType]);
    }

    /// <summary>Stages the revoke event of a user or group that lost every role (<paramref name="roles"/>), e.g. as it is deleted.</summary>
    public static void StageRevoked(SystemLogWriter log, bool isUser, LogTarget target, IReadOnlyCollection<string> roles)
    {
        if (roles.Count > 0)
        {
            log.Stage(isUser ? EventTypes.UserPrivilegeRevoke : EventTypes.GroupPrivilegeRevoke, [target],
                debugData: new Dictionary<string, object?> { ["privilegeRevoked"] = AdminRole.LogList(roles) });
        }
    }

    /// <summary>A user's tokens, or (for a group: any member's) every token, are resolved afresh on their next call.</summary>
    private static void Forget(ApiTokenCache tokens, Assignee assignee)
    {
        if (assignee.Type == AdminGrants.UserAssignee)
        {
            tokens.ForgetUser(assignee.Id);
        }
        else
        {
            tokens.ForgetAll();
        }
    }

    private static string ReadType(System.Text.Json.Nodes.JsonObject body)
    {
        return CheckType(JsonBody.String(body, "type", "type"));
    }

    private static string CheckType(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new ApiException(ApiErrors.Validation("type", "The field cannot be left blank"));
        }

        return AdminRole.IsKnown(type)
            ? type
            : throw new ApiException(ApiErrors.Validation("type",
                $"'{(type.Length > 64 ? type[..64] + "..." : type)}' is not a standard role Latchkey grants; use one of {string.Join(", ", AdminRole.All)}."));
    }
}
