using System.Text.Json.Nodes;
using Latchkey.Core.SignIn;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// A rule's <c>actions</c> by rule type: ACCESS_POLICY's <c>appSignOn</c> (<see cref="AppSignOnActions"/>), SIGN_ON's
/// <c>signon</c> (whose <c>session</c> sign-in obeys), PASSWORD's and MFA_ENROLL's access settings; other types' actions
/// are kept as given. Also what each type's system (catch-all) rule starts with.
/// </summary>
public static class PolicyRuleActions
{
    private static readonly string[] PromptModes = ["ALWAYS", "DEVICE", "SESSION"];
    private static readonly string[] PrimaryFactors = ["PASSWORD_IDP", "PASSWORD_IDP_ANY_FACTOR"];
    private static readonly string[] EnrollSelf = ["CHALLENGE", "LOGIN", "NEVER", "NEVER_INCLUDING_RECOVERY"];

    /// <summary>The name of a type's system rule as the real service names it.</summary>
    public static string CatchAllName(string policyType) => policyType switch
    {
        PolicyTypes.SignOn or PolicyTypes.Password or PolicyTypes.MfaEnroll => "Default Rule",
        _ => "Catch-all Rule",
    };

    /// <summary>The actions of a new system rule; SIGN_ON's session from <paramref name="session"/> (an older org's stored settings) or the defaults.</summary>
    public static JsonObject? CatchAll(string policyType, JsonNode? session = null) => policyType switch
    {
        PolicyTypes.Access => AppSignOnActions.CatchAll(),
        PolicyTypes.SignOn => new JsonObject
        {
            ["signon"] = new JsonObject
            {
                ["access"] = "ALLOW", ["requireFactor"] = false, ["primaryFactor"] = "PASSWORD_IDP", ["rememberDeviceByDefault"] = false,
                ["session"] = session?.DeepClone() ?? new JsonObject
                {
                    ["maxSessionIdleMinutes"] = SessionPolicy.Default.MaxIdleMinutes,
                    ["maxSessionLifetimeMinutes"] = SessionPolicy.Default.MaxLifetimeMinutes,
                    ["usePersistentCookie"] = false,
                },
            },
        },
        PolicyTypes.Password => new JsonObject
        {
            ["passwordChange"] = new JsonObject { ["access"] = "ALLOW" },
            ["selfServicePasswordReset"] = new JsonObject { ["access"] = "ALLOW" },
            ["selfServiceUnlock"] = new JsonObject { ["access"] = "DENY" },
        },
        PolicyTypes.MfaEnroll => new JsonObject { ["enroll"] = new JsonObject { ["self"] = "CHALLENGE" } },
        PolicyTypes.ProfileEnrollment => new JsonObject { ["profileEnrollment"] = new JsonObject { ["access"] = "ALLOW" } },
        _ => null,
    };

    /// <summary>The validated actions of a rule of <paramref name="ruleType"/>.</summary>
    public static JsonObject? Read(string ruleType, JsonNode? node, PolicyValidation v)
    {
        var actions = v.Object(node, "actions");
        switch (ruleType)
        {
            case PolicyTypes.Access:
                return AppSignOnActions.Read(actions, v);
            case PolicyTypes.SignOnRule:
                return ReadSignOn(actions, v);
            case PolicyTypes.Password:
                if (actions is not null)
                {
                    foreach (var name in new[] { "passwordChange", "selfServicePasswordReset", "selfServiceUnlock" })
                    {
                        if (v.Object(actions[name], $"actions.{name}") is { } action)
                        {
                            v.Enum(action["access"], $"actions.{name}.access", AppSignOnActions.Access);
                        }
                    }
                }

                return actions?.DeepClone().AsObject();
            case PolicyTypes.MfaEnroll:
                if (v.Object(actions?["enroll"], "actions.enroll") is { } enroll)
                {
                    enroll = enroll.DeepClone().AsObject();
                    enroll["self"] = v.Enum(enroll["self"], "actions.enroll.self", EnrollSelf) ?? "CHALLENGE";
                    return new JsonObject { ["enroll"] = enroll };
                }

                return actions?.DeepClone().AsObject();
            default:
                return actions?.DeepClone().AsObject();
        }
    }

    private static JsonObject? ReadSignOn(JsonObject? actions, PolicyValidation v)
    {
        if (v.Object(actions?["signon"], "actions.signon") is not { } signon)
        {
            v.Fail("actions.signon", "A sign-on rule needs actions.signon with access ALLOW or DENY.");
            return null;
        }

        var result = signon.DeepClone().AsObject();
        result["access"] = v.Enum(signon["access"], "actions.signon.access", AppSignOnActions.Access) ?? "ALLOW";
        result["requireFactor"] = v.Bool(signon["requireFactor"], "actions.signon.requireFactor") ?? false;
        if (signon["factorPromptMode"] is not null)
        {
            result["factorPromptMode"] = v.Enum(signon["factorPromptMode"], "actions.signon.factorPromptMode", PromptModes);
        }

        if (signon["primaryFactor"] is not null)
        {
            result["primaryFactor"] = v.Enum(signon["primaryFactor"], "actions.signon.primaryFactor", PrimaryFactors);
        }

        if (signon["factorLifetime"] is not null)
        {
            result["factorLifetime"] = v.Count(signon["factorLifetime"], "actions.signon.factorLifetime");
        }

        if (v.Object(signon["session"], "actions.signon.session") is { } session)
        {
            result["session"] = new JsonObject
            {
                ["maxSessionIdleMinutes"] = v.Count(session["maxSessionIdleMinutes"], "actions.signon.session.maxSessionIdleMinutes")
                    ?? SessionPolicy.Default.MaxIdleMinutes,
                ["maxSessionLifetimeMinutes"] = v.Count(session["maxSessionLifetimeMinutes"], "actions.signon.session.maxSessionLifetimeMinutes")
                    ?? SessionPolicy.Default.MaxLifetimeMinutes,
                ["usePersistentCookie"] = v.Bool(session["usePersistentCookie"], "actions.signon.session.usePersistentCookie") ?? false,
            };
        }

        return new JsonObject { ["signon"] = result };
    }
}
