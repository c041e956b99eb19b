using System.Text.Json.Nodes;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Policies;

public static class PolicyStatus
{
    public const string Active = "ACTIVE";
    public const string Inactive = "INACTIVE";
}

/// <summary>Stored policies and rules to the wire Policy and PolicyRule (<c>type</c> always present: the SDKs pick the model by it).</summary>
public static class PolicyResources
{
    public static JsonObject ToResource(PolicyEntity policy, string apiBase, IEnumerable<PolicyRuleEntity>? embeddedRules = null)
    {
        var self = $"{apiBase}/policies/{policy.Id}";
        var result = new JsonObject
        {
            ["id"] = policy.Id,
            ["status"] = policy.Status,
            ["name"] = policy.Name,
            ["description"] = policy.Description,
            ["priority"] = policy.Priority,
            ["system"] = policy.IsSystem,
            ["conditions"] = Parse(policy.ConditionsJson),
            ["created"] = IsoTime.Write(policy.Created),
            ["lastUpdated"] = IsoTime.Write(policy.LastUpdated),
        };
        if (policy.SettingsJson is not null)
        {
            result["settings"] = Parse(policy.SettingsJson);
        }

        if (embeddedRules is not null)
        {
            result["_embedded"] = new JsonObject
            {
                ["rules"] = new JsonArray(embeddedRules.Select(r => (JsonNode)ToRule(r, apiBase)).ToArray()),
            };
        }

        var links = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, policy.IsSystem ? ["GET", "PUT"] : ["GET", "PUT", "DELETE"]),
            ["rules"] = JsonLinks.Link($"{self}/rules", "GET", "POST"),
        };
        if (policy.Type == PolicyTypes.Access)
        {
            links["apps"] = JsonLinks.Link($"{self}/app", "GET");
        }

        if (!policy.IsSystem)
        {
            var lifecycle = policy.Status == PolicyStatus.Active ? "deactivate" : "activate";
            links[lifecycle] = JsonLinks.Link($"{self}/lifecycle/{lifecycle}", "POST");
        }

        result["_links"] = links;
        result["type"] = policy.Type;
        return result;
    }

    public static JsonObject ToRule(PolicyRuleEntity rule, string apiBase)
    {
        var self = $"{apiBase}/policies/{rule.PolicyId}/rules/{rule.Id}";
        var links = new JsonObject { ["self"] = JsonLinks.Link(self, rule.IsSystem ? ["GET", "PUT"] : ["GET", "PUT", "DELETE"]) };
        if (!rule.IsSystem)
        {
            var lifecycle = rule.Status == PolicyStatus.Active ? "deactivate" : "activate";
            links[lifecycle] = JsonLinks.Link($"{self}/lifecycle/{lifecycle}", "POST");
        }

        return new JsonObject
        {
            ["id"] = rule.Id,
            ["status"] = rule.Status,
            ["name"] = rule.Name,
            ["priority"] = rule.Priority,
            ["created"] = IsoTime.Write(rule.Created),
            ["lastUpdated"] = IsoTime.Write(rule.LastUpdated),
            ["system"] = rule.IsSystem,
            ["conditions"] = Parse(rule.ConditionsJson),
            ["actions"] = Parse(rule.ActionsJson),
            ["type"] = rule.Type,
            ["_links"] = links,
        };
    }

    public static LogTarget Target(PolicyEntity policy) => new(policy.Id, "Policy", policy.Type, policy.Name);

    public static LogTarget Target(PolicyRuleEntity rule) => new(rule.Id, "PolicyRule", rule.Type, rule.Name);

    public static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json, documentOptions: ApiJson.DocumentOptions);
}
