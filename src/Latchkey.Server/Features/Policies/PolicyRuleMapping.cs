using System.Text.Json.Nodes;
using Latchkey.Core.Policies;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// Stored rules to the engine's <see cref="PolicyRule"/>s (Latchkey.Core.Policies): each stored condition becomes the
/// Core condition class that evaluates it, the access comes from the rule's actions, and an ACCESS_POLICY rule keeps its
/// <c>verificationMethod</c> JSON for enforcement. Conditions are validated when stored, so what is read here is
/// already in normal form.
/// </summary>
public static class PolicyRuleMapping
{
    private static readonly string[] Desktop = ["MACOS", "WINDOWS", "LINUX", "CHROMEOS"];
    private static readonly string[] Mobile = ["IOS", "ANDROID"];

    /// <summary>The rules of an ACCESS_POLICY (or any policy) in evaluation order, inactive ones marked so the engine skips them.</summary>
    public static async Task<PolicyRule[]> RulesAsync(LatchkeyDbContext db, string policyId, CancellationToken ct) =>
        PolicyEngine.Order((await PolicyRulesApi.RulesOfAsync(db, policyId, track: false, ct)).Select(ToEngineRule));

    public static PolicyRule ToEngineRule(PolicyRuleEntity rule)
    {
        var actions = PolicyResources.Parse(rule.ActionsJson);
        var access = (string?)(rule.Type switch
        {
            PolicyTypes.Access => actions?["appSignOn"]?["access"],
            PolicyTypes.SignOnRule => actions?["signon"]?["access"],
            _ => null,
        }) ?? "ALLOW";
        return new PolicyRule(rule.Id, rule.Name, rule.Priority, access == "DENY" ? PolicyAccess.Deny : PolicyAccess.Allow, Conditions(rule.ConditionsJson))
        {
            Active = rule.Status == PolicyStatus.Active,
            System = rule.IsSystem,
            VerificationMethodJson = actions?["appSignOn"]?["verificationMethod"]?.ToJsonString(),
        };
    }

    /// <summary>The Core conditions for stored <c>conditions</c> (also a policy's own, such as OKTA_SIGN_ON's people).</summary>
    public static IReadOnlyList<IPolicyCondition> Conditions(string? conditionsJson)
    {
        var conditions = new List<IPolicyCondition>();
        if (PolicyResources.Parse(conditionsJson) is not JsonObject stored)
        {
            return conditions;
        }

        if (stored[PolicyConditions.People] is JsonObject people)
        {
            var lists = new[] { Ids(people["users"]?["include"]), Ids(people["users"]?["exclude"]), Ids(people["groups"]?["include"]), Ids(people["groups"]?["exclude"]) };
            if (lists.Any(l => l.Count > 0))
            {
                conditions.Add(new PeopleCondition(lists[0], lists[1], lists[2], lists[3]));
            }
        }

        if (stored[PolicyConditions.Device] is JsonObject device && (bool?)device["registered"] == true)
        {
            conditions.Add(new DeviceRegisteredCondition());
            if ((bool?)device["managed"] is { } managed)
            {
                conditions.Add(new DeviceManagedCondition(managed));
            }

            if (Ids(device["assurance"]?["include"]) is { Count: > 0 } assurances)
            {
                conditions.Add(new DeviceAssuranceCondition(assurances));
            }
        }

        if (stored[PolicyConditions.Platform] is JsonObject platform)
        {
            if (Platforms(platform["include"]) is { Count: > 0 } include)
            {
                conditions.Add(new PlatformCondition(include));
            }

            if (Platforms(platform["exclude"]) is { Count: > 0 } exclude)
            {
                conditions.Add(new PlatformExcludeCondition(exclude));
            }
        }

        if (stored[PolicyConditions.Network] is JsonObject { } network && (string?)network["connection"] == "ZONE")
        {
            conditions.Add(new NetworkZoneCondition(Ids(network["include"]), Ids(network["exclude"])));
        }

        return conditions;
    }

    /// <summary>The operating systems platform entries name: an os type as given; a DESKTOP or MOBILE type without one, its systems; ANY: every platform (Core's OTHER).</summary>
    private static List<string> Platforms(JsonNode? entries)
    {
        var result = new List<string>();
        foreach (var entry in entries as JsonArray ?? [])
        {
            var os = (string?)entry?["os"]?["type"];
            var type = (string?)entry?["type"];
            result.AddRange(os is not null and not "ANY" ? [os] : type switch
            {
                "DESKTOP" => Desktop,
                "MOBILE" => Mobile,
                _ => ["OTHER"],
            });
        }

        return result;
    }

    private static List<string> Ids(JsonNode? node) =>
        (node as JsonArray ?? []).Select(n => (string?)n).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
}
