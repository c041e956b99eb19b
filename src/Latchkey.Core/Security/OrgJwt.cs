using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Core.Security;

/// <summary>A new org signing key: its <c>kid</c>, the public JWK (with <c>kid</c>, <c>use</c>, <c>alg</c>) and the private key as PKCS#8.</summary>
public sealed record OrgKeyMaterial(string KeyId, JsonObject PublicJwk, byte[] Pkcs8);

/// <summary>What checking a JWT signed by an org key found: the claims when <see cref="Reason"/> is null.</summary>
public sealed record OrgJwtCheck(JsonObject? Claims, string? Reason)
{
    public bool Valid => Reason is null && Claims is not null;
}

/// <summary>
/// JWTs signed by the org (okta-api.md §10.1 JWKS, §10.5 <c>challengeRequest</c>): RS256 over RSA 2048 (RFC 7518
/// section 3.3, RSASSA-PKCS1-v1_5 with SHA-256), the algorithm the real service's org keys use and the one
/// @okta/jwt-verifier requires, so the OAuth work reuses the same key. The <c>kid</c> is the RFC 7638 thumbprint of the
/// public JWK. Reading accepts RS256 only (never <c>none</c> or an HMAC that would use the public key as a secret).
/// </summary>
public static class OrgJwt
{
    public const string Algorithm = "RS256";
    public const int KeySize = 2048;
    private const int MaxLength = 16 * 1024;

    public static OrgKeyMaterial CreateKey()
    {
        using var rsa = RSA.Create(KeySize);
        var p = rsa.ExportParameters(includePrivateParameters: false);
        var n = Base64Url.EncodeToString(p.Modulus);
        var e = Base64Url.EncodeToString(p.Exponent);
        // RFC 7638 section 3.2: the required members of an RSA key, in lexicographic order, no whitespace.
        var kid = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}""")));
        var jwk = new JsonObject { ["kty"] = "RSA", ["alg"] = Algorithm, ["kid"] = kid, ["use"] = "sig", ["e"] = e, ["n"] = n };
        return new OrgKeyMaterial(kid, jwk, rsa.ExportPkcs8PrivateKey());
    }

    /// <summary>The private key of <see cref="OrgKeyMaterial.Pkcs8"/>, for signing; null when it is not a 2048-bit RSA key.</summary>
    public static RSA? ImportPrivate(byte[] pkcs8)
    {
        var rsa = RSA.Create();
        bool usable;
        try
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            usable = rsa.KeySize == KeySize;
        }
        catch (CryptographicException)
        {
            usable = false; // not a PKCS#8 RSA key: fail closed
        }

        if (!usable)
        {
            rsa.Dispose();
            return null;
        }

        return rsa;
    }

    /// <summary>A compact JWS (RFC 7515 section 7.1) of <paramref name="claims"/>, header <c>{alg RS256, typ, kid}</c>.</summary>
    public static string Sign(RSA key, string keyId, string type, JsonObject claims)
    {
        var header = new JsonObject { ["alg"] = Algorithm, ["typ"] = type, ["kid"] = keyId };
        var input = $"{Encode(header)}.{Encode(claims)}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>
    /// Checks <paramref name="compact"/> against the JWKS <paramref name="keys"/>: well formed, <c>alg RS256</c>,
    /// <c>typ</c> = <paramref name="type"/>, a <c>kid</c> found among the keys, a valid signature by that key
    /// (RFC 7515 section 5.2 steps 1-8), then <c>exp</c> after <paramref name="now"/> (less <paramref name="skew"/>) and
    /// <c>iat</c> not after it (plus the skew). Fails closed: any doubt is a reason.
    /// </summary>
    public static OrgJwtCheck Verify(string? compact, JsonArray keys, string type, DateTimeOffset now, TimeSpan skew)
    {
        if (string.IsNullOrEmpty(compact) || compact.Length > MaxLength || compact.Split('.') is not { Length: 3 } parts)
        {
            return new(null, "malformed: not a compact JWS");
        }

        JsonObject? header, claims;
        byte[] signature;
        try
        {
            header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject;
            claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return new(null, "malformed: the parts are not base64url JSON");
        }

        if (header is null || claims is null)
        {
            return new(null, "malformed: header and claims must be JSON objects");
        }

        if (Text(header, "alg") != Algorithm)
        {
            return new(null, $"wrong_algorithm: alg must be {Algorithm}");
        }

        if (Text(header, "typ") != type)
        {
            return new(null, $"wrong_type: typ must be {type}");
        }

        var kid = Text(header, "kid");
        var jwk = keys.OfType<JsonObject>().FirstOrDefault(k => kid is not null && Text(k, "kid") == kid && Text(k, "kty") == "RSA");
        if (jwk is null)
        {
            return new(null, "unknown_key: the kid is not among the org's keys");
        }

        using (var rsa = ImportPublic(jwk))
        {
            if (rsa is null || !rsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return new(null, "invalid_signature: not signed by the org's key");
            }
        }

        var exp = Seconds(claims, "exp");
        var iat = Seconds(claims, "iat");
        if (exp is null || iat is null)
        {
            return new(null, "malformed: iat and exp are required");
        }

        if (DateTimeOffset.FromUnixTimeSeconds(exp.Value) + skew <= now)
        {
            return new(null, "expired: the challenge has expired");
        }

        return DateTimeOffset.FromUnixTimeSeconds(iat.Value) - skew > now ? new(null, "not_yet_valid: issued in the future (check the clock)") : new(claims, null);
    }

    private static RSA? ImportPublic(JsonObject jwk)
    {
        try
        {
            if (Text(jwk, "n") is not { } n || Text(jwk, "e") is not { } e)
            {
                return null;
            }

            var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = Base64Url.DecodeFromChars(n), Exponent = Base64Url.DecodeFromChars(e) });
            if (rsa.KeySize >= KeySize)
            {
                return rsa;
            }

            rsa.Dispose();
            return null;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static long? Seconds(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    private static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
