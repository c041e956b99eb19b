using System.Text.Json.Nodes;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// An ACCESS_POLICY rule's <c>actions.appSignOn</c> (okta-api.md §5.1): access, keepMeSignedIn and the verification
/// method, validated and in normal form. Constraints are an array (a single object is taken as one), types and
/// methods are read without case and written in upper case, and <c>required</c> is always written.
/// </summary>
public static class AppSignOnActions
{
    public static readonly string[] Access = ["ALLOW", "DENY"];
    private static readonly string[] VerificationTypes = ["ASSURANCE", "AUTH_METHOD_CHAIN"];
    private static readonly string[] FactorModes = ["1FA", "2FA"];
    private static readonly string[] PostAuth = ["ALLOWED", "NOT_ALLOWED"];
    private static readonly string[] ConstraintTypes = ["SECURITY_KEY", "PHONE", "EMAIL", "PASSWORD", "SECURITY_QUESTION", "APP", "FEDERATED"];
    private static readonly string[] ConstraintMethods =
        ["PASSWORD", "SECURITY_QUESTION", "SMS", "VOICE", "EMAIL", "PUSH", "SIGNED_NONCE", "OTP", "TOTP", "WEBAUTHN", "DUO", "IDP", "CERT"];
    private static readonly string[] Requirement = ["OPTIONAL", "REQUIRED"];
    private static readonly string[] UserVerificationMethods = ["BIOMETRICS", "PIN"];
    private static readonly string[] PossessionOnly = ["deviceBound", "phishingResistant", "hardwareProtection", "userVerification", "userPresence"];

    /// <summary>What a new ACCESS_POLICY's catch-all rule does: allow with one factor, re-authenticating every 12 hours.</summary>
    public static JsonObject CatchAll() => new()
    {
        ["appSignOn"] = new JsonObject
        {
            ["access"] = "ALLOW",
            ["verificationMethod"] = new JsonObject
            {
                ["factorMode"] = "1FA", ["type"] = "ASSURANCE", ["reauthenticateIn"] = "PT12H", ["constraints"] = new JsonArray(),
            },
        },
    };

    public static JsonObject Read(JsonObject? actions, PolicyValidation v)
    {
        var appSignOn = v.Object(actions?["appSignOn"], "actions.appSignOn");
        if (appSignOn is null)
        {
            v.Fail("actions.appSignOn", "An access policy rule needs actions.appSignOn with access ALLOW or DENY.");
            return [];
        }

        const string at = "actions.appSignOn";
        var access = v.Enum(appSignOn["access"], $"{at}.access", Access);
        if (access is null && appSignOn["access"] is null)
        {
            v.Fail($"{at}.access", "The access is required: ALLOW or DENY.");
        }

        var result = new JsonObject { ["access"] = access };
        if (v.Object(appSignOn["keepMeSignedIn"], $"{at}.keepMeSignedIn") is { } keep)
        {
            result["keepMeSignedIn"] = new JsonObject
            {
                ["postAuth"] = v.Enum(keep["postAuth"], $"{at}.keepMeSignedIn.postAuth", PostAuth) ?? "NOT_ALLOWED",
                ["postAuthPromptFrequency"] = v.Duration(keep["postAuthPromptFrequency"], $"{at}.keepMeSignedIn.postAuthPromptFrequency"),
            };
        }

        if (v.Object(appSignOn["verificationMethod"], $"{at}.verificationMethod") is { } method)
        {
            result["verificationMethod"] = ReadVerificationMethod(method, $"{at}.verificationMethod", v);
        }

        return new JsonObject { ["appSignOn"] = result };
    }

    private static JsonObject ReadVerificationMethod(JsonObject method, string at, PolicyValidation v)
    {
        var type = v.Enum(method["type"], $"{at}.type", VerificationTypes) ?? "ASSURANCE";
        if (type == "AUTH_METHOD_CHAIN")
        {
            if (method["chains"] is not JsonArray { Count: > 0 and <= 5 })
            {
                v.Fail($"{at}.chains", "An AUTH_METHOD_CHAIN needs 1 to 5 chains.");
            }

            var chain = method.DeepClone().AsObject();
            chain["type"] = type;
            if (method["reauthenticateIn"] is { } chainReauth)
            {
                chain["reauthenticateIn"] = v.Duration(chainReauth, $"{at}.reauthenticateIn");
            }

            return chain;
        }

        var result = new JsonObject
        {
            ["factorMode"] = v.Enum(method["factorMode"], $"{at}.factorMode", FactorModes) ?? "1FA",
            ["type"] = type,
        };
        if (method["reauthenticateIn"] is not null)
        {
            result["reauthenticateIn"] = v.Duration(method["reauthenticateIn"], $"{at}.reauthenticateIn");
        }

        if (method["inactivityPeriod"] is not null)
        {
            result["inactivityPeriod"] = v.Duration(method["inactivityPeriod"], $"{at}.inactivityPeriod");
        }

        var read = new JsonArray();
        foreach (var (constraint, field) in v.Objects(method["constraints"], $"{at}.constraints", "A constraint must be an object with knowledge and/or possession."))
        {
            v.OnlyKnown(constraint, field, ["knowledge", "possession"], "constraint");
            var item = new JsonObject();
            foreach (var kind in new[] { "knowledge", "possession" })
            {
                if (v.Object(constraint[kind], $"{field}.{kind}") is { } c)
                {
                    item[kind] = ReadConstraint(c, $"{field}.{kind}", possession: kind == "possession", v);
                }
            }

            read.Add(item);
        }

        result["constraints"] = read;
        return result;
    }

    private static JsonObject ReadConstraint(JsonObject c, string at, bool possession, PolicyValidation v)
    {
        var result = new JsonObject();
        if (c["types"] is not null)
        {
            result["types"] = v.EnumArray(c["types"], $"{at}.types", ConstraintTypes);
        }

        if (c["methods"] is not null)
        {
            result["methods"] = v.EnumArray(c["methods"], $"{at}.methods", ConstraintMethods);
        }

        if (c["reauthenticateIn"] is not null)
        {
            result["reauthenticateIn"] = v.Duration(c["reauthenticateIn"], $"{at}.reauthenticateIn");
        }

        if (c["authenticationMethods"] is not null)
        {
            result["authenticationMethods"] = AuthenticationMethods(c["authenticationMethods"], $"{at}.authenticationMethods", needsMethod: true, v);
        }

        var excluded = c["excludedAuthenticationMethods"] is not null;
        if (excluded)
        {
            result["excludedAuthenticationMethods"] =
                AuthenticationMethods(c["excludedAuthenticationMethods"], $"{at}.excludedAuthenticationMethods", needsMethod: false, v);
        }

        foreach (var name in PossessionOnly)
        {
            if (c[name] is null)
            {
                continue;
            }

            if (!possession)
            {
                v.Fail($"{at}.{name}", "This requirement applies to possession factors only.");
                continue;
            }

            result[name] = v.Enum(c[name], $"{at}.{name}", Requirement);
        }

        if (possession)
        {
            result["userPresence"] ??= "REQUIRED";
        }

        if (c["userVerificationMethods"] is not null)
        {
            if (!possession || (string?)result["userVerification"] != "REQUIRED")
            {
                v.Fail($"{at}.userVerificationMethods", "User verification methods need possession.userVerification REQUIRED.");
            }

            result["userVerificationMethods"] = v.EnumArray(c["userVerificationMethods"], $"{at}.userVerificationMethods", UserVerificationMethods);
        }

        result["required"] = v.Bool(c["required"], $"{at}.required") ?? !excluded;
        return result;
    }

    /// <summary><c>[{key, method, id?}]</c> (a single object is taken as one); an exclusion may name just the key.</summary>
    private static JsonArray AuthenticationMethods(JsonNode? node, string at, bool needsMethod, PolicyValidation v)
    {
        var result = new JsonArray();
        foreach (var (entry, field) in v.Objects(node, at, "The value must be an object with key and method."))
        {
            var key = v.String(entry["key"], $"{field}.key");
            var method = v.String(entry["method"], $"{field}.method");
            if (string.IsNullOrEmpty(key))
            {
                v.Fail($"{field}.key", "The authenticator key is required (for example okta_verify).");
            }

            if (needsMethod && string.IsNullOrEmpty(method))
            {
                v.Fail($"{field}.method", "The method is required (for example signed_nonce).");
            }

            var item = new JsonObject { ["key"] = key };
            if (method is not null)
            {
                item["method"] = method;
            }

            if (v.String(entry["id"], $"{field}.id") is { } id)
            {
                item["id"] = id;
            }

            result.Add(item);
        }

        return result;
    }
}
