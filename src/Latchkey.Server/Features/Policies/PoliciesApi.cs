using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// <c>/api/v1/policies</c> (okta-api.md §5): list by type, create, get, replace, delete, activate, deactivate; the apps
/// bound to an access policy and <c>PUT /apps/{appId}/policies/{policyId}</c>. Rules: <see cref="PolicyRulesApi"/>;
/// simulation: <see cref="PolicySimulation"/>. See docs/policies.md.
/// </summary>
public static class PoliciesApi
{
    /// <summary>Policies: 20 a page, at most 200; sorted by priority (the system policy last), or by name with <c>sortBy=name</c>.</summary>
    private static readonly ListSpec PoliciesList = new("policies", new PageLimits(20, 200))
    {
        Sort = new SortRule("asc", "desc", StringComparison.OrdinalIgnoreCase, ["name"]),
    };

    public static void MapPoliciesApi(this RouteGroupBuilder api)
    {
        var policies = api.MapGroup("/policies");
        policies.MapGet("", List).AsList(PoliciesList).Requires(AdminPermission.PoliciesRead);
        policies.MapPost("", Create).Requires(AdminPermission.PoliciesManage);
        policies.MapPost("/simulate", PolicySimulation.SimulateAsync).Requires(AdminPermission.PoliciesRead);
        policies.MapGet("/{policyId}", Get).Requires(AdminPermission.PoliciesRead);
        policies.MapPut("/{policyId}", Replace).Requires(AdminPermission.PoliciesManage);
        policies.MapDelete("/{policyId}", Delete).Requires(AdminPermission.PoliciesManage);
        policies.MapPost("/{policyId}/lifecycle/activate", (string policyId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatus(policyId, PolicyStatus.Active, c, db, w, l, t)).Requires(AdminPermission.PoliciesManage);
        policies.MapPost("/{policyId}/lifecycle/deactivate", (string policyId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatus(policyId, PolicyStatus.Inactive, c, db, w, l, t)).Requires(AdminPermission.PoliciesManage);
        policies.MapGet("/{policyId}/app", Apps).Requires(AdminPermission.PoliciesRead).Requires(AdminPermission.AppsRead);
        policies.MapPost("/{policyId}/clone", Clone).Requires(AdminPermission.PoliciesManage);
        policies.MapPolicyRulesApi();
        policies.MapPolicyMappingsApi();

        // Under the app, as the spec has it: binding changes the app, so it is the apps' permission.
        api.MapPut("/apps/{appId}/policies/{policyId}", Bind).Requires(AdminPermission.AppsManage);
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var type = request.Query["type"].ToString();
        if (type.Length == 0)
        {
            throw new ApiException(ApiErrors.Validation("type", $"The policy type is required: one of {string.Join(", ", PolicyTypes.All)}."));
        }

        var v = new PolicyValidation();
        type = v.Enum(JsonValue.Create(type), "type", PolicyTypes.All) ?? "";
        var status = request.Query["status"].ToString();
        if (status.Length > 0)
        {
            status = v.Enum(JsonValue.Create(status), "status", [PolicyStatus.Active, PolicyStatus.Inactive]) ?? "";
        }

        v.ThrowIfAny();
        var query = db.Policies.AsNoTracking().Where(p => p.OrgId == caller.OrgId && p.Type == type);
        if (status.Length > 0)
        {
            query = query.Where(p => p.Status == status);
        }

        var all = await query.ToListAsync(context.RequestAborted);
        var q = request.Query["q"].ToString();
        var paging = Paging.Of(context);
        var ordered = (paging.SortBy == "name"
                ? all.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Id, StringComparer.Ordinal)
                : all.OrderBy(p => p.IsSystem ? 1 : 0).ThenBy(p => p.Priority).ThenBy(p => p.Id, StringComparer.Ordinal))
            .Where(p => q.Length == 0 || p.Name.StartsWith(q, StringComparison.OrdinalIgnoreCase)).ToList();
        if (paging.Descending)
        {
            ordered.Reverse();
        }

        var page = Paging.OffsetPage(context, ordered);

        var apiBase = ApiUrls.ApiBase(request);
        ILookup<string, PolicyRuleEntity>? rules = null;
        if (request.Query["expand"].ToString().Split(',').Contains("rules", StringComparer.OrdinalIgnoreCase))
        {
            var ids = page.Select(p => p.Id).ToList();
            rules = (await db.PolicyRules.AsNoTracking().Where(r => ids.Contains(r.PolicyId)).ToListAsync(context.RequestAborted))
                .OrderBy(r => r.IsSystem ? 1 : 0).ThenBy(r => r.Priority).ToLookup(r => r.PolicyId, StringComparer.Ordinal);
        }

        return ApiResponses.Json(new JsonArray(page.Select(p => (JsonNode)PolicyResources.ToResource(p, apiBase, rules?[p.Id])).ToArray()));
    }

    private static async Task<IResult> Create(HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var policy = await CreateAsync(caller, await JsonBody.ReadObjectAsync(context.Request), JsonBody.QueryBool(context.Request, "activate", true),
            db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(PolicyResources.ToResource(policy, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary><c>POST /api/v1/policies</c>'s validation, write and log events (the console's Authentication Policies page calls it too).</summary>
    public static async Task<PolicyEntity> CreateAsync(ApiCaller caller, JsonObject body, bool activate, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        _ = PolicyBodies.ReadPolicy(body, existing: null); // a bad body is refused before the write turn is taken
        var now = IsoTime.Truncate(time.GetUtcNow());
        return await write.RunAsync(caller.OrgId, () => AddAsync(db, log, caller.OrgId, body, activate, now, ct), ct);
    }

    /// <summary>
    /// Adds the policy <paramref name="body"/> describes (validated as <c>POST /api/v1/policies</c> does), with its system
    /// rule and log events, inside the caller's write turn (an app that comes with its own policy creates both in one).
    /// </summary>
    public static async Task<PolicyEntity> AddAsync(LatchkeyDbContext db, SystemLogWriter log, string orgId, JsonObject body, bool activate,
        DateTimeOffset now, CancellationToken ct)
    {
        var input = PolicyBodies.ReadPolicy(body, existing: null);
        var policy = new PolicyEntity
        {
            Id = RandomIds.NewId(PolicyTypes.IdPrefixOf(input.Type), now), OrgId = orgId, Type = input.Type, Name = input.Name,
            Description = input.Description, Status = input.Status ?? (activate ? PolicyStatus.Active : PolicyStatus.Inactive),
            Created = now, LastUpdated = now, ConditionsJson = input.Conditions?.ToJsonString(), SettingsJson = input.Settings?.ToJsonString(),
        };
        await EnsureNameFreeAsync(db, policy, ct: ct);
        await PlaceAsync(db, policy, input.Priority, ct);
        db.Policies.Add(policy);
        db.PolicyRules.Add(DefaultPolicies.SystemRule(policy, ordinaryRules: 0, now));
        StageCreated(log, policy);
        return policy;
    }

    private static void StageCreated(SystemLogWriter log, PolicyEntity policy)
    {
        log.Stage(EventTypes.PolicyCreate, [PolicyResources.Target(policy)]);
        if (policy.Status == PolicyStatus.Active)
        {
            log.Stage(EventTypes.PolicyActivate, [PolicyResources.Target(policy)]);
        }
    }

    /// <summary>
    /// <c>POST /policies/{policyId}/clone</c>: a new policy of the same type, named "Copy of &lt;name&gt;" (with " (2)", " (3)"...
    /// while that is taken), with the source's description, conditions, settings and status, placed last among the type's
    /// policies (before the default one), and a copy of every rule, the catch-all included, with its priority and status.
    /// A clone is never a system policy, so a copy of a default policy can be edited and deleted; no app is bound to it.
    /// </summary>
    private static async Task<IResult> Clone(string policyId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var clone = await write.RunAsync(caller.OrgId, async () =>
        {
            var source = await FindAsync(db, caller.OrgId, policyId, ct);
            var now = IsoTime.Truncate(time.GetUtcNow());
            var taken = (await db.Policies.Where(p => p.OrgId == caller.OrgId && p.Type == source.Type).Select(p => p.Name).ToListAsync(ct))
                .ToHashSet(StringComparer.Ordinal);
            var name = CopyName(source.Name, 1);
            for (var n = 2; taken.Contains(name); n++)
            {
                name = CopyName(source.Name, n);
            }

            var policy = new PolicyEntity
            {
                Id = RandomIds.NewId(PolicyTypes.IdPrefixOf(source.Type), now), OrgId = caller.OrgId, Type = source.Type, Name = name,
                Description = source.Description, Status = source.Status, Created = now, LastUpdated = now,
                ConditionsJson = source.ConditionsJson, SettingsJson = source.SettingsJson,
            };
            await PlaceAsync(db, policy, priority: null, ct);
            db.Policies.Add(policy);
            foreach (var rule in await PolicyRulesApi.RulesOfAsync(db, source.Id, track: false, ct))
            {
                db.PolicyRules.Add(new PolicyRuleEntity
                {
                    Id = RandomIds.NewId(Core.Ids.IdPrefix.PolicyRule, now), OrgId = caller.OrgId, PolicyId = policy.Id, Type = rule.Type, Name = rule.Name,
                    Status = rule.Status, Priority = rule.Priority, IsSystem = rule.IsSystem, Created = now, LastUpdated = now,
                    ConditionsJson = rule.ConditionsJson, ActionsJson = rule.ActionsJson,
                });
            }

            StageCreated(log, policy);
            return policy;
        }, ct);
        return ApiResponses.Json(PolicyResources.ToResource(clone, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>"Copy of &lt;name&gt;", and " (n)" from the second copy on, within the 255 characters a name may have.</summary>
    private static string CopyName(string name, int n)
    {
        var suffix = n == 1 ? "" : $" ({n})";
        var copy = "Copy of " + name;
        return copy.Length + suffix.Length <= 255 ? copy + suffix : copy[..(255 - suffix.Length)] + suffix;
    }

    private static async Task<IResult> Get(string policyId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var policy = await FindAsync(db, caller.OrgId, policyId, context.RequestAborted);
        var expandRules = context.Request.Query["expand"].ToString().Split(',').Contains("rules", StringComparer.OrdinalIgnoreCase);
        var rules = expandRules ? await PolicyRulesApi.RulesOfAsync(db, policy.Id, track: false, context.RequestAborted) : null;
        return ApiResponses.Json(PolicyResources.ToResource(policy, ApiUrls.ApiBase(context.Request), rules));
    }

    private static async Task<IResult> Replace(string policyId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time) =>
        ApiResponses.Json(PolicyResources.ToResource(await ReplaceAsync(ApiCaller.Required(context), policyId,
            await JsonBody.ReadObjectAsync(context.Request), db, write, log, time, context.RequestAborted), ApiUrls.ApiBase(context.Request)));

    /// <summary><c>PUT /api/v1/policies/{policyId}</c>'s validation, write and log event (the console's policy page calls it too).</summary>
    public static async Task<PolicyEntity> ReplaceAsync(ApiCaller caller, string policyId, JsonObject body, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var policy = await FindAsync(db, caller.OrgId, policyId, ct, track: true);
            var input = PolicyBodies.ReadPolicy(body, policy);
            if (policy.IsSystem && input.Status == PolicyStatus.Inactive)
            {
                throw new ApiException(SystemPolicyRefusal(policy, "deactivated"));
            }

            (policy.Name, policy.Description) = (input.Name, input.Description);
            policy.ConditionsJson = input.Conditions?.ToJsonString();
            policy.SettingsJson = input.Settings?.ToJsonString() ?? (input.Type == PolicyTypes.Password ? policy.SettingsJson : null);
            if (input.Status is { } status)
            {
                policy.Status = status;
            }

            await EnsureNameFreeAsync(db, policy, ct);
            if (!policy.IsSystem && input.Priority is { } priority && priority != policy.Priority)
            {
                await PlaceAsync(db, policy, priority, ct);
            }

            policy.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
            log.Stage(EventTypes.PolicyUpdate, [PolicyResources.Target(policy)]);
            return policy;
        }, ct);
    }

    private static async Task<IResult> Delete(string policyId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        await DeleteAsync(ApiCaller.Required(context), policyId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary><c>DELETE /api/v1/policies/{policyId}</c>'s checks, write and log event (the console's policy page calls it too).</summary>
    public static async Task<PolicyEntity> DeleteAsync(ApiCaller caller, string policyId, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        CancellationToken ct)
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var policy = await FindAsync(db, caller.OrgId, policyId, ct, track: true);
            if (policy.IsSystem)
            {
                throw new ApiException(SystemPolicyRefusal(policy, "deleted"));
            }

            var bound = await db.Apps.CountAsync(a => a.AccessPolicyId == policy.Id, ct);
            if (bound > 0)
            {
                throw new ApiException(ApiErrors.Precondition("policy",
                    $"The policy is the access policy of {bound} app(s): bind them to another policy first (PUT /api/v1/apps/{{appId}}/policies/{{policyId}})."));
            }

            await db.PolicyRules.Where(r => r.PolicyId == policy.Id).ExecuteDeleteAsync(ct);
            db.Policies.Remove(policy);
            var others = await SiblingsAsync(db, policy, ct);
            PolicyPriorities.Renumber(others.Ordinary, others.System, (p, n) => p.Priority = n);
            log.Stage(EventTypes.PolicyDelete, [PolicyResources.Target(policy)]);
            return policy;
        }, ct);
    }

    private static async Task<IResult> SetStatus(string policyId, string status, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        await SetStatusAsync(ApiCaller.Required(context), policyId, status, db, write, log, time, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary><c>lifecycle/activate</c> and <c>lifecycle/deactivate</c> of a policy (the console's policy page calls it too).</summary>
    public static Task<PolicyEntity> SetStatusAsync(ApiCaller caller, string policyId, string status, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        PolicyLifecycle.SetStatusAsync(caller, write, log, time, status,
            (orgId, c) => FindAsync(db, orgId, policyId, c, track: true), policy => SystemPolicyRefusal(policy, "deactivated"),
            EventTypes.PolicyActivate, EventTypes.PolicyDeactivate, PolicyResources.Target, ct);

    private static async Task<IResult> Apps(string policyId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var policy = await FindAsync(db, caller.OrgId, policyId, context.RequestAborted);
        var apps = await db.Apps.AsNoTracking().Where(a => a.OrgId == caller.OrgId && a.AccessPolicyId == policy.Id).OrderBy(a => a.Id)
            .ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(apps.Select(a => (JsonNode)AppResources.ToResource(a, apiBase)).ToArray()));
    }

    /// <summary><c>PUT /apps/{appId}/policies/{policyId}</c>: the app's access policy becomes this ACCESS_POLICY (204).</summary>
    private static async Task<IResult> Bind(string appId, string policyId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        await BindAsync(ApiCaller.Required(context), appId, policyId, db, write, log, time, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary><c>PUT /apps/{appId}/policies/{policyId}</c>'s checks, write and log event (the console's policy page calls it too).</summary>
    public static async Task BindAsync(ApiCaller caller, string appId, string policyId, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await AppsApi.FindAsync(db, caller, appId, ct, track: true);
            var policy = await FindAsync(db, caller.OrgId, policyId, ct);
            if (policy.Type != PolicyTypes.Access)
            {
                throw new ApiException(ApiErrors.Validation("policyId", $"An app is bound to an ACCESS_POLICY; {policy.Id} is a {policy.Type} policy."));
            }

            if (app.AccessPolicyId != policy.Id)
            {
                app.AccessPolicyId = policy.Id;
                app.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
                log.Stage(EventTypes.PolicyMappingCreate, [PolicyResources.Target(policy), AppResources.Target(app)]);
            }
        }, ct);
    }

    public static async Task<PolicyEntity> FindAsync(LatchkeyDbContext db, string orgId, string policyId, CancellationToken ct, bool track = false)
    {
        var query = track ? db.Policies : db.Policies.AsNoTracking();
        return await query.FirstOrDefaultAsync(p => p.Id == policyId && p.OrgId == orgId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(policyId, "Policy"));
    }

    private static ApiError SystemPolicyRefusal(PolicyEntity policy, string what) =>
        ApiErrors.Precondition("policy", $"The {policy.Type} \"{policy.Name}\" is a system policy and cannot be {what}.");

    /// <summary>The other policies of the same type (tracked): the ordinary ones by priority, and the system one.</summary>
    private static async Task<(List<PolicyEntity> Ordinary, PolicyEntity? System)> SiblingsAsync(LatchkeyDbContext db, PolicyEntity policy, CancellationToken ct)
    {
        var all = await db.Policies.Where(p => p.OrgId == policy.OrgId && p.Type == policy.Type && p.Id != policy.Id).ToListAsync(ct);
        return (all.Where(p => !p.IsSystem).OrderBy(p => p.Priority).ThenBy(p => p.Id, StringComparer.Ordinal).ToList(), all.FirstOrDefault(p => p.IsSystem));
    }

    private static async Task PlaceAsync(LatchkeyDbContext db, PolicyEntity policy, int? priority, CancellationToken ct)
    {
        var (ordinary, system) = await SiblingsAsync(db, policy, ct);
        PolicyPriorities.Place(ordinary, policy, priority, system, (p, n) => p.Priority = n);
    }

    private static async Task EnsureNameFreeAsync(LatchkeyDbContext db, PolicyEntity policy, CancellationToken ct)
    {
        if (await db.Policies.AnyAsync(p => p.OrgId == policy.OrgId && p.Type == policy.Type && p.Name == policy.Name && p.Id != policy.Id, ct))
        {
            throw new ApiException(ApiErrors.Validation("name", "A policy of this type with this name already exists."));
        }
    }
}
