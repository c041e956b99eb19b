using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Core.Security;

/// <summary>
/// The management proof a device presents at a FastPass sign-in (docs/device-integrations.md): a compact JWS
/// (RFC 7515 section 7.1) with header <c>{"alg":"ES256"|"RS256","typ":"latchkey-mdm+jwt","x5c":[leaf, ...]}</c> and
/// claims <c>{nonce, tx, aud, iat, exp}</c>, signed with the private key of the management certificate in <c>x5c[0]</c>
/// (RFC 7515 section 4.1.6: standard base64 DER, leaf first). <see cref="Read"/> only parses; nothing in it is trusted
/// until the chain was validated and <see cref="SignedByLeaf"/> returned true.
/// </summary>
public sealed class ManagementProofToken : IDisposable
{
    public const string TokenType = "latchkey-mdm+jwt";
    private const int MaxLength = 32 * 1024;
    private const int MaxCertificates = 5;

    private readonly byte[] _signingInput;
    private readonly byte[] _signature;

    private ManagementProofToken(string algorithm, List<X509Certificate2> certificates, JsonObject claims, byte[] signingInput, byte[] signature)
    {
        Algorithm = algorithm;
        Certificates = certificates;
        Claims = claims;
        _signingInput = signingInput;
        _signature = signature;
    }

    /// <summary><c>ES256</c> or <c>RS256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The <c>x5c</c> certificates, the device's management certificate first.</summary>
    public IReadOnlyList<X509Certificate2> Certificates { get; }

    public X509Certificate2 Leaf => Certificates[0];

    /// <summary>The leaf's serial number, upper-case hex.</summary>
    public string SerialNumber => Leaf.SerialNumber;

    public string Subject => Leaf.Subject;

    public string Issuer => Leaf.Issuer;

    /// <summary>SHA-256 of the leaf's DER, upper-case hex (as <see cref="IssuedManagementCertificate.Thumbprint"/>).</summary>
    public string Thumbprint => Leaf.GetCertHashString(HashAlgorithmName.SHA256);

    public DateTimeOffset NotBefore => new(Leaf.NotBefore.ToUniversalTime());

    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime());

    public JsonObject Claims { get; }

    public string? Claim(string name) => Claims[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public long? NumericClaim(string name) => Claims[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    /// <summary>Parses a token; on failure null and <paramref name="problem"/> says what is wrong, in words.</summary>
    public static ManagementProofToken? Read(string compact, out string? problem)
    {
        problem = null;
        if (compact.Length > MaxLength)
        {
            problem = $"the proof is longer than {MaxLength} characters";
            return null;
        }

        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            problem = "the proof is not a compact JWS (three base64url parts separated by dots)";
            return null;
        }

        var certificates = new List<X509Certificate2>();
        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject;
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
            var signature = Base64Url.DecodeFromChars(parts[2]);
            problem = header is null || claims is null ? "the proof's header or payload is not a JSON object"
                : Text(header, "typ") != TokenType ? $"the proof's typ is not {TokenType}"
                : Text(header, "alg") is not ("ES256" or "RS256") ? "the proof's alg is neither ES256 nor RS256"
                : header["x5c"] is not JsonArray { Count: > 0 and <= MaxCertificates } x5c ? $"the proof carries no x5c certificate chain (1 to {MaxCertificates} certificates)"
                : null;
            if (problem is not null)
            {
                return null;
            }

            foreach (var entry in (JsonArray)header!["x5c"]!)
            {
                var der = Convert.FromBase64String(entry is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException());
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
            }

            return new ManagementProofToken(Text(header, "alg")!, certificates, claims!, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or CryptographicException)
        {
            certificates.ForEach(c => c.Dispose());
            problem = "the proof's header, payload, signature or an x5c certificate cannot be decoded";
            return null;
        }
    }

    /// <summary>
    /// True only when the signature verifies with the leaf certificate's public key under the token's algorithm: ES256 is
    /// ECDSA P-256 with SHA-256 and an r||s signature (RFC 7518 section 3.4), RS256 RSASSA-PKCS1-v1_5 with SHA-256 (section 3.3).
    /// </summary>
    public bool SignedByLeaf()
    {
        if (Algorithm == "ES256")
        {
            using var ec = Leaf.GetECDsaPublicKey();
            return ec is { KeySize: 256 } && _signature.Length == 64
                && ec.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        using var rsa = Leaf.GetRSAPublicKey();
        return rsa is { KeySize: >= 2048 } && rsa.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>
    /// The CA among <paramref name="caPems"/> (PEM certificates) the leaf chains to through the other <c>x5c</c>
    /// certificates, for client authentication, with that CA's validity; null when none. Built by the platform's X509Chain
    /// trusting only that CA (custom root trust, no system roots); validity dates are left to the caller, which names them
    /// precisely, and revocation too (Latchkey's own table).
    /// </summary>
    public IssuingCa? FindIssuingCa(IReadOnlyList<string> caPems, DateTimeOffset now)
    {
        for (var i = 0; i < caPems.Count; i++)
        {
            using var ca = X509Certificate2.CreateFromPem(caPems[i]);
            using var chain = new X509Chain();
            var policy = chain.ChainPolicy;
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.Add(ca);
            policy.ExtraStore.AddRange(Certificates.Skip(1).ToArray());
            policy.RevocationMode = X509RevocationMode.NoCheck;
            policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreNotTimeNested | X509VerificationFlags.IgnoreCtlNotTimeValid;
            policy.VerificationTime = now.UtcDateTime;
            policy.ApplicationPolicy.Add(ManagementCa.ClientAuthentication);
            if (chain.Build(Leaf) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData))
            {
                return new IssuingCa(i, new DateTimeOffset(ca.NotBefore.ToUniversalTime()), new DateTimeOffset(ca.NotAfter.ToUniversalTime()));
            }
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var certificate in Certificates)
        {
            certificate.Dispose();
        }
    }

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>The CA a management certificate chains to: its index in the list given, and its own validity.</summary>
public sealed record IssuingCa(int Index, DateTimeOffset NotBefore, DateTimeOffset NotAfter);
