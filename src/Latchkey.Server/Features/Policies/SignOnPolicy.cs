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
    /// <summary>
    /// <c>factorPromptMode</c> <c>DEVICE</c> with <c>rememberDeviceByDefault</c>: once a second factor is proven in a
    /// browser, it is not asked again there for <see cref="FactorLifetimeMinutes"/> (the sign-in page has no "do not
    /// challenge me" box, so the default decides). <c>ALWAYS</c> and <c>SESSION</c> ask at every sign-in (each makes a new session).
    /// </summary>
    public bool RemembersDevice { get; init; }

    /// <summary><c>factorLifetime</c>: how long a remembered device skips the second factor (default 15 minutes).</summary>
    public int FactorLifetimeMinutes { get; init; } = 15;

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
public sealed class SignOnPolicy(PolicyMatcher matcher)
{
    /// <summary>The decision for <paramref name="userId"/> signing in with the current request (its address gives the network zones).</summary>
    public async Task<SignOnOutcome> DecideAsync(string orgId, string userId, CancellationToken ct)
    {
        var match = await matcher.MatchAsync(orgId, userId, SignInPolicies.SignOnType, ct);
        if (match is null)
        {
            return SignOnOutcome.NoPolicy;
        }

        var signon = match.Actions?["signon"];
        return match.Decision.MatchedRule is not null
            ? new SignOnOutcome(match.Decision, match.Policy.Id, match.Policy.Name, (bool?)signon?["requireFactor"] == true, SignInPolicies.Session(match.Actions))
            {
                RemembersDevice = (string?)signon?["factorPromptMode"] == "DEVICE" && (bool?)signon?["rememberDeviceByDefault"] == true,
                FactorLifetimeMinutes = signon?["factorLifetime"] is JsonValue v && v.TryGetValue<int>(out var minutes) && minutes > 0 ? minutes : 15,
            }
            : new SignOnOutcome(match.Decision, match.Policy.Id, match.Policy.Name, false, SessionPolicy.Default);
    }
}

/// <summary>The policy of a type that applies to a person now, the decision of its rules, and the deciding rule's actions.</summary>
public sealed record PolicyMatch(PolicyEntity Policy, PolicyDecision Decision, JsonNode? Actions);

/// <summary>
/// Which policy of a type applies to a person, and which of its rules (issue 12 item 3), in the order of
/// <see cref="PolicyOrder"/> and with the one engine: a policy whose own <c>people</c> conditions do not match the
/// person is passed over; within a policy the first matching rule by priority decides. Groups and the client's network
/// zones are read only when a condition asks for them.
/// </summary>
public sealed class PolicyMatcher(LatchkeyDbContext db, PolicyFacts facts, IHttpContextAccessor requests)
{
    /// <summary>
    /// The active policies of <paramref name="type"/> for the person (null when the org has none); when no rule of any
    /// policy matched (the default policy's catch-all always does, unless the data was damaged), the last policy tried
    /// with a denying decision and no actions.
    /// </summary>
    public async Task<PolicyMatch?> MatchAsync(string orgId, string userId, string type, CancellationToken ct)
    {
        var policies = PolicyOrder.InEvaluationOrder(await db.Policies.AsNoTracking()
            .Where(p => p.OrgId == orgId && p.Type == type && p.Status == PolicyStatus.Active).ToListAsync(ct));
        if (policies.Count == 0)
        {
            return null;
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
                return new PolicyMatch(policy, decision, PolicyResources.Parse(stored.First(r => r.Id == rule.Id).ActionsJson));
            }
        }

        return new PolicyMatch(lastPolicy ?? policies[^1], last ?? new PolicyDecision(PolicyAccess.Deny, null, $"No {type} policy applies to this person.", []), null);
    }
}

/// <summary>The order policies of one type are evaluated in: by priority, the default (system) policy last.</summary>
public static class PolicyOrder
{
    public static List<PolicyEntity> InEvaluationOrder(IEnumerable<PolicyEntity> policies) =>
        policies.OrderBy(p => p.IsSystem ? 1 : 0).ThenBy(p => p.Priority).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
}
