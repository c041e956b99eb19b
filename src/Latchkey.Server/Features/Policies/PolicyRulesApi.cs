using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// <c>/api/v1/policies/{policyId}/rules</c>: list (by priority, the system rule last; <c>limit</c> and <c>after</c>), create (<c>activate</c>, default
/// true), get, replace, delete, activate, deactivate. The system rule (the catch-all) can be edited (its actions) but not
/// deleted, deactivated, renamed or moved.
/// </summary>
public static class PolicyRulesApi
{
    /// <summary>
    /// A policy's rules, in evaluation order: 200 a page unless <c>limit</c> says fewer (the spec's <c>limitParameter</c>),
    /// so a client that reads one page still sees the catch-all of any policy a person would write.
    /// </summary>
    private static readonly ListSpec RulesList = new("policy-rules", new PageLimits(200, 200));

    public static void MapPolicyRulesApi(this RouteGroupBuilder policies)
    {
        policies.MapGet("/{policyId}/rules", List).AsList(RulesList).Requires(AdminPermission.PoliciesRead);
        policies.MapPost("/{policyId}/rules", Create).Requires(AdminPermission.PoliciesManage);
        policies.MapGet("/{policyId}/rules/{ruleId}", Get).Requires(AdminPermission.PoliciesRead);
        policies.MapPut("/{policyId}/rules/{ruleId}", Replace).Requires(AdminPermission.PoliciesManage);
        policies.MapDelete("/{policyId}/rules/{ruleId}", Delete).Requires(AdminPermission.PoliciesManage);
        policies.MapPost("/{policyId}/rules/{ruleId}/lifecycle/activate",
            (string policyId, string ruleId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
                SetStatus(policyId, ruleId, PolicyStatus.Active, c, db, w, l, t)).Requires(AdminPermission.PoliciesManage);
        policies.MapPost("/{policyId}/rules/{ruleId}/lifecycle/deactivate",
            (string policyId, string ruleId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
                SetStatus(policyId, ruleId, PolicyStatus.Inactive, c, db, w, l, t)).Requires(AdminPermission.PoliciesManage);
    }

    /// <summary>A policy's rules in evaluation order: by priority, the system rule last.</summary>
    public static async Task<List<PolicyRuleEntity>> RulesOfAsync(LatchkeyDbContext db, string policyId, bool track, CancellationToken ct)
    {
        var query = track ? db.PolicyRules : db.PolicyRules.AsNoTracking();
        return (await query.Where(r => r.PolicyId == policyId).ToListAsync(ct))
            .OrderBy(r => r.IsSystem ? 1 : 0).ThenBy(r => r.Priority).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    private static async Task<IResult> List(string policyId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var policy = await PoliciesApi.FindAsync(db, caller.OrgId, policyId, context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var rules = Paging.OffsetPage(context, await RulesOfAsync(db, policy.Id, track: false, context.RequestAborted));
        return ApiResponses.Json(new JsonArray(rules.Select(r => (JsonNode)PolicyResources.ToRule(r, apiBase)).ToArray()));
    }

    private static async Task<IResult> Get(string policyId, string ruleId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var rule = await FindAsync(db, caller.OrgId, policyId, ruleId, track: false, context.RequestAborted);
        return ApiResponses.Json(PolicyResources.ToRule(rule, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Create(string policyId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time)
    {
        var rule = await CreateAsync(ApiCaller.Required(context), policyId, await JsonBody.ReadObjectAsync(context.Request),
            JsonBody.QueryBool(context.Request, "activate", true), db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(PolicyResources.ToRule(rule, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary><c>POST /policies/{policyId}/rules</c>'s validation, write and log events (the console's policy page calls it too).</summary>
    public static async Task<PolicyRuleEntity> CreateAsync(ApiCaller caller, string policyId, JsonObject body, bool activate, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var policy = await PoliciesApi.FindAsync(db, caller.OrgId, policyId, ct);
            var input = PolicyBodies.ReadRule(body, policy.Type, existing: null);
            var now = IsoTime.Truncate(time.GetUtcNow());
            var rule = new PolicyRuleEntity
            {
                Id = RandomIds.NewId(Core.Ids.IdPrefix.PolicyRule, now), OrgId = caller.OrgId, PolicyId = policy.Id,
                Type = PolicyTypes.RuleType(policy.Type), Name = input.Name,
                Status = input.Status ?? (activate ? PolicyStatus.Active : PolicyStatus.Inactive), Created = now, LastUpdated = now,
                ConditionsJson = input.Conditions?.ToJsonString(), ActionsJson = input.Actions?.ToJsonString(),
            };
            var rules = await RulesOfAsync(db, policy.Id, track: true, ct);
            EnsureNameFree(rules, rule);
            Place(rules, rule, input.Priority);
            db.PolicyRules.Add(rule);
            log.Stage(EventTypes.PolicyRuleAdd, [PolicyResources.Target(rule), PolicyResources.Target(policy)]);
            if (rule.Status == PolicyStatus.Active)
            {
                log.Stage(EventTypes.PolicyRuleActivate, [PolicyResources.Target(rule), PolicyResources.Target(policy)]);
            }

            return rule;
        }, ct);
    }

    private static async Task<IResult> Replace(string policyId, string ruleId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var rule = await ReplaceAsync(ApiCaller.Required(context), policyId, ruleId, await JsonBody.ReadObjectAsync(context.Request), db, write, log, time,
            context.RequestAborted);
        return ApiResponses.Json(PolicyResources.ToRule(rule, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary><c>PUT /policies/{policyId}/rules/{ruleId}</c>'s validation, write and log event (the console's policy page calls it too).</summary>
    public static async Task<PolicyRuleEntity> ReplaceAsync(ApiCaller caller, string policyId, string ruleId, JsonObject body, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var policy = await PoliciesApi.FindAsync(db, caller.OrgId, policyId, ct);
            var rules = await RulesOfAsync(db, policy.Id, track: true, ct);
            var rule = rules.FirstOrDefault(r => r.Id == ruleId) ?? throw new ApiException(ApiErrors.NotFound(ruleId, "PolicyRule"));
            var input = PolicyBodies.ReadRule(body, policy.Type, rule);
            (rule.Name, rule.ConditionsJson, rule.ActionsJson) = (input.Name, input.Conditions?.ToJsonString(), input.Actions?.ToJsonString());
            if (input.Status is { } status)
            {
                rule.Status = status;
            }

            EnsureNameFree(rules, rule);
            if (!rule.IsSystem && input.Priority is { } priority && priority != rule.Priority)
            {
                Place(rules, rule, priority);
            }

            rule.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
            log.Stage(EventTypes.PolicyRuleUpdate, [PolicyResources.Target(rule), PolicyResources.Target(policy)]);
            return rule;
        }, ct);
    }

    private static async Task<IResult> Delete(string policyId, string ruleId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log)
    {
        await DeleteAsync(ApiCaller.Required(context), policyId, ruleId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary><c>DELETE /policies/{policyId}/rules/{ruleId}</c>'s checks, write and log event (the console's policy page calls it too).</summary>
    public static async Task<PolicyRuleEntity> DeleteAsync(ApiCaller caller, string policyId, string ruleId, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, CancellationToken ct)
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var policy = await PoliciesApi.FindAsync(db, caller.OrgId, policyId, ct);
            var rules = await RulesOfAsync(db, policy.Id, track: true, ct);
            var rule = rules.FirstOrDefault(r => r.Id == ruleId) ?? throw new ApiException(ApiErrors.NotFound(ruleId, "PolicyRule"));
            if (rule.IsSystem)
            {
                throw new ApiException(SystemRuleRefusal(rule, "deleted"));
            }

            db.PolicyRules.Remove(rule);
            rules.Remove(rule);
            PolicyPriorities.Renumber(rules.Where(r => !r.IsSystem).ToList(), rules.FirstOrDefault(r => r.IsSystem), (r, n) => r.Priority = n);
            log.Stage(EventTypes.PolicyRuleDelete, [PolicyResources.Target(rule), PolicyResources.Target(policy)]);
            return rule;
        }, ct);
    }

    private static async Task<IResult> SetStatus(string policyId, string ruleId, string status, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        await SetStatusAsync(ApiCaller.Required(context), policyId, ruleId, status, db, write, log, time, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary><c>lifecycle/activate</c> and <c>lifecycle/deactivate</c> of a rule (the console's policy page calls it too).</summary>
    public static Task<PolicyRuleEntity> SetStatusAsync(ApiCaller caller, string policyId, string ruleId, string status, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        PolicyLifecycle.SetStatusAsync(caller, write, log, time, status,
            (orgId, c) => FindAsync(db, orgId, policyId, ruleId, track: true, c), rule => SystemRuleRefusal(rule, "deactivated"),
            EventTypes.PolicyRuleActivate, EventTypes.PolicyRuleDeactivate, PolicyResources.Target, ct);

    private static async Task<PolicyRuleEntity> FindAsync(LatchkeyDbContext db, string orgId, string policyId, string ruleId, bool track, CancellationToken ct)
    {
        var policy = await PoliciesApi.FindAsync(db, orgId, policyId, ct);
        var query = track ? db.PolicyRules : db.PolicyRules.AsNoTracking();
        return await query.FirstOrDefaultAsync(r => r.Id == ruleId && r.PolicyId == policy.Id, ct)
            ?? throw new ApiException(ApiErrors.NotFound(ruleId, "PolicyRule"));
    }

    /// <summary>Puts an ordinary rule at <paramref name="priority"/> among <paramref name="rules"/> (all of the policy's, tracked).</summary>
    private static void Place(List<PolicyRuleEntity> rules, PolicyRuleEntity rule, int? priority) =>
        PolicyPriorities.Place(rules.Where(r => !r.IsSystem).ToList(), rule, priority, rules.FirstOrDefault(r => r.IsSystem), (r, n) => r.Priority = n);

    private static void EnsureNameFree(List<PolicyRuleEntity> rules, PolicyRuleEntity rule)
    {
        if (rules.Any(r => r.Id != rule.Id && string.Equals(r.Name, rule.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ApiException(ApiErrors.Validation("name", "A rule with this name already exists in the policy."));
        }
    }

    private static ApiError SystemRuleRefusal(PolicyRuleEntity rule, string what) =>
        ApiErrors.Precondition("rule", $"\"{rule.Name}\" is the policy's system rule (its catch-all) and cannot be {what}; edit its actions instead.");
}
