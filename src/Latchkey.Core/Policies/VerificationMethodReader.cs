using System.Text.Json.Nodes;

namespace Latchkey.Core.Policies;

/// <summary>
/// A stored <c>verificationMethod</c> (type <c>ASSURANCE</c>, validated when the rule was stored) as a
/// <see cref="VerificationMethod"/>. Null when it cannot be read (another type, or damaged): the caller must then deny,
/// since what the rule asks for is unknown.
/// </summary>
public static class VerificationMethodReader
{
    public static VerificationMethod? Read(string? json)
    {
        if (json is null)
        {
            return VerificationMethod.Default;
        }

        try
        {
            if (JsonNode.Parse(json) is not JsonObject method || (string?)method["type"] is not (null or "ASSURANCE"))
            {
                return null;
            }

            var mode = (string?)method["factorMode"] == "2FA" ? FactorMode.TwoFactor : FactorMode.OneFactor;
            var interval = method["reauthenticateIn"] is { } text ? Durations.Parse((string?)text) : VerificationMethod.Default.ReauthenticateIn;
            if (interval is null)
            {
                return null;
            }

            var constraints = new List<AuthenticatorConstraint>();
            var entries = method["constraints"] switch
            {
                JsonArray array => array.OfType<JsonObject>(),
                JsonObject single => [single],
                _ => [],
            };
            foreach (var entry in entries)
            {
                constraints.Add(new(Class(entry["knowledge"], FactorClass.Knowledge), Class(entry["possession"], FactorClass.Possession)));
            }

            return new VerificationMethod(mode, interval.Value, constraints);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static FactorConstraint? Class(JsonNode? node, FactorClass kind) => node is not JsonObject c ? null : new FactorConstraint(kind)
    {
        Methods = Strings(c["methods"]),
        Types = Strings(c["types"]),
        AuthenticationMethods = (c["authenticationMethods"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(m => ((string?)m["key"] ?? "", (string?)m["method"] ?? "")).ToList(),
        DeviceBound = Level(c["deviceBound"]),
        PhishingResistant = Level(c["phishingResistant"]),
        HardwareProtection = Level(c["hardwareProtection"]),
        UserVerification = Level(c["userVerification"]),
        UserPresence = c["userPresence"] is null ? Requirement.Required : Level(c["userPresence"]),
        ReauthenticateIn = c["reauthenticateIn"] is { } text ? Durations.Parse((string?)text) : null,
    };

    private static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(n => ((string?)n ?? "").ToUpperInvariant()).ToList();

    private static Requirement Level(JsonNode? node) => string.Equals((string?)node, "REQUIRED", StringComparison.OrdinalIgnoreCase) ? Requirement.Required : Requirement.Optional;
}
