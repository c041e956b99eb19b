namespace Latchkey.Verify.State;

/// <summary>
/// Everything <c>latchkey-verify</c> keeps: the install's own id, its accounts and its software security keys. Saved as
/// one JSON file (<see cref="VerifyHome"/>) whose <see cref="Format"/> marker tells it from any other file, so a
/// foreign or newer file is refused rather than overwritten.
/// </summary>
public sealed class VerifyState
{
    public const string CurrentFormat = "latchkey-verify/1";

    public string Format { get; set; } = CurrentFormat;

    /// <summary>The app's own id for this install (the device's <c>clientInstanceId</c>), made on the first enrollment.</summary>
    public string? ClientInstanceId { get; set; }

    public List<AccountRecord> Accounts { get; set; } = [];

    public List<SecurityKeyRecord> SecurityKeys { get; set; } = [];

    /// <summary>The device-management key and the certificate an MDM installed for it (<c>mdm csr</c> / <c>mdm install</c>).</summary>
    public Mdm.ManagementRecord? Management { get; set; }

    /// <summary>Sessions from <c>latchkey-verify signin</c>, one per org (the newest replaces the older), for the next command to use.</summary>
    public List<SessionRecord> Sessions { get; set; } = [];
}

/// <summary>A session a FastPass sign-in started: the org, who signed in, and the <c>sid</c> cookie (<c>sid=...</c>) that carries it.</summary>
public sealed class SessionRecord
{
    public required string Org { get; set; }

    public required string UserId { get; set; }

    public string? Login { get; set; }

    /// <summary>The cookie as a request sends it: <c>sid=VALUE</c>.</summary>
    public required string Cookie { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary>
/// One account: either an authenticator-app enrollment in an org (<see cref="Enrollment"/> set: push, TOTP and the
/// device-bound key) or a time-based code imported from an <c>otpauth://</c> URI (only <see cref="Totp"/>).
/// </summary>
public sealed class AccountRecord
{
    public const string OktaVerifyKind = "okta_verify";
    public const string TotpKind = "totp";

    public required string Name { get; set; }

    public required string Kind { get; set; }

    public string? Issuer { get; set; }

    /// <summary>The org URL (scheme, host and port) of an enrolled account.</summary>
    public string? Org { get; set; }

    public string? Login { get; set; }

    public string? UserId { get; set; }

    public TotpSettings? Totp { get; set; }

    public EnrollmentRecord? Enrollment { get; set; }

    public DateTimeOffset Created { get; set; }
}

/// <summary>An RFC 6238 account: the shared secret (base32) and its parameters.</summary>
public sealed class TotpSettings
{
    public required string Secret { get; set; }

    /// <summary><c>SHA1</c>, <c>SHA256</c> or <c>SHA512</c>.</summary>
    public string Algorithm { get; set; } = "SHA1";

    public int Digits { get; set; } = 6;

    public int Period { get; set; } = 30;
}

/// <summary>What the server answered to the enrollment, and the proof-of-possession private key (PKCS#8, base64) that never leaves this file.</summary>
public sealed class EnrollmentRecord
{
    public required string EnrollmentId { get; set; }

    public string? AuthenticatorId { get; set; }

    public string? DeviceId { get; set; }

    public string? DeviceName { get; set; }

    public string? PushMethodId { get; set; }

    public string? SignedNonceMethodId { get; set; }

    public string? TotpMethodId { get; set; }

    /// <summary>The <c>_links.pending.href</c> of the enrollment.</summary>
    public string? PendingHref { get; set; }

    public required string ProofOfPossessionKey { get; set; }

    /// <summary>Always false: the key is a software key (docs: a software key never claims hardware).</summary>
    public bool HardwareProtected { get; set; }

    public IEnumerable<string> Methods() =>
        new[] { ("push", PushMethodId), ("totp", TotpMethodId), ("signed_nonce", SignedNonceMethodId) }
            .Where(m => m.Item2 is not null).Select(m => m.Item1);
}

/// <summary>A software FIDO2 security key: its AAGUID and the credentials it made.</summary>
public sealed class SecurityKeyRecord
{
    public required string Name { get; set; }

    public Guid Aaguid { get; set; }

    public DateTimeOffset Created { get; set; }

    public List<CredentialRecord> Credentials { get; set; } = [];
}

/// <summary>One WebAuthn credential of a software security key: its id, relying party, user handle, private key (PKCS#8) and signature counter.</summary>
public sealed class CredentialRecord
{
    /// <summary>The credential id, base64url.</summary>
    public required string Id { get; set; }

    public required string RpId { get; set; }

    /// <summary>The relying party's <c>user.id</c>, base64url.</summary>
    public required string UserHandle { get; set; }

    public string? UserName { get; set; }

    public required string PrivateKey { get; set; }

    public uint SignCount { get; set; }

    public DateTimeOffset Created { get; set; }
}
