using System.Security.Cryptography;

namespace Latchkey.Desktop.Security;

/// <summary>
/// The computer's signing key (ECDSA P-256 with SHA-256, FIPS 186-5, signatures in the IEEE P1363 r||s form as in JWS
/// ES256): it signs each offline event, so the server can tell that an uploaded event came from the computer it
/// registered. Kept sealed in the state; the server gets only <see cref="PublicKey"/> (SubjectPublicKeyInfo, DER).
/// </summary>
public sealed class ComputerKey : IDisposable
{
    private readonly ECDsa key;

    private ComputerKey(ECDsa key) => this.key = key;

    public byte[] PublicKey => key.ExportSubjectPublicKeyInfo();

    public static ComputerKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The key from its PKCS#8 form in base64, or null when that is not a P-256 private key.</summary>
    public static ComputerKey? TryImport(string pkcs8Base64)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8Base64), out _);
            if (key.KeySize == 256)
            {
                return new ComputerKey(key);
            }
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            // Not a key: refused below like a key of another curve.
        }

        key.Dispose();
        return null;
    }

    public byte[] ExportPrivateKey() => key.ExportPkcs8PrivateKey();

    public byte[] Sign(ReadOnlySpan<byte> data) => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Whether <paramref name="signature"/> is this data's signature by the key whose SubjectPublicKeyInfo is <paramref name="publicKey"/>.</summary>
    public static bool Verify(byte[] publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            using var verifier = ECDsa.Create();
            verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
            return verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose() => key.Dispose();
}
