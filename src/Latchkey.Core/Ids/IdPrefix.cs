namespace Latchkey.Core.Ids;

/// <summary>The three-character type prefixes the real service uses for its 20-character ids.</summary>
public static class IdPrefix
{
    public const string Org = "00o";
    public const string User = "00u";
    public const string Group = "00g";
    public const string App = "0oa";
    public const string AppLink = "0ua";
    public const string ApiToken = "00T";
    public const string AccessPolicy = "rst";
    public const string ClassicPolicy = "00p";
    /// <summary>A policy rule (the Identity Engine prefix, for the rules of every policy type).</summary>
    public const string PolicyRule = "rul";
    public const string UserType = "oty";
    public const string Error = "oae";
    public const string Session = "102";
    public const string Authenticator = "aut";
    public const string RoleAssignment = "irb";
    public const string NetworkZone = "nzo";
    /// <summary>An app's mapping to its access policy (<c>/api/v1/policies/{policyId}/mappings</c>; derived, <see cref="Security.DerivedIds"/>).</summary>
    public const string PolicyMapping = "map";

    /// <summary>Factors: the real service's prefixes per type and provider (Okta Verify TOTP, Google Authenticator, ...).</summary>
    public const string OktaTotpFactor = "ost";
    public const string GoogleTotpFactor = "uft";
    public const string PushFactor = "opf";
    public const string SignedNonceFactor = "crp";
    /// <summary>A WebAuthn (FIDO2) factor: a security key or platform authenticator.</summary>
    public const string WebAuthnFactor = "fwf";

    public const string Device = "guo";
    /// <summary>An authenticator-app enrollment: one user's keys on one device.</summary>
    public const string DeviceEnrollment = "pfd";
    /// <summary>A push challenge (the factor transaction a poller follows).</summary>
    public const string PushTransaction = "v2m";
    /// <summary>A device integration (an MDM configured by the admin, with its CA): Latchkey's own prefix.</summary>
    public const string DeviceIntegration = "din";
    /// <summary>A management certificate a device integration's CA issued: Latchkey's own prefix.</summary>
    public const string DeviceCertificate = "dmc";
    /// <summary>A FastPass device challenge (the <c>transactionId</c> of a <c>signed_nonce</c> challenge).</summary>
    public const string DeviceChallenge = "ftx";
    /// <summary>A Desktop MFA device access code enrollment (one person on one computer): Latchkey's own prefix.</summary>
    public const string DesktopMfaEnrollment = "dma";
    /// <summary>A computer with the Desktop MFA agent: Latchkey's own prefix.</summary>
    public const string DesktopMfaComputer = "dmp";
}
