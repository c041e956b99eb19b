using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Verify.Keys;

/// <summary>
/// A P-256 (ES256) key pair kept in software: the authenticator app's proof-of-possession key and the software
/// security key's credential keys. Its private half leaves this class only as PKCS#8 for the state file
/// (<see cref="ExportPkcs8"/>); it is never sent anywhere. It is not hardware-protected and never claims to be.
/// </summary>
public sealed class SoftwareKey : IDisposable
{
    private readonly ECDsa key;

    private SoftwareKey(ECDsa key)
    {
        this.key = key;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        X = parameters.Q.X!;
        Y = parameters.Q.Y!;
        Kid = Thumbprint(X, Y);
    }

    /// <summary>The public point's x coordinate (32 bytes).</summary>
    public byte[] X { get; }

    /// <summary>The public point's y coordinate (32 bytes).</summary>
    public byte[] Y { get; }

    /// <summary>The RFC 7638 thumbprint of the public JWK: base64url SHA-256 of <c>{"crv","kty","x","y"}</c>.</summary>
    public string Kid { get; }

    public static SoftwareKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The key stored as base64 PKCS#8 by <see cref="ExportPkcs8"/>.</summary>
    public static SoftwareKey FromPkcs8(string base64)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(base64), out _);
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new CryptographicException("the stored key is not a P-256 key");
        }

        return new SoftwareKey(key);
    }

    public string ExportPkcs8() => Convert.ToBase64String(key.ExportPkcs8PrivateKey());

    /// <summary>The public key as a JWK with its <c>kid</c>, as the enrollment sends it.</summary>
    public JsonObject PublicJwk() => new()
    {
        ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(X), ["y"] = Base64Url.EncodeToString(Y), ["kid"] = Kid,
    };

    /// <summary>The public key as DER SubjectPublicKeyInfo (WebAuthn's <c>getPublicKey()</c>).</summary>
    public byte[] SubjectPublicKeyInfo() => key.ExportSubjectPublicKeyInfo();

    /// <summary>An ES256 signature over <paramref name="data"/> as JWS wants it: r||s, 64 bytes (RFC 7518 section 3.4).</summary>
    public byte[] SignJws(byte[] data) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>An ES256 signature over <paramref name="data"/> as WebAuthn wants it: an ASN.1 DER Ecdsa-Sig-Value (WebAuthn section 6.5.5).</summary>
    public byte[] SignDer(byte[] data) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => key.Dispose();

    private static string Thumbprint(byte[] x, byte[] y)
    {
        // RFC 7638 section 3.2: the required members in lexicographic order, no whitespace.
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(x)}\",\"y\":\"{Base64Url.EncodeToString(y)}\"}}";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
