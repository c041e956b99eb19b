using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Desktop.Security;

/// <summary>
/// The machine key: 256 random bits that seal every per-user offline record of this computer with AES-256-GCM
/// (NIST SP 800-38D, through the platform's <see cref="AesGcm"/>). A sealed file is
/// <c>"LKD1" | key id (8 bytes) | nonce (12) | tag (16) | ciphertext</c>; the associated data binds the header and the
/// file's purpose (e.g. <c>user:alice</c>), so a file moved to another user's name, sealed by another machine's key,
/// truncated or changed in one bit is refused, never opened.
/// </summary>
public sealed class MachineKey
{
    public const int KeyBytes = 32;
    private const int KeyIdBytes = 8;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] Magic = "LKD1"u8.ToArray();
    private static readonly int HeaderBytes = Magic.Length + KeyIdBytes + NonceBytes + TagBytes;

    private readonly byte[] key;

    public MachineKey(byte[] key)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"a machine key has {KeyBytes} bytes", nameof(key));
        }

        this.key = key;
        KeyId = SHA256.HashData(key).AsSpan(0, KeyIdBytes).ToArray();
    }

    /// <summary>The first 8 bytes of the key's SHA-256: tells "another machine's key" from "damaged" without revealing the key.</summary>
    public byte[] KeyId { get; }

    public static MachineKey Generate() => new(RandomNumberGenerator.GetBytes(KeyBytes));

    public byte[] Export() => (byte[])key.Clone();

    public byte[] Seal(string purpose, ReadOnlySpan<byte> plaintext)
    {
        var sealedBytes = new byte[HeaderBytes + plaintext.Length];
        Magic.CopyTo(sealedBytes, 0);
        KeyId.CopyTo(sealedBytes, Magic.Length);
        var nonce = sealedBytes.AsSpan(Magic.Length + KeyIdBytes, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(HeaderBytes), sealedBytes.AsSpan(Magic.Length + KeyIdBytes + NonceBytes, TagBytes),
            AssociatedData(KeyId, purpose));
        return sealedBytes;
    }

    /// <summary>The plaintext of a sealed file, or a <see cref="SealFailure"/> saying why it cannot be opened.</summary>
    public byte[] Open(string purpose, ReadOnlySpan<byte> sealedBytes, out SealFailure failure)
    {
        failure = SealFailure.None;
        if (sealedBytes.Length < HeaderBytes || !sealedBytes[..Magic.Length].SequenceEqual(Magic))
        {
            failure = SealFailure.NotSealed;
            return [];
        }

        var keyId = sealedBytes.Slice(Magic.Length, KeyIdBytes);
        if (!CryptographicOperations.FixedTimeEquals(keyId, KeyId))
        {
            failure = SealFailure.OtherKey;
            return [];
        }

        var plaintext = new byte[sealedBytes.Length - HeaderBytes];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(sealedBytes.Slice(Magic.Length + KeyIdBytes, NonceBytes), sealedBytes[HeaderBytes..],
                sealedBytes.Slice(Magic.Length + KeyIdBytes + NonceBytes, TagBytes), plaintext, AssociatedData(KeyId, purpose));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            failure = SealFailure.Tampered;
            return [];
        }
    }

    private static byte[] AssociatedData(byte[] keyId, string purpose) => [.. Magic, .. keyId, .. Encoding.UTF8.GetBytes(purpose)];
}

public enum SealFailure
{
    None,

    /// <summary>Not a sealed file at all (truncated below its header, or something else).</summary>
    NotSealed,

    /// <summary>Sealed with another machine key: another computer's state, or the key file was replaced.</summary>
    OtherKey,

    /// <summary>The authentication tag does not match: changed, truncated, or moved to another purpose.</summary>
    Tampered,
}
