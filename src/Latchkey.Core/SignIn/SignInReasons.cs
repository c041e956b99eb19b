namespace Latchkey.Core.SignIn;

/// <summary>
/// Why a sign-in step was refused, as the System Log's <c>outcome.reason</c> records it. The client is told none of
/// these: every refusal of a password looks the same to it (no account enumeration).
/// </summary>
public static class SignInReasons
{
    public const string InvalidCredentials = "INVALID_CREDENTIALS";
    public const string LockedOut = "LOCKED_OUT";
    public const string UserSuspended = "USER_SUSPENDED";
    public const string UserDeprovisioned = "USER_DEPROVISIONED";

    /// <summary>STAGED, PROVISIONED or RECOVERY: the user has no password that signs in yet.</summary>
    public const string UserNotActive = "USER_NOT_ACTIVE";

    /// <summary>No user has the identifier.</summary>
    public const string UnknownUser = "UNKNOWN_USER";

    /// <summary>The password was right, but the org's sign-on policy (a DENY rule, or no rule) does not let the person in.</summary>
    public const string PolicyDenied = "POLICY_DENIED";
}
