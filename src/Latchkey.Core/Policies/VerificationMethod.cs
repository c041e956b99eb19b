namespace Latchkey.Core.Policies;

/// <summary>How many factor classes a rule asks for: <c>factorMode</c> <c>1FA</c> or <c>2FA</c>.</summary>
public enum FactorMode
{
    OneFactor,
    TwoFactor,
}

/// <summary>The class a factor belongs to: something the user knows, has, or is.</summary>
public enum FactorClass
{
    Knowledge,
    Possession,
    Inherence,
}

/// <summary>A property a possession constraint asks of a factor (<c>deviceBound</c>, <c>phishingResistant</c>, ...): <c>OPTIONAL</c> or <c>REQUIRED</c>.</summary>
public enum Requirement
{
    Optional,
    Required,
}

/// <summary>
/// One class's part of a constraint (<c>constraints[].knowledge</c> or <c>.possession</c>): the factor of that class must
/// be one of <see cref="Methods"/> (any, when empty), of one of <see cref="Types"/> (any, when empty), and, for
/// possession, have each property marked required. <see cref="ReauthenticateIn"/>: how recent it must be (null: the
/// rule's own interval).
/// </summary>
public sealed record FactorConstraint(FactorClass Class)
{
    /// <summary>Method names (<c>PASSWORD</c>, <c>PUSH</c>, <c>SIGNED_NONCE</c>, <c>TOTP</c>, <c>OTP</c>, <c>WEBAUTHN</c>, ...), upper case.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Authenticator types (<c>PASSWORD</c>, <c>APP</c>, <c>SECURITY_KEY</c>, ...), upper case.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary><c>authenticationMethods</c>: exact authenticator key and method pairs (<c>okta_verify</c>/<c>signed_nonce</c>).</summary>
    public IReadOnlyList<(string Key, string Method)> AuthenticationMethods { get; init; } = [];

    public Requirement DeviceBound { get; init; }
    public Requirement PhishingResistant { get; init; }
    public Requirement HardwareProtection { get; init; }
    public Requirement UserVerification { get; init; }
    public Requirement UserPresence { get; init; } = Requirement.Required;
    public TimeSpan? ReauthenticateIn { get; init; }
}

/// <summary>
/// One entry of <c>constraints</c>: every class it names must be satisfied by a factor (AND inside an entry; the entries
/// of a rule are alternatives).
/// </summary>
public sealed record AuthenticatorConstraint(FactorConstraint? Knowledge, FactorConstraint? Possession);

/// <summary>
/// A rule's <c>verificationMethod</c> of type <c>ASSURANCE</c>: the factor mode, how recently the factors must have been
/// verified (<see cref="TimeSpan.Zero"/>, <c>PT0S</c>: during this very request), and the constraints (none: any factor
/// of any class will do).
/// </summary>
public sealed record VerificationMethod(FactorMode FactorMode, TimeSpan ReauthenticateIn, IReadOnlyList<AuthenticatorConstraint> Constraints)
{
    /// <summary>The catch-all rule's default: one factor within 12 hours.</summary>
    public static VerificationMethod Default { get; } = new(FactorMode.OneFactor, TimeSpan.FromHours(12), []);
}

/// <summary>
/// A factor the user proved in the session (or in the step-up for this request): its class, the method
/// (<c>PASSWORD</c>, <c>PUSH</c>, <c>SIGNED_NONCE</c>, <c>TOTP</c>, <c>WEBAUTHN</c>, ...), the authenticator's key and
/// type, when, and the properties the proof had.
/// </summary>
public sealed record ProvenFactor(FactorClass Class, string Method, string AuthenticatorKey, string Type, DateTimeOffset At)
{
    public bool DeviceBound { get; init; }
    public bool PhishingResistant { get; init; }
    public bool HardwareProtected { get; init; }
    public bool UserVerified { get; init; }
    public bool UserPresent { get; init; } = true;
}
