using System.Text.Json.Nodes;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Policies;

/// <summary>A policy body, validated: what <c>POST</c> and <c>PUT /api/v1/policies</c> may set.</summary>
public sealed record PolicyInput(string Type, string Name, string? Description, int? Priority, string? Status, JsonObject? Conditions, JsonObject? Settings);

/// <summary>A rule body, validated: what <c>POST</c> and <c>PUT .../rules</c> may set.</summary>
public sealed record RuleInput(string Name, int? Priority, string? Status, JsonObject? Conditions, JsonObject? Actions);

/// <summary>Reads policy and rule bodies; every bad field is reported at once (400 E0000001 naming them).</summary>
public static class PolicyBodies
{
    private static readonly string[] Statuses = [PolicyStatus.Active, PolicyStatus.Inactive];

    /// <summary>A policy body; <paramref name="existing"/>: the policy a PUT replaces (its type cannot change).</summary>
    public static PolicyInput ReadPolicy(JsonObject body, PolicyEntity? existing)
    {
        var v = new PolicyValidation();
        var type = v.Enum(body["type"], "type", PolicyTypes.All);
        if (type is null && body["type"] is null)
        {
            if (existing is null)
            {
                v.Fail("type", "The policy type is required.");
            }

            type = existing?.Type;
        }

        if (existing is not null && type is not null && type != existing.Type)
        {
            v.Fail("type", "The type of a policy cannot be changed.");
        }

        var name = Name(body, v);
        var description = v.String(body["description"], "description");
        var priority = Priority(body, v);
        var status = v.Enum(body["status"], "status", Statuses);
        type ??= existing?.Type ?? PolicyTypes.Access;
        var conditions = PolicyConditions.Read(body["conditions"], PolicyConditions.ForPolicy(type), v);
        var settings = v.Object(body["settings"], "settings")?.DeepClone().AsObject();
        if (type == PolicyTypes.Password && v.Object(settings?["password"]?["lockout"], "settings.password.lockout") is { } lockout)
        {
            // Sign-in obeys these two (SignInPolicies): refuse what it could not.
            v.Count(lockout["maxAttempts"], "settings.password.lockout.maxAttempts");
            v.Count(lockout["autoUnlockMinutes"], "settings.password.lockout.autoUnlockMinutes");
        }

        if (existing is { IsSystem: true })
        {
            Unchanged(v, "name", name, existing.Name, "The name of a system policy cannot be changed.");
        }

        v.ThrowIfAny();
        return new PolicyInput(type, name!, description, priority, status, conditions, settings);
    }

    /// <summary>A rule body for a policy of <paramref name="policyType"/>; <paramref name="existing"/>: the rule a PUT replaces.</summary>
    public static RuleInput ReadRule(JsonObject body, string policyType, PolicyRuleEntity? existing)
    {
        var v = new PolicyValidation();
        var ruleType = PolicyTypes.RuleType(policyType);
        if (v.String(body["type"], "type") is { } type && !string.Equals(type, ruleType, StringComparison.OrdinalIgnoreCase))
        {
            v.Fail("type", $"The rules of a {policyType} policy have type {ruleType}.");
        }

        var name = Name(body, v);
        var priority = Priority(body, v);
        var status = v.Enum(body["status"], "status", Statuses);
        var conditions = PolicyConditions.Read(body["conditions"], PolicyConditions.ForRule(ruleType), v);
        var actions = PolicyRuleActions.Read(ruleType, body["actions"], v);
        if (existing is { IsSystem: true })
        {
            Unchanged(v, "name", name, existing.Name, "The name of the catch-all rule cannot be changed.");
            if (priority is { } p && p != existing.Priority)
            {
                v.Fail("priority", "The catch-all rule is always last: its priority cannot be changed.");
            }

            if (conditions is not null)
            {
                v.Fail("conditions", "The catch-all rule has no conditions: it applies when no other rule does.");
            }

            if (status == PolicyStatus.Inactive)
            {
                v.Fail("status", "The catch-all rule cannot be deactivated.");
            }
        }

        v.ThrowIfAny();
        return new RuleInput(name!, priority, status, conditions, actions);
    }

    private static string? Name(JsonObject body, PolicyValidation v)
    {
        var name = v.String(body["name"], "name");
        if (body["name"] is null || (name is not null && name.Trim().Length == 0))
        {
            v.Fail("name", "The field cannot be left blank");
        }
        else if (name is { Length: > 255 })
        {
            v.Fail("name", "The name must be at most 255 characters.");
        }

        return name?.Trim();
    }

    private static int? Priority(JsonObject body, PolicyValidation v)
    {
        if (body["priority"] is null)
        {
            return null;
        }

        if (body["priority"] is JsonValue value && value.TryGetValue<int>(out var p) && p >= 0)
        {
            return p;
        }

        v.Fail("priority", "The priority must be a whole number of 0 or more (1 is first).");
        return null;
    }

    private static void Unchanged(PolicyValidation v, string field, string? given, string current, string message)
    {
        if (given is not null && given != current)
        {
            v.Fail(field, message);
        }
    }
}
