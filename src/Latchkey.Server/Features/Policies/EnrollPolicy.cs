using System.Text.Json.Nodes;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// What the org's MFA_ENROLL policies (authenticator enrollment) let a person set up at sign-in: the deciding rule's
/// <c>actions.enroll.self</c> (<c>NEVER</c>: nothing may be enrolled at sign-in) and the policy's
/// <c>settings.authenticators</c> (<c>[{key, enroll: {self: REQUIRED|OPTIONAL|NOT_ALLOWED}}]</c>) or, in the classic shape,
/// <c>settings.factors</c> (<c>{key: {enroll: {self}}}</c>); an authenticator the policy does not name is optional.
/// </summary>
public sealed record EnrollOutcome(string? PolicyId, string? PolicyName, string? RuleName, string Self, IReadOnlyDictionary<string, string> Authenticators)
{
    public const string NotAllowed = "NOT_ALLOWED";

    public static EnrollOutcome Anything { get; } = new(null, null, null, "CHALLENGE", new Dictionary<string, string>());

    /// <summary>Whether the rule lets the person enroll anything at sign-in.</summary>
    public bool EnrollsAtSignIn => Self is not ("NEVER" or "NEVER_INCLUDING_RECOVERY");

    /// <summary>Whether the authenticator <paramref name="key"/> may be enrolled at sign-in.</summary>
    public bool Allows(string key) => EnrollsAtSignIn && Authenticators.GetValueOrDefault(key) != NotAllowed;

    /// <summary>The authenticators the policy marks <c>REQUIRED</c>, when its rule lets them be enrolled at sign-in.</summary>
    public IReadOnlyList<string> Required => EnrollsAtSignIn ? [.. Authenticators.Where(a => a.Value == "REQUIRED").Select(a => a.Key)] : [];
}

/// <summary>Evaluates the MFA_ENROLL policies for a person with <see cref="PolicyMatcher"/>, as the simulation does.</summary>
public sealed class EnrollPolicy(PolicyMatcher matcher)
{
    public async Task<EnrollOutcome> DecideAsync(string orgId, string userId, CancellationToken ct)
    {
        if (await matcher.MatchAsync(orgId, userId, PolicyTypes.MfaEnroll, ct) is not { } match)
        {
            return EnrollOutcome.Anything;
        }

        var self = match.Decision.MatchedRule is null ? "NEVER" : (string?)match.Actions?["enroll"]?["self"] ?? "CHALLENGE";
        return new EnrollOutcome(match.Policy.Id, match.Policy.Name, match.Decision.MatchedRule?.Name, self, Settings(match.Policy));
    }

    private static Dictionary<string, string> Settings(PolicyEntity policy)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = policy.SettingsJson is null ? null : JsonNode.Parse(policy.SettingsJson);
        foreach (var entry in (settings?["authenticators"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if ((string?)entry["key"] is { } key && (string?)entry["enroll"]?["self"] is { } self)
            {
                result[key] = self;
            }
        }

        foreach (var (key, value) in settings?["factors"] as JsonObject ?? [])
        {
            if ((string?)value?["enroll"]?["self"] is { } self)
            {
                result.TryAdd(key, self);
            }
        }

        return result;
    }
}
