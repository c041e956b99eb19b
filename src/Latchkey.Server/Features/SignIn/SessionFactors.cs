using System.Text.Json;
using Latchkey.Core.Policies;
using Latchkey.Server.Features.Factors;

namespace Latchkey.Server.Features.SignIn;

/// <summary>What a sign-in proved for its session: the device whose key signed in (FastPass), and the factors with when and how.</summary>
public sealed record SessionProof(string? DeviceId, IReadOnlyList<ProvenFactor> Factors)
{
    public static SessionProof Password(DateTimeOffset at) => new(null, [PasswordFactor(at)]);

    public static ProvenFactor PasswordFactor(DateTimeOffset at) => new(FactorClass.Knowledge, "PASSWORD", "okta_password", "PASSWORD", at);
}

/// <summary>
/// The factors of a session (<see cref="Persistence.SessionEntity.FactorsJson"/>) to and from JSON, and the factor a
/// verified user factor stands for: a push and a FastPass answer are signed by the device's key (device-bound), FastPass
/// also phishing-resistant (the challenge names the org); a security key is device-bound and phishing-resistant; a code
/// from an app is neither.
/// </summary>
public static class SessionFactors
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(IReadOnlyList<ProvenFactor> factors) => JsonSerializer.Serialize(factors, Json);

    /// <summary>The session's factors; a session from before they were recorded has its last password verification.</summary>
    public static IReadOnlyList<ProvenFactor> Read(Persistence.SessionEntity session)
    {
        if (session.FactorsJson is { } json)
        {
            try
            {
                return JsonSerializer.Deserialize<List<ProvenFactor>>(json, Json) ?? [];
            }
            catch (JsonException)
            {
                return []; // a damaged record proves nothing
            }
        }

        return [SessionProof.PasswordFactor(session.LastPasswordVerification)];
    }

    /// <summary>The factor a verified user factor of <paramref name="factorType"/> proved at <paramref name="at"/>.</summary>
    public static ProvenFactor ForFactor(string factorType, DateTimeOffset at, bool hardwareProtected = false, bool userVerified = false) => factorType switch
    {
        FactorTypes.SignedNonce => new(FactorClass.Possession, "SIGNED_NONCE", "okta_verify", "APP", at)
        {
            DeviceBound = true, PhishingResistant = true, HardwareProtected = hardwareProtected, UserVerified = userVerified,
        },
        FactorTypes.Push => new(FactorClass.Possession, "PUSH", "okta_verify", "APP", at) { DeviceBound = true, HardwareProtected = hardwareProtected },
        FactorTypes.WebAuthn => new(FactorClass.Possession, "WEBAUTHN", "webauthn", "SECURITY_KEY", at)
        {
            DeviceBound = true, PhishingResistant = true, UserVerified = userVerified,
        },
        _ => new(FactorClass.Possession, "TOTP", "google_otp", "APP", at),
    };
}
