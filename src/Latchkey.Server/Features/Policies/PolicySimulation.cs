using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Policies;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// <c>POST /api/v1/policies/simulate</c>: "what if this user, on this device, opened this app" for each requested policy
/// type, answered by the policy engine's trace without anyone signing in and without writing anything. The body is an
/// array of SimulatePolicyBody (as the SDK sends it); the answer the spec's <c>{evaluation: [...]}</c>, each condition
/// with an extra <c>reason</c> and each evaluation with an extra <c>decision</c>. <c>expand=EVALUATED</c> adds the
/// policies and rules tried without matching (in <c>evaluated</c>, or <c>undefined</c> when a fact was unknown);
/// <c>expand=RULE</c> adds their conditions.
/// </summary>
public static class PolicySimulation
{
    private sealed record Expand(bool Evaluated, bool Rule);

    private sealed class Lists
    {
        public JsonArray Result { get; } = [];
        public JsonArray Evaluated { get; } = [];
        public JsonArray Undefined { get; } = [];
        public PolicyDecision? Decision { get; set; }
    }

    public static async Task<IResult> SimulateAsync(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var expandValues = context.Request.Query["expand"].SelectMany(e => (e ?? "").Split(',')).Select(e => e.Trim().ToUpperInvariant()).ToHashSet();
        var expand = new Expand(expandValues.Contains("EVALUATED"), expandValues.Contains("RULE"));
        var items = await JsonBody.ReadAsync(context.Request) switch
        {
            JsonArray array => array.ToList(),
            JsonObject single => [single],
            _ => throw new ApiException(ApiErrors.Validation("body", "The body is an array of simulations: [{appInstance, policyTypes, policyContext}].")),
        };

        var evaluations = new JsonArray();
        for (var i = 0; i < items.Count; i++)
        {
            foreach (var evaluation in await SimulateOneAsync(db, caller, items[i] as JsonObject, $"[{i}]", expand, context.RequestAborted))
            {
                evaluations.Add(evaluation);
            }
        }

        return ApiResponses.Json(new JsonObject { ["evaluation"] = evaluations });
    }

    /// <summary>
    /// One simulation as <c>POST /api/v1/policies/simulate?expand=EVALUATED,RULE</c> answers it for <paramref name="item"/>
    /// (one element of the body): the evaluations, one per policy type. The console's Access testing page calls this, so the
    /// page and the API cannot disagree.
    /// </summary>
    public static Task<List<JsonObject>> SimulateExpandedAsync(LatchkeyDbContext db, ApiCaller caller, JsonObject item, CancellationToken ct) =>
        SimulateOneAsync(db, caller, item, "[0]", new Expand(Evaluated: true, Rule: true), ct);

    private static async Task<List<JsonObject>> SimulateOneAsync(LatchkeyDbContext db, ApiCaller caller, JsonObject? item, string at, Expand expand,
        CancellationToken ct)
    {
        var v = new PolicyValidation();
        if (item is null)
        {
            throw new ApiException(ApiErrors.Validation(at, "Each simulation is an object."));
        }

        var appId = v.String(item["appInstance"], $"{at}.appInstance");
        if (string.IsNullOrEmpty(appId))
        {
            v.Fail($"{at}.appInstance", "The app to simulate is required.");
        }

        var types = item["policyTypes"] is null ? PolicyTypes.Simulated : v.EnumArray(item["policyTypes"], $"{at}.policyTypes", PolicyTypes.Simulated)!
            .Select(t => (string)t!).Distinct().ToArray();
        var policyContext = v.Object(item["policyContext"], $"{at}.policyContext") ?? [];
        var userRef = v.String(policyContext["user"]?["id"], $"{at}.policyContext.user.id");
        var groupIds = v.Ids(policyContext["groups"]?["ids"], $"{at}.policyContext.groups.ids");
        var zones = policyContext["zones"] is null ? null : v.Ids(policyContext["zones"]?["ids"], $"{at}.policyContext.zones.ids");
        DeviceFacts? device = null;
        if (v.Object(policyContext["device"], $"{at}.policyContext.device") is { } d)
        {
            device = new DeviceFacts(
                v.Bool(d["registered"], $"{at}.policyContext.device.registered") ?? false,
                v.Bool(d["managed"], $"{at}.policyContext.device.managed") ?? false,
                v.Enum(d["platform"], $"{at}.policyContext.device.platform", PolicyConditions.OsTypes))
            {
                AssuranceId = v.String(d["assuranceId"], $"{at}.policyContext.device.assuranceId"),
            };
        }

        v.ThrowIfAny();
        var app = await AppsApi.FindAsync(db, caller, appId!, ct);
        var userId = "";
        if (!string.IsNullOrEmpty(userRef))
        {
            var user = await UserLookup.GetAsync(db, caller, userRef, ct);
            userId = user.Id;
            groupIds.AddRange(await db.GroupMembers.Where(m => m.UserId == user.Id).Select(m => m.GroupId).ToListAsync(ct));
        }

        var facts = new PolicyContext(userId, groupIds.ToHashSet(StringComparer.Ordinal), device)
        {
            ZoneIds = zones?.ToHashSet(StringComparer.Ordinal),
        };

        var result = new List<JsonObject>();
        foreach (var type in types)
        {
            var candidates = type == PolicyTypes.Access
                ? await db.Policies.AsNoTracking().Where(p => p.Id == app.AccessPolicyId).ToListAsync(ct)
                : PolicyOrder.InEvaluationOrder(await db.Policies.AsNoTracking().Where(p => p.OrgId == caller.OrgId && p.Type == type && p.Status == PolicyStatus.Active).ToListAsync(ct));
            var lists = new Lists();
            foreach (var policy in candidates)
            {
                if (await EvaluatePolicyAsync(db, policy, facts, expand, lists, ct))
                {
                    break;
                }
            }

            result.Add(Evaluation(type, lists));
        }

        return result;
    }

    /// <summary>Evaluates one policy into <paramref name="lists"/>; true when one of its rules matched (the evaluation ends there).</summary>
    private static async Task<bool> EvaluatePolicyAsync(LatchkeyDbContext db, PolicyEntity policy, PolicyContext facts, Expand expand, Lists lists,
        CancellationToken ct)
    {
        // The policy's own conditions (e.g. OKTA_SIGN_ON's groups), walked by the engine as one rule.
        var own = PolicyEngine.Evaluate([new PolicyRule(policy.Id, policy.Name, policy.Priority, PolicyAccess.Allow, PolicyRuleMapping.Conditions(policy.ConditionsJson))], facts);
        var ownConditions = own.Trace[0].Conditions;
        var policyStatus = policy.Status != PolicyStatus.Active ? "NOT_MATCH" : StatusOf(own.Trace[0]);
        if (policyStatus != "MATCH")
        {
            if (expand.Evaluated)
            {
                (policyStatus == "UNDEFINED" ? lists.Undefined : lists.Evaluated).Add(PolicyEntry(policy, policyStatus, ownConditions, []));
            }

            return false;
        }

        var decision = PolicyEngine.Evaluate(await PolicyRuleMapping.RulesAsync(db, policy.Id, ct), facts);
        lists.Decision ??= decision;
        var tried = decision.Trace.Where(t => t.Outcome != RuleOutcome.Skipped).ToList();
        var missed = tried.Where(t => t.Outcome == RuleOutcome.NotMatched).ToList();
        foreach (var (status, list) in new[] { ("NOT_MATCH", lists.Evaluated), ("UNDEFINED", lists.Undefined) })
        {
            var rules = missed.Where(t => StatusOf(t) == status).Select(t => RuleEntry(t, withConditions: expand.Rule)).ToList();
            if (expand.Evaluated && rules.Count > 0)
            {
                list.Add(PolicyEntry(policy, "MATCH", ownConditions, rules));
            }
        }

        if (decision.MatchedRule is null)
        {
            return false;
        }

        lists.Decision = decision;
        lists.Result.Add(PolicyEntry(policy, "MATCH", ownConditions, [RuleEntry(tried[^1], withConditions: true)]));
        return true;
    }

    private static JsonObject Evaluation(string type, Lists lists)
    {
        var evaluation = new JsonObject
        {
            ["status"] = lists.Result.Count > 0 ? "MATCH" : "NOT_MATCH",
            ["policyType"] = type,
            ["result"] = new JsonObject { ["policies"] = lists.Result },
            ["undefined"] = new JsonObject { ["policies"] = lists.Undefined },
            ["evaluated"] = new JsonObject { ["policies"] = lists.Evaluated },
        };
        if (lists.Decision is { } decision)
        {
            evaluation["decision"] = new JsonObject
            {
                ["access"] = decision.Allowed ? "ALLOW" : "DENY",
                ["rule"] = decision.MatchedRule is { } rule ? new JsonObject { ["id"] = rule.Id, ["name"] = rule.Name } : null,
                ["reason"] = decision.Reason,
            };
        }
        else
        {
            evaluation["decision"] = new JsonObject { ["access"] = "DENY", ["rule"] = null, ["reason"] = "Denied: no policy of this type applies to the request." };
        }

        return evaluation;
    }

    /// <summary>MATCH, or for a rule that did not match: UNDEFINED when the condition that stopped it lacked a fact, else NOT_MATCH.</summary>
    private static string StatusOf(RuleTrace trace) => trace.Outcome switch
    {
        RuleOutcome.Matched => "MATCH",
        _ when trace.Conditions.Count > 0 && trace.Conditions[^1].Status == ConditionStatus.Undefined => "UNDEFINED",
        _ => "NOT_MATCH",
    };

    private static JsonObject PolicyEntry(PolicyEntity policy, string status, IReadOnlyList<ConditionResult> conditions, List<JsonObject> rules) => new()
    {
        ["id"] = policy.Id,
        ["name"] = policy.Name,
        ["status"] = status,
        ["conditions"] = Conditions(conditions),
        ["rules"] = new JsonArray(rules.Select(r => (JsonNode)r).ToArray()),
    };

    private static JsonObject RuleEntry(RuleTrace trace, bool withConditions) => new()
    {
        ["id"] = trace.Rule.Id,
        ["name"] = trace.Rule.Name,
        ["status"] = StatusOf(trace),
        ["conditions"] = withConditions ? Conditions(trace.Conditions) : new JsonArray(),
    };

    private static JsonArray Conditions(IReadOnlyList<ConditionResult> results) =>
        new(results.Select(c => (JsonNode)new JsonObject { ["type"] = c.Condition, ["status"] = c.StatusName, ["reason"] = c.Reason }).ToArray());
}
