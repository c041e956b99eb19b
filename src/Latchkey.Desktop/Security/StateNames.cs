using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Desktop.Security;

/// <summary>Names of files in the state directory that must not reveal or collide: a user's file name and a temporary file's suffix.</summary>
public static class StateNames
{
    /// <summary>The first 128 bits of the SHA-256 of the (normalized) login, in hex: the file name says nothing readable about who it is for.</summary>
    public static string UserFileId(string normalizedLogin) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedLogin)))[..32];

    /// <summary>A random suffix for a temporary file, from the platform's CSPRNG.</summary>
    public static string TemporarySuffix() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
}
