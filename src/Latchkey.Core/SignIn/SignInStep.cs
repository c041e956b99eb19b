namespace Latchkey.Core.SignIn;

/// <summary>
/// Where a sign-in transaction stands. Later issues add steps (authenticator challenges, device checks) between
/// <see cref="Password"/> and <see cref="Success"/>; each step is a state here and a transition in <see cref="SignInMachine"/>.
/// </summary>
public static class SignInStep
{
    /// <summary>Waiting for the username (IDX remediation <c>identify</c>).</summary>
    public const string Identify = "IDENTIFY";

    /// <summary>Waiting for the password (IDX <c>challenge-authenticator</c> of the password authenticator).</summary>
    public const string Password = "PASSWORD";

    /// <summary>The password was right but has expired: a new one is needed first (IDX <c>reenroll-authenticator</c>).</summary>
    public const string ChangePassword = "CHANGE_PASSWORD";

    /// <summary>The password was right and a second factor is needed: the user picks one (IDX <c>select-authenticator-authenticate</c>),
    /// or, having none, picks one to enroll (<c>select-authenticator-enroll</c>).</summary>
    public const string SelectAuthenticator = "SELECT_AUTHENTICATOR";

    /// <summary>A second factor was chosen: waiting for its answer (<c>challenge-authenticator</c>, <c>challenge-poll</c>) or enrollment (<c>enroll-authenticator</c>).</summary>
    public const string Authenticator = "AUTHENTICATOR";

    /// <summary>
    /// A passwordless FastPass sign-in (IDX <c>launch-authenticator</c>, then <c>device-challenge-poll</c>): no user named;
    /// waiting for the authenticator app on this computer to answer the device challenge. Whoever's device key answers
    /// is the user (docs/fastpass.md).
    /// </summary>
    public const string DeviceChallenge = "DEVICE_CHALLENGE";

    /// <summary>Every step passed: the transaction may be exchanged for a session, once.</summary>
    public const string Success = "SUCCESS";

    /// <summary>
    /// A handle that was used up (signed in or cancelled) and must stay refused until it would have expired anyway: kept
    /// for handles that are valid without a stored row (a new sign-in's handle, sealed rather than stored).
    /// </summary>
    public const string Consumed = "CONSUMED";

    /// <summary>
    /// Not a step of a transaction: a row of the transactions store that holds a one-time token with which the
    /// authenticator app enrolls for the user of the sign-in that issued it (IDX <c>enroll-poll</c>); never a sign-in.
    /// </summary>
    public const string AppEnrollmentToken = "APP_ENROLLMENT_TOKEN";
}
