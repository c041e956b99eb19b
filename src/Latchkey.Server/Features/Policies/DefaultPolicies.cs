using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// A new org starts with one system "Default Policy" of each policy type, each with its system rule (the catch-all),
/// as the real service's new org does; every new app is bound to the default ACCESS_POLICY. An org made before rules
/// were stored gets its system rules on start-up (<see cref="EnsureSystemRulesAsync"/>).
/// </summary>
public static class DefaultPolicies
{
    public const string AccessPolicy = PolicyTypes.Access;
    private static readonly string[] Types =
        [PolicyTypes.SignOn, PolicyTypes.Password, PolicyTypes.MfaEnroll, AccessPolicy, PolicyTypes.ProfileEnrollment, PolicyTypes.DeviceSignalCollection];

    public static void Seed(LatchkeyDbContext db, string orgId, DateTimeOffset now)
    {
        foreach (var type in Types)
        {
            var policy = new PolicyEntity
            {
                Id = RandomIds.NewId(type == AccessPolicy ? Core.Ids.IdPrefix.AccessPolicy : Core.Ids.IdPrefix.ClassicPolicy, now), OrgId = orgId, Type = type,
                Name = "Default Policy", Description = "The default policy applies in all situations if no other policy applies.",
                Status = PolicyStatus.Active, Priority = 1, IsSystem = true, Created = now, LastUpdated = now,
                SettingsJson = SignInPolicies.DefaultSettings(type),
            };
            db.Policies.Add(policy);
            db.PolicyRules.Add(SystemRule(policy, ordinaryRules: 0, now));
        }
    }

    /// <summary>The system rule of <paramref name="policy"/>: its catch-all, after its <paramref name="ordinaryRules"/> other rules.</summary>
    public static PolicyRuleEntity SystemRule(PolicyEntity policy, int ordinaryRules, DateTimeOffset now, JsonNode? legacySession = null) => new()
    {
        Id = RandomIds.NewId(Core.Ids.IdPrefix.PolicyRule, now), OrgId = policy.OrgId, PolicyId = policy.Id,
        Type = PolicyTypes.RuleType(policy.Type), Name = PolicyRuleActions.CatchAllName(policy.Type), Status = PolicyStatus.Active,
        Priority = ordinaryRules + 1, IsSystem = true, Created = now, LastUpdated = now,
        ActionsJson = PolicyRuleActions.CatchAll(policy.Type, legacySession)?.ToJsonString(),
    };

    public static async Task<string> AccessPolicyIdAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        await db.Policies.Where(p => p.OrgId == orgId && p.Type == AccessPolicy && p.IsSystem).Select(p => p.Id).FirstAsync(ct);

    /// <summary>Whether some policy of the org has no system rule (an org made by an earlier version).</summary>
    public static Task<bool> AnySystemRuleMissingAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        db.Policies.AnyAsync(p => p.OrgId == orgId && !db.PolicyRules.Any(r => r.PolicyId == p.Id && r.IsSystem), ct);

    /// <summary>
    /// Gives every policy of the org that lacks one its system rule. An OKTA_SIGN_ON policy's session settings, which
    /// earlier versions kept on the policy, move into its rule, so they stay in one place.
    /// </summary>
    public static async Task EnsureSystemRulesAsync(LatchkeyDbContext db, string orgId, DateTimeOffset now, CancellationToken ct)
    {
        var lacking = await db.Policies.Where(p => p.OrgId == orgId && !db.PolicyRules.Any(r => r.PolicyId == p.Id && r.IsSystem)).ToListAsync(ct);
        foreach (var policy in lacking)
        {
            var ordinary = await db.PolicyRules.CountAsync(r => r.PolicyId == policy.Id, ct);
            JsonNode? session = null;
            if (policy.Type == PolicyTypes.SignOn && policy.SettingsJson is { } settings)
            {
                session = JsonNode.Parse(settings)?["session"];
                policy.SettingsJson = null;
            }

            db.PolicyRules.Add(SystemRule(policy, ordinary, now, session));
        }
    }
}
