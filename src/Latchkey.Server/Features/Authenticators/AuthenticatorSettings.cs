using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Authenticators;

/// <summary>
/// One setting an admin may change (<c>channelBinding.required</c>, <c>userVerification</c>, ...): the values the management
/// spec allows (<see cref="Spec"/>; null: any value of its type) and, of those, the ones Latchkey honours (<see cref="Honoured"/>). A value of the spec that
/// Latchkey would not act on is refused with <see cref="Why"/> rather than stored as a promise nobody keeps.
/// </summary>
public sealed record SettingRule(string Path, IReadOnlyList<string>? Spec, IReadOnlyList<string> Honoured, string? Why = null, bool IsInteger = false);

/// <summary>
/// Replacing an authenticator (<c>PUT /api/v1/authenticators/{id}</c>: its name and settings) and one of its methods
/// (<c>PUT .../methods/{type}</c>: the method's settings), one set of rules for the API and the console's Security >
/// Authenticators. Each changeable setting is a <see cref="SettingRule"/>; a member the caller leaves out keeps its value;
/// a member Latchkey does not let anyone change (the key, type, status, a setting without a rule) may be sent back as it
/// is (a read-modify-write round trip) but not changed. Every refusal is 400 <c>E0000001</c> naming the field; a change is
/// logged as <c>security.authenticator.lifecycle.update</c> with the fields it changed.
/// </summary>
public static class AuthenticatorSettings
{
    public const string NumberChallengeRequired = "channelBinding.required";
    public const string UserVerification = "userVerification";

    private static readonly string[] UserVerificationValues = ["DISCOURAGED", "PREFERRED", "REQUIRED"];

    /// <summary>The settings of each authenticator (by key) that may be changed.</summary>
    private static readonly Dictionary<string, SettingRule[]> AuthenticatorRules = new(StringComparer.Ordinal)
    {
        [DefaultAuthenticators.OktaVerify] =
        [
            new("channelBinding.style", ["NUMBER_CHALLENGE"], ["NUMBER_CHALLENGE"]),
            // Latchkey has no risk engine: no sign-in is judged high-risk, so HIGH_RISK_ONLY asks for the number only when the
            // caller asks for it (useNumberMatchingChallenge), as NEVER does (docs/authenticators.md).
            new(NumberChallengeRequired, ["ALWAYS", "HIGH_RISK_ONLY", "NEVER"], ["ALWAYS", "HIGH_RISK_ONLY", "NEVER"]),
            new("compliance.fips", ["OPTIONAL", "REQUIRED"], ["OPTIONAL"],
                "Latchkey cannot tell whether a device's cryptography is FIPS-validated, so it cannot require it"),
            new(UserVerification, UserVerificationValues, ["DISCOURAGED", "PREFERRED"],
                "Latchkey does not yet check that a push was answered after biometrics or a PIN (the app's user-verification key is kept but not asked for), so it cannot require it"),
        ],
    };

    /// <summary>The settings of each method (by authenticator key and method type) that may be changed.</summary>
    private static readonly Dictionary<(string Key, string Method), SettingRule[]> MethodRules = new()
    {
        [(DefaultAuthenticators.OktaVerify, "totp")] =
        [
            new("timeIntervalInSeconds", null, ["30"], "Latchkey checks codes of 30-second steps only", IsInteger: true),
            new("encoding", ["base32", "base64", "hexadecimal"], ["base32"], "Latchkey hands out the shared secret in base32 only"),
            new("algorithm", ["HMacSHA1", "HMacSHA256", "HMacSHA512"], ["HMacSHA1"], "Latchkey checks codes made with HMAC-SHA1 only"),
            new("passCodeLength", ["6", "8", "10"], ["6"], "Latchkey checks 6-digit codes only", IsInteger: true),
        ],
        [(DefaultAuthenticators.WebAuthn, "webauthn")] =
        [
            new(UserVerification, UserVerificationValues, UserVerificationValues),
            new("attachment", ["ANY", "BUILT_IN", "ROAMING"], ["ANY", "BUILT_IN", "ROAMING"]),
        ],
    };

    /// <summary>The rule for <paramref name="path"/> of an authenticator's settings, or null when it cannot be changed.</summary>
    public static SettingRule? Rule(string key, string path) =>
        AuthenticatorRules.GetValueOrDefault(key)?.FirstOrDefault(r => r.Path == path);

    /// <summary>The rule for <paramref name="path"/> of a method's settings, or null when it cannot be changed.</summary>
    public static SettingRule? MethodRule(string key, string methodType, string path) =>
        MethodRules.GetValueOrDefault((key, methodType))?.FirstOrDefault(r => r.Path == path);

    /// <summary>The value at a dotted <paramref name="path"/> of <paramref name="settings"/> (null when absent).</summary>
    public static string? Value(JsonNode? settings, string path)
    {
        var node = path.Split('.').Aggregate(settings, (n, part) => n?[part]);
        return node is JsonValue v ? v.ToString() : null;
    }

    public const int MaxNameLength = 128;

    /// <summary>Replaces the name and settings of an authenticator of the caller's org with those of <paramref name="body"/>.</summary>
    public static async Task<AuthenticatorEntity> ReplaceAsync(ApiCaller caller, string authenticatorId, JsonObject body, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await AuthenticatorsApi.FindAsync(db, caller.OrgId, authenticatorId, track: true, ct);
            var failures = new List<(string, string)>();
            var changed = new List<string>();
            var current = new JsonObject { ["id"] = a.Id, ["key"] = a.Key, ["type"] = a.Type, ["status"] = a.Status };
            var name = a.Name;
            JsonObject? settings = a.SettingsJson is null ? null : JsonNode.Parse(a.SettingsJson)!.AsObject();
            foreach (var (member, value) in body)
            {
                switch (member)
                {
                    case "name":
                        name = NameOf(value, failures) ?? name;
                        break;
                    case "settings" when value is JsonObject given:
                        settings = Merge(settings ?? [], given, "settings", path => Rule(a.Key, path), failures, changed);
                        break;
                    case "settings" when value is null:
                        break;
                    // Read-only, and ignored as the real service ignores them: the Node SDK sends a fetched authenticator's
                    // dates back without their milliseconds, so comparing them would break its GET, change, PUT round trip.
                    case "_links" or "_embedded" or "created" or "lastUpdated":
                        break;
                    default:
                        Unchangeable(member, value, current[member], failures);
                        break;
                }
            }

            if (failures.Count > 0)
            {
                throw new ApiException(ApiErrors.Validation(failures));
            }

            if (name != a.Name)
            {
                changed.Insert(0, "name");
            }

            if (changed.Count > 0)
            {
                (a.Name, a.SettingsJson, a.LastUpdated) = (name, settings?.ToJsonString(), IsoTime.Truncate(time.GetUtcNow()));
                log.Stage(EventTypes.AuthenticatorUpdate, [AuthenticatorsApi.Target(a)], debugData: new Dictionary<string, object?> { ["changed"] = string.Join(",", changed) });
            }

            return a;
        }, ct);

    /// <summary>Replaces the settings of the method <paramref name="methodType"/> of an authenticator of the caller's org; returns the method as stored.</summary>
    public static async Task<(AuthenticatorEntity Authenticator, JsonObject Method)> ReplaceMethodAsync(ApiCaller caller, string authenticatorId, string methodType,
        JsonObject body, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await AuthenticatorsApi.FindAsync(db, caller.OrgId, authenticatorId, track: true, ct);
            var methods = AuthenticatorsApi.StoredMethods(a);
            var method = methods.FirstOrDefault(m => (string?)m!["type"] == methodType)?.AsObject()
                ?? throw new ApiException(ApiErrors.NotFound(methodType, "AuthenticatorMethod"));
            var failures = new List<(string, string)>();
            var changed = new List<string>();
            foreach (var (member, value) in body)
            {
                switch (member)
                {
                    case "settings" when value is JsonObject given:
                        method["settings"] = Merge(method["settings"] as JsonObject ?? [], given, "settings", path => MethodRule(a.Key, methodType, path), failures, changed);
                        break;
                    case "settings" when value is null:
                        break;
                    case "_links":
                        break;
                    default:
                        // The method's status changes through its lifecycle operations, its type never.
                        Unchangeable(member, value, method[member], failures);
                        break;
                }
            }

            if (failures.Count > 0)
            {
                throw new ApiException(ApiErrors.Validation(failures));
            }

            if (changed.Count > 0)
            {
                (a.MethodsJson, a.LastUpdated) = (methods.ToJsonString(), IsoTime.Truncate(time.GetUtcNow()));
                log.Stage(EventTypes.AuthenticatorUpdate, [AuthenticatorsApi.Target(a)],
                    debugData: new Dictionary<string, object?> { ["method"] = methodType, ["changed"] = string.Join(",", changed) });
            }

            return (a, (JsonObject)method.DeepClone());
        }, ct);

    private static string? NameOf(JsonNode? value, List<(string, string)> failures)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var name) || string.IsNullOrWhiteSpace(name))
        {
            failures.Add(("name", "The name is a non-empty string."));
            return null;
        }

        if (name.Length > MaxNameLength)
        {
            failures.Add(("name", $"The name has at most {MaxNameLength} characters."));
            return null;
        }

        return name.Trim();
    }

    /// <summary>A member nobody may change: accepted only when it is sent back as it is.</summary>
    private static void Unchangeable(string field, JsonNode? given, JsonNode? current, List<(string, string)> failures)
    {
        if (!JsonNode.DeepEquals(given, current))
        {
            failures.Add((field, current is null ? "Latchkey does not know this member." : "This member cannot be changed."));
        }
    }

    /// <summary>
    /// The settings <paramref name="current"/> with the members of <paramref name="given"/> applied: each by its rule, the
    /// members without a rule only if unchanged; the refusals added to <paramref name="failures"/> (field names from <paramref name="prefix"/>).
    /// </summary>
    private static JsonObject Merge(JsonObject current, JsonObject given, string prefix, Func<string, SettingRule?> ruleOf,
        List<(string, string)> failures, List<string> changed, string path = "")
    {
        var result = (JsonObject)current.DeepClone();
        foreach (var (member, value) in given)
        {
            var at = path.Length == 0 ? member : $"{path}.{member}";
            var field = $"{prefix}.{at}";
            if (ruleOf(at) is { } rule)
            {
                if (Check(rule, value, field, failures) is { } accepted && !JsonNode.DeepEquals(accepted, current[member]))
                {
                    result[member] = accepted;
                    changed.Add(field);
                }
            }
            else if (value is JsonObject inner && (current[member] is JsonObject || current[member] is null) && HasRulesUnder(ruleOf, at, inner))
            {
                result[member] = Merge(current[member] as JsonObject ?? [], inner, prefix, ruleOf, failures, changed, at);
            }
            else
            {
                Unchangeable(field, value, current[member], failures);
            }
        }

        return result;
    }

    private static bool HasRulesUnder(Func<string, SettingRule?> ruleOf, string path, JsonObject inner) =>
        inner.Any(m => ruleOf($"{path}.{m.Key}") is not null || m.Value is JsonObject);

    /// <summary>The value to store for <paramref name="rule"/>, or null (a failure added) when it is not one the spec allows or Latchkey honours.</summary>
    private static JsonNode? Check(SettingRule rule, JsonNode? value, string field, List<(string, string)> failures)
    {
        string? text = value is JsonValue v
            ? rule.IsInteger ? v.TryGetValue<int>(out var i) ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : null
            : v.TryGetValue<string>(out var s) ? s : null
            : null;
        if (text is null || (rule.Spec is { } spec && !spec.Contains(text, StringComparer.Ordinal)))
        {
            failures.Add((field, rule.Spec is null ? "The value must be a whole number." : $"The value must be one of {string.Join(", ", rule.Spec)}."));
            return null;
        }

        if (!rule.Honoured.Contains(text, StringComparer.Ordinal))
        {
            failures.Add((field, $"{rule.Why}: only {string.Join(", ", rule.Honoured)} is accepted."));
            return null;
        }

        return rule.IsInteger ? JsonValue.Create(int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)) : JsonValue.Create(text);
    }
}
