using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>
/// A registration's attestation object (WebAuthn section 6.5.4) taken apart: the statement format and statement, the
/// authenticator data and, in it, the model's AAGUID, the credential id and its COSE public key. The framework's
/// passkey handler parses the same object for its own checks but keeps what it parsed to itself; the AAGUID
/// allow-list and the attestation statement need these parts.
/// </summary>
public sealed class ParsedAttestation
{
    public required string Format { get; init; }
    public required byte[] AuthenticatorData { get; init; }
    public required string Aaguid { get; init; }
    public required byte[] CredentialId { get; init; }
    public required byte[] CredentialPublicKey { get; init; }
    public int? Alg { get; init; }
    public byte[]? Signature { get; init; }
    public IReadOnlyList<byte[]> X5c { get; init; } = [];
    /// <summary>Statement members this server does not know (<c>ecdaaKeyId</c>, ...): such a statement is refused.</summary>
    public IReadOnlyList<string> OtherMembers { get; init; } = [];

    /// <summary>Parses <paramref name="attestationObject"/>; a <see cref="FormatException"/> says what is wrong.</summary>
    public static ParsedAttestation Parse(ReadOnlyMemory<byte> attestationObject)
    {
        try
        {
            return ParseCore(attestationObject);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new FormatException($"The attestation object is not valid CBOR of the expected shape ({e.Message})", e);
        }
    }

    private static ParsedAttestation ParseCore(ReadOnlyMemory<byte> attestationObject)
    {
        var reader = new CborReader(attestationObject, CborConformanceMode.Lax);
        string? format = null;
        byte[]? authData = null;
        int? alg = null;
        byte[]? sig = null;
        var x5c = new List<byte[]>();
        var other = new List<string>();
        var count = reader.ReadStartMap();
        for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
        {
            switch (reader.ReadTextString())
            {
                case "fmt":
                    format = reader.ReadTextString();
                    break;
                case "authData":
                    authData = reader.ReadByteString();
                    break;
                case "attStmt":
                    var members = reader.ReadStartMap();
                    for (var j = 0; members is null ? reader.PeekState() != CborReaderState.EndMap : j < members; j++)
                    {
                        switch (reader.ReadTextString())
                        {
                            case "alg":
                                alg = reader.ReadInt32();
                                break;
                            case "sig":
                                sig = reader.ReadByteString();
                                break;
                            case "x5c":
                                var certificates = reader.ReadStartArray();
                                for (var k = 0; certificates is null ? reader.PeekState() != CborReaderState.EndArray : k < certificates; k++)
                                {
                                    x5c.Add(reader.ReadByteString());
                                }

                                reader.ReadEndArray();
                                break;
                            case var name:
                                other.Add(name);
                                reader.SkipValue();
                                break;
                        }
                    }

                    reader.ReadEndMap();
                    break;
                default:
                    reader.SkipValue();
                    break;
            }
        }

        reader.ReadEndMap();
        if (format is null || authData is null)
        {
            throw new FormatException("The attestation object lacks its fmt or authData");
        }

        // WebAuthn section 6.1: rpIdHash (32) | flags (1) | signCount (4) | attestedCredentialData: aaguid (16) | length (2) | id | COSE key.
        const int attested = 37;
        if (authData.Length < attested + 18 || (authData[32] & 0x40) == 0)
        {
            throw new FormatException("The authenticator data carries no attested credential data");
        }

        var aaguid = new Guid(authData.AsSpan(attested, 16), bigEndian: true).ToString("D");
        var idLength = BinaryPrimitives.ReadUInt16BigEndian(authData.AsSpan(attested + 16, 2));
        var idStart = attested + 18;
        if (idLength is 0 or > 1023 || authData.Length < idStart + idLength + 1)
        {
            throw new FormatException("The attested credential data has an invalid credential id length");
        }

        var keyReader = new CborReader(authData.AsMemory(idStart + idLength), CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
        var key = keyReader.ReadEncodedValue().ToArray();
        return new ParsedAttestation
        {
            Format = format, AuthenticatorData = authData, Aaguid = aaguid, CredentialId = authData[idStart..(idStart + idLength)],
            CredentialPublicKey = key, Alg = alg, Signature = sig, X5c = x5c, OtherMembers = other,
        };
    }
}

/// <summary>
/// Verifies attestation statements of the formats Latchkey accepts (WebAuthn section 8): <c>packed</c>, with a
/// certificate chain (<c>x5c</c>: the signature by the attestation certificate, whose AAGUID extension must name the
/// model the authenticator data names) or self attestation (the signature by the credential key itself), and
/// <c>none</c>. It runs as <c>IdentityPasskeyOptions.VerifyAttestationStatement</c>: the framework has checked the
/// client data, RP id hash and flags first. The framework does not expose its COSE key reader, so the COSE key of a self
/// attestation is read here, for the two algorithms the options offer keys of (ES256, RS256).
/// </summary>
public static class WebAuthnAttestation
{
    public const string Packed = "packed";
    public const string None = "none";
    private const string AaguidExtension = "1.3.6.1.4.1.45724.1.1.4";

    /// <summary>Null when the statement is valid, else why not.</summary>
    public static string? Verify(ParsedAttestation a, ReadOnlySpan<byte> clientDataHash)
    {
        switch (a.Format)
        {
            case None:
                return a.Alg is null && a.Signature is null && a.X5c.Count == 0 && a.OtherMembers.Count == 0
                    ? null
                    : "A 'none' attestation must have an empty statement";
            case Packed:
                break;
            default:
                return $"The attestation format '{a.Format}' is not accepted (accepted: packed, none)";
        }

        if (a.Alg is not { } alg || a.Signature is not { } signature)
        {
            return "The packed attestation statement lacks its alg or sig";
        }

        if (a.OtherMembers.Count > 0)
        {
            return $"The packed attestation statement has members this server does not verify: {string.Join(", ", a.OtherMembers)}";
        }

        byte[] signed = [.. a.AuthenticatorData, .. clientDataHash];
        if (a.X5c.Count == 0)
        {
            // Self attestation (section 8.2, step 4): alg is the credential key's, and the credential key signed.
            var (keyAlg, verified) = VerifyWithCoseKey(a.CredentialPublicKey, alg, signed, signature);
            return keyAlg != alg
                ? $"The self attestation's alg {alg} is not the credential key's algorithm {keyAlg}"
                : verified ? null : "The self attestation signature is not valid for the credential key";
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(a.X5c[0]);
        }
        catch (CryptographicException)
        {
            return "The attestation certificate (x5c[0]) is not a valid X.509 certificate";
        }

        using (certificate)
        {
            var valid = alg switch
            {
                -7 => certificate.GetECDsaPublicKey() is { } ec && Using(ec, k => k.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)),
                -257 => certificate.GetRSAPublicKey() is { } rsa && Using(rsa, k => k.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
                _ => false,
            };
            if (!valid)
            {
                return $"The attestation signature (alg {alg}) is not valid for the attestation certificate";
            }

            // Section 8.2.1: not a CA, and when the certificate names a model (the AAGUID extension), it is this one.
            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
            {
                return "The attestation certificate is a CA certificate";
            }

            if (certificate.Extensions[AaguidExtension] is { } extension)
            {
                var value = extension.RawData;
                // An OCTET STRING (04 10) holding the 16 bytes.
                if (value.Length != 18 || value[0] != 0x04 || value[1] != 0x10
                    || new Guid(value.AsSpan(2), bigEndian: true).ToString("D") != a.Aaguid)
                {
                    return "The attestation certificate's AAGUID is not the authenticator data's";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// True when the attestation's certificate chain (x5c) ends at one of <paramref name="rootsDer"/> at
    /// <paramref name="now"/> (the allow-list entry's attestation roots).
    /// </summary>
    public static bool ChainsTo(ParsedAttestation a, IReadOnlyList<byte[]> rootsDer, DateTimeOffset now)
    {
        if (a.X5c.Count == 0)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(a.X5c[0]);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        foreach (var root in rootsDer)
        {
            chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(root));
        }

        foreach (var intermediate in a.X5c.Skip(1))
        {
            chain.ChainPolicy.ExtraStore.Add(X509CertificateLoader.LoadCertificate(intermediate));
        }

        return chain.Build(leaf);
    }

    private static bool Using<TKey>(TKey key, Func<TKey, bool> use) where TKey : IDisposable
    {
        using (key)
        {
            return use(key);
        }
    }

    /// <summary>Reads a COSE_Key (RFC 9053: EC2 P-256 or RSA) and verifies <paramref name="signature"/> with it; returns the key's alg.</summary>
    private static (int? Alg, bool Verified) VerifyWithCoseKey(byte[] coseKey, int alg, byte[] data, byte[] signature)
    {
        var reader = new CborReader(coseKey, CborConformanceMode.Lax);
        int? kty = null, keyAlg = null, crv = null;
        byte[]? x = null, y = null, n = null, e = null;
        var count = reader.ReadStartMap();
        for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
        {
            if (reader.PeekState() != CborReaderState.UnsignedInteger && reader.PeekState() != CborReaderState.NegativeInteger)
            {
                reader.SkipValue();
                reader.SkipValue();
                continue;
            }

            switch (reader.ReadInt32())
            {
                case 1: kty = reader.ReadInt32(); break;
                case 3: keyAlg = reader.ReadInt32(); break;
                case -1 when kty == 2: crv = reader.ReadInt32(); break;
                case -1 when kty == 3: n = reader.ReadByteString(); break;
                case -2 when kty == 2: x = reader.ReadByteString(); break;
                case -2 when kty == 3: e = reader.ReadByteString(); break;
                case -3 when kty == 2: y = reader.ReadByteString(); break;
                default: reader.SkipValue(); break;
            }
        }

        if (keyAlg != alg)
        {
            return (keyAlg, false);
        }

        try
        {
            switch (alg)
            {
                case -7 when kty == 2 && crv == 1 && x is { Length: 32 } && y is { Length: 32 }:
                    using (var ec = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } }))
                    {
                        return (keyAlg, ec.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
                    }

                case -257 when kty == 3 && n is not null && e is not null:
                    using (var rsa = RSA.Create(new RSAParameters { Modulus = n, Exponent = e }))
                    {
                        return (keyAlg, rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
                    }

                default:
                    return (keyAlg, false);
            }
        }
        catch (CryptographicException)
        {
            return (keyAlg, false);
        }
    }
}
