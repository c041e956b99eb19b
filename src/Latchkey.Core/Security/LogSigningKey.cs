using System.Security.Cryptography;

namespace Latchkey.Core.Security;

/// <summary>
/// The key that signs System Log checkpoints: ECDSA on P-256 with SHA-256 (FIPS 186-5), signatures in the
/// fixed 64-byte IEEE P1363 form, base64. It is kept outside the database (a PEM file), so someone who can
/// rewrite the database cannot make new checkpoints. A key loaded from a public-key PEM only verifies.
/// </summary>
public sealed class LogSigningKey : IDisposable
{
    private readonly ECDsa _key;
    private readonly Lock _lock = new();

    private LogSigningKey(ECDsa key, bool canSign)
    {
        _key = key;
        CanSign = canSign;
        // The key id: the first 16 bytes of SHA-256 over the DER SubjectPublicKeyInfo, as hex.
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));
    }

    /// <summary>True when the private key is present.</summary>
    public bool CanSign { get; }

    public string KeyId { get; }

    public static LogSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), canSign: true);

    /// <summary>
    /// Reads a PEM with a P-256 private key (<c>PRIVATE KEY</c> or <c>EC PRIVATE KEY</c>) or public key
    /// (<c>PUBLIC KEY</c>). Throws <see cref="FormatException"/> saying what is wrong otherwise.
    /// </summary>
    public static LogSigningKey FromPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new FormatException("it holds no ECDSA key in PEM form (" + e.Message.TrimEnd('.') + ")", e);
        }

        ECParameters parameters;
        try
        {
            parameters = key.ExportParameters(includePrivateParameters: false);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new FormatException("its ECDSA key cannot be read (" + e.Message.TrimEnd('.') + ")", e);
        }

        if (key.KeySize != 256 || parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new FormatException($"its key is on curve {parameters.Curve.Oid.FriendlyName ?? parameters.Curve.Oid.Value ?? "?"}, not P-256");
        }

        return new LogSigningKey(key, canSign: HasPrivateKey(key));
    }

    /// <summary>The private key as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>).</summary>
    public string ExportPrivateKeyPem()
    {
        lock (_lock)
        {
            return _key.ExportPkcs8PrivateKeyPem();
        }
    }

    /// <summary>The public key as SubjectPublicKeyInfo PEM: enough to verify checkpoints, not to make them.</summary>
    public string ExportPublicKeyPem()
    {
        lock (_lock)
        {
            return _key.ExportSubjectPublicKeyInfoPem();
        }
    }

    public LogCheckpoint Sign(string orgId, long sequence, string hash, DateTimeOffset signed)
    {
        if (!CanSign)
        {
            throw new InvalidOperationException("This log signing key holds only a public key; it cannot sign.");
        }

        signed = DateTimeOffset.FromUnixTimeMilliseconds(signed.ToUnixTimeMilliseconds());
        byte[] signature;
        lock (_lock)
        {
            signature = _key.SignData(LogCheckpoint.Payload(orgId, sequence, hash, signed), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        return new LogCheckpoint(orgId, sequence, hash, signed, KeyId, Convert.ToBase64String(signature));
    }

    /// <summary>Checks the signature over the checkpoint's org, sequence, hash and time. Fails closed on any malformed part.</summary>
    public CheckpointSignature Check(LogCheckpoint checkpoint)
    {
        if (!string.Equals(checkpoint.KeyId, KeyId, StringComparison.Ordinal))
        {
            return CheckpointSignature.OtherKey;
        }

        Span<byte> signature = stackalloc byte[64];
        if (!Convert.TryFromBase64String(checkpoint.Signature, signature, out var length) || length != 64)
        {
            return CheckpointSignature.Invalid;
        }

        bool valid;
        lock (_lock)
        {
            valid = _key.VerifyData(LogCheckpoint.Payload(checkpoint.OrgId, checkpoint.Sequence, checkpoint.Hash, checkpoint.Signed),
                signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        return valid ? CheckpointSignature.Valid : CheckpointSignature.Invalid;
    }

    public void Dispose() => _key.Dispose();

    private static bool HasPrivateKey(ECDsa key)
    {
        try
        {
            var d = key.ExportParameters(includePrivateParameters: true).D;
            var present = d is { Length: > 0 };
            CryptographicOperations.ZeroMemory(d);
            return present;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
