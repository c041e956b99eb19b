using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Core.Security;

/// <summary>How a device-signed token stands against the clock.</summary>
public enum ProofTime
{
    Valid,
    /// <summary>Past its <c>exp</c>.</summary>
    Expired,
    /// <summary>Issued further from now than the allowed skew (either way), or living longer than allowed: the device clock is off.</summary>
    ClockSkew,
    /// <summary>No usable <c>iat</c> / <c>exp</c>.</summary>
    Malformed,
}

/// <summary>
/// A compact JWS signed by a device key (<c>typ okta-devicebind+jwt</c>, <c>alg ES256</c>): the enrollment proof, the
/// signature on each app request and the answer to a push. Parsing accepts exactly that algorithm, so a token cannot
/// choose a weaker one (or <c>none</c>); the signature is checked by the platform's ECDSA over P-256 / SHA-256 against
/// the public key the device registered. The claims are usable only after <see cref="VerifiedBy"/> returned true.
/// </summary>
public sealed class DeviceProof
{
    public const string TokenType = "okta-devicebind+jwt";
    public const string Algorithm = "ES256";
    private const int MaxLength = 16 * 1024;

    private readonly byte[] _signingInput;
    private readonly byte[] _signature;

    private DeviceProof(JsonObject header, JsonObject claims, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Claims = claims;
        _signingInput = signingInput;
        _signature = signature;
    }

    public JsonObject Header { get; }
    public JsonObject Claims { get; }
    public string? KeyId => Text(Header, "kid");

    public string? Claim(string name) => Text(Claims, name);

    /// <summary>Reads a token without trusting it: null when it is not a well-formed ES256 device token.</summary>
    public static DeviceProof? Read(string? compact)
    {
        if (string.IsNullOrEmpty(compact) || compact.Length > MaxLength)
        {
            return null;
        }

        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject;
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
            var signature = Base64Url.DecodeFromChars(parts[2]);
            if (header is null || claims is null || Text(header, "alg") != Algorithm || Text(header, "typ") != TokenType || signature.Length != 64)
            {
                return null;
            }

            return new DeviceProof(header, claims, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether the device key <paramref name="publicJwk"/> made this signature.</summary>
    public bool VerifiedBy(string publicJwk)
    {
        using var key = DeviceKeys.Import(publicJwk);
        return key is not null && key.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// Checks <c>iat</c> and <c>exp</c>: issued within <paramref name="skew"/> of <paramref name="now"/>, living at most
    /// <paramref name="maxLifetime"/>, not expired.
    /// </summary>
    public ProofTime CheckTime(DateTimeOffset now, TimeSpan maxLifetime, TimeSpan skew)
    {
        if (Seconds("iat") is not { } iat || Seconds("exp") is not { } exp || exp < iat)
        {
            return ProofTime.Malformed;
        }

        var issued = DateTimeOffset.FromUnixTimeSeconds(iat);
        if ((issued - now).Duration() > skew || exp - iat > (long)maxLifetime.TotalSeconds)
        {
            return ProofTime.ClockSkew;
        }

        return DateTimeOffset.FromUnixTimeSeconds(exp) <= now ? ProofTime.Expired : ProofTime.Valid;
    }

    /// <summary>How far the device clock is from <paramref name="now"/>, by its <c>iat</c> (null when there is none).</summary>
    public TimeSpan? Skew(DateTimeOffset now) => Seconds("iat") is { } iat ? DateTimeOffset.FromUnixTimeSeconds(iat) - now : null;

    public long? Seconds(string name) =>
        Claims[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n
        : Claims[name] is JsonValue d && d.TryGetValue<double>(out var f) && double.IsFinite(f) && Math.Abs(f) < 1e12 ? (long)f
        : null;

    private static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>Device public keys: ES256 (P-256) JWKs, as registered at enrollment.</summary>
public static class DeviceKeys
{
    /// <summary>
    /// The public JWK in canonical form (<c>{"crv","kty","x","y"}</c>) and its RFC 7638 thumbprint, or null when
    /// <paramref name="jwk"/> is not a valid P-256 public key (a point off the curve is refused by the import).
    /// </summary>
    public static (string Canonical, string Thumbprint)? Normalize(JsonObject? jwk)
    {
        if (jwk is null || Text(jwk, "kty") != "EC" || Text(jwk, "crv") != "P-256" || jwk["d"] is not null
            || Text(jwk, "x") is not { } x || Text(jwk, "y") is not { } y)
        {
            return null;
        }

        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""";
        using var key = Import(canonical);
        if (key is null)
        {
            return null;
        }

        return (canonical, Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    /// <summary>An ECDsa for a stored public JWK, or null when it is not one.</summary>
    public static ECDsa? Import(string publicJwk)
    {
        try
        {
            if (JsonNode.Parse(publicJwk) is not JsonObject jwk || Text(jwk, "x") is not { } x || Text(jwk, "y") is not { } y)
            {
                return null;
            }

            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64Url.DecodeFromChars(x), Y = Base64Url.DecodeFromChars(y) },
            };
            if (parameters.Q.X!.Length != 32 || parameters.Q.Y!.Length != 32)
            {
                return null;
            }

            return ECDsa.Create(parameters);
        }
        catch (Exception e) when (e is FormatException or JsonException or CryptographicException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
