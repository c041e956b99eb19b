using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Core.Security;

/// <summary>
/// Hashes high-entropy secrets (API tokens, activation tokens) for storage and lookup. A token carries
/// 256 bits of entropy, so one SHA-256 pass is enough: the hash is the lookup key and cannot be reversed.
/// Low-entropy secrets (passwords) go through <see cref="PasswordHasher"/> instead.
/// </summary>
public static class SecretHasher
{
    public static string Hash(string secret)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Constant-time comparison of two hashes or secrets.</summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
