namespace Latchkey.Server.Features.Policies;

/// <summary>The policy types the API serves (the spec's PolicyType values) and the type of their rules.</summary>
public static class PolicyTypes
{
    public const string Access = "ACCESS_POLICY";
    public const string SignOn = "OKTA_SIGN_ON";
    public const string Password = "PASSWORD";
    public const string MfaEnroll = "MFA_ENROLL";
    public const string ProfileEnrollment = "PROFILE_ENROLLMENT";
    public const string DeviceSignalCollection = "DEVICE_SIGNAL_COLLECTION";

    /// <summary>The rule type of OKTA_SIGN_ON policies; every other type's rules carry the policy's type.</summary>
    public const string SignOnRule = "SIGN_ON";

    public static readonly string[] All =
    [
        Access, SignOn, MfaEnroll, Password, ProfileEnrollment, "IDP_DISCOVERY", "POST_AUTH_SESSION", "ENTITY_RISK",
        DeviceSignalCollection, "SESSION_VIOLATION_DETECTION", "CLIENT_UPDATE", "IDENTITY_CLAIM_SOURCING",
    ];

    /// <summary>The types a simulation evaluates (the spec's PolicyTypeSimulation).</summary>
    public static readonly string[] Simulated = [Access, MfaEnroll, SignOn, ProfileEnrollment];

    public static string RuleType(string policyType) => policyType == SignOn ? SignOnRule : policyType;

    /// <summary>The id prefix of a new policy: <c>rst</c> for the Identity Engine's policies, <c>00p</c> for the classic ones.</summary>
    public static string IdPrefixOf(string policyType) =>
        policyType is Access or ProfileEnrollment or DeviceSignalCollection or "ENTITY_RISK" or "POST_AUTH_SESSION" or "SESSION_VIOLATION_DETECTION"
            ? Core.Ids.IdPrefix.AccessPolicy
            : Core.Ids.IdPrefix.ClassicPolicy;
}
