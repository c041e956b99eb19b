using System.Text.Json.Nodes;
using Latchkey.Core.Policies;
using Latchkey.Core.SignIn;
using Latchkey.Server.Features.NetworkZones;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// What the org's OKTA_SIGN_ON policies (the global session policy) decided for one sign-in: the deciding rule's
/// <c>actions.signon</c>, <c>access</c> (ALLOW or DENY), <c>requireFactor</c> (a second factor after the password) and
/// <c>session</c> lifetimes, with the engine's trace for the log.
/// </summary>
public sealed record SignOnOutcome(PolicyDecision Decision, string PolicyId, string PolicyName, bool RequireFactor, SessionPolicy Session)
{
    public bool Denied => !Decision.Allowed;

    public string Outcome => Denied ? "DENY" : "ALLOW";

    /// <summary>The outcome of an org with no sign-on policy stored (none can be made without one; kept for damaged data): allowed, default session.</summary>
    public static SignOnOutcome NoPolicy { get; } = new(
        new PolicyDecision(PolicyAccess.Allow, null, "No sign-on policy is stored; the defaults apply.", []), "", "", false, SessionPolicy.Default);
}

/// <summary>
/// Evaluates the OKTA_SIGN_ON policies for a person signing in (issue 12 item 3): active policies in priority order (the
/// default, system one last), each policy's own conditions first, then its rules with the one engine of
/// Latchkey.Core.Policies; the first rule that matches decides, as <c>POST /api/v1/policies/simulate</c> shows it.
/// Group memberships and the client's network zones are read only when a condition asks for them.
/// </summary>
public sealed class SignOnPolicy(LatchkeyDbContext db, PolicyFacts facts, IHttpContextAccessor requests)
{
    /// <summary>The decision for <paramref name="userId"/> signing in with the current request (its address gives the network zones).</summary>
    public async Task<SignOnOutcome> DecideAsync(string orgId, string userId, CancellationToken ct)
    {
        var policies = PolicyOrder.InEvaluationOrder(await db.Policies.AsNoTracking()
            .Where(p => p.OrgId == orgId && p.Type == SignInPolicies.SignOnType && p.Status == PolicyStatus.Active).ToListAsync(ct));
        if (policies.Count == 0)
        {
            return SignOnOutcome.NoPolicy;
        }

        var ids = policies.Select(p => p.Id).ToList();
        var stored = await db.PolicyRules.AsNoTracking().Where(r => ids.Contains(r.PolicyId)).ToListAsync(ct);
        var rulesOf = stored.GroupBy(r => r.PolicyId).ToDictionary(g => g.Key, g => PolicyEngine.Order(g.Select(PolicyRuleMapping.ToEngineRule)));
        var own = policies.ToDictionary(p => p.Id, p => new PolicyRule(p.Id, p.Name, p.Priority, PolicyAccess.Allow, PolicyRuleMapping.Conditions(p.ConditionsJson)));
        var context = await facts.ContextAsync(orgId, userId, own.Values.Concat(rulesOf.Values.SelectMany(r => r)).SelectMany(r => r.Conditions), requests.HttpContext, ct);

        PolicyDecision? last = null;
        PolicyEntity? lastPolicy = null;
        foreach (var policy in policies)
        {
            if (!PolicyEngine.Evaluate([own[policy.Id]], context).Allowed)
            {
                continue;
            }

            var decision = PolicyEngine.Evaluate(rulesOf.GetValueOrDefault(policy.Id) ?? [], context);
            (last, lastPolicy) = (decision, policy);
            if (decision.MatchedRule is { } rule)
            {
                var actions = PolicyResources.Parse(stored.First(r => r.Id == rule.Id).ActionsJson);
                return new SignOnOutcome(decision, policy.Id, policy.Name, (bool?)actions?["signon"]?["requireFactor"] == true, SignInPolicies.Session(actions));
            }
        }

        // No rule of any policy matched (the default policy's catch-all always does, unless the data was damaged): denied.
        return new SignOnOutcome(last ?? new PolicyDecision(PolicyAccess.Deny, null, "No sign-on policy applies to this person.", []),
            lastPolicy?.Id ?? policies[^1].Id, lastPolicy?.Name ?? policies[^1].Name, false, SessionPolicy.Default);
    }
}

/// <summary>The order policies of one type are evaluated in: by priority, the default (system) policy last.</summary>
public static class PolicyOrder
{
    public static List<PolicyEntity> InEvaluationOrder(IEnumerable<PolicyEntity> policies) =>
        policies.OrderBy(p => p.IsSystem ? 1 : 0).ThenBy(p => p.Priority).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
}
