namespace Latchkey.Desktop.Profile;

/// <summary>A method the login window may offer, named as the profile's <c>AllowedFactors</c> names it.</summary>
public enum DesktopFactor
{
    /// <summary><c>OV_Push</c>: a push to the authenticator app (online).</summary>
    Push,

    /// <summary><c>OV_TOTP</c>: a code from the authenticator app's org account (online).</summary>
    Totp,

    /// <summary><c>Offline_TOTP</c>: the device access code, verified on this computer (offline).</summary>
    OfflineTotp,

    /// <summary><c>FIDO2_USB_key</c>: a security key (device access key), online or, once registered here, offline.</summary>
    SecurityKey,
}

/// <summary>
/// The validated configuration profile an admin deploys through MDM (preference domain <see cref="PreferenceDomain"/>):
/// the Desktop MFA app's org and credentials, the allowed methods in the admin's order, and the offline periods.
/// Only <see cref="ProfileReader"/> makes one, so every instance passed its checks.
/// </summary>
public sealed record DesktopProfile
{
    public const string PreferenceDomain = "com.okta.deviceaccess.servicedaemon";

    /// <summary>The offline period when the profile does not set <c>LoginPeriodWithOfflineFactor</c>: one week.</summary>
    public const int DefaultOfflineHours = 168;

    /// <summary>The server's default for <c>LoginPeriodWithNoOfflineFactor</c>, used when the profile leaves it out.</summary>
    public const int DefaultNoOfflineFactorHours = 48;

    public static IReadOnlyList<(string Name, DesktopFactor Factor)> FactorNames { get; } =
    [
        ("OV_Push", DesktopFactor.Push),
        ("OV_TOTP", DesktopFactor.Totp),
        ("Offline_TOTP", DesktopFactor.OfflineTotp),
        ("FIDO2_USB_key", DesktopFactor.SecurityKey),
    ];

    public required Uri OrgUrl { get; init; }

    public required string ClientId { get; init; }

    public required string ClientSecret { get; init; }

    /// <summary>The allowed methods in the profile's order; all of them when the profile lists none or <c>*</c>.</summary>
    public required IReadOnlyList<DesktopFactor> AllowedFactors { get; init; }

    /// <summary>How long after the last online sign-in an offline factor may be used; zero turns offline sign-in off.</summary>
    public required TimeSpan OfflinePeriod { get; init; }

    /// <summary>How long a user who has not set up an offline factor may keep signing in without one (zero: no grace period).</summary>
    public required TimeSpan NoOfflineFactorPeriod { get; init; }

    public bool Allows(DesktopFactor factor) => AllowedFactors.Contains(factor);

    /// <summary>
    /// The issuer shown in the authenticator app: the org's host name. Never its port: a colon in the issuer would split
    /// the otpauth label (<c>Issuer:account</c>) in the wrong place.
    /// </summary>
    public string Issuer => OrgUrl.Host;

    public static string NameOf(DesktopFactor factor) => FactorNames.First(f => f.Factor == factor).Name;
}
