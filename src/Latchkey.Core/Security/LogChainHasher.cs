using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Core.Security;

/// <summary>
/// The System Log is a hash chain: each event stores SHA-256(previous hash || sequence || event JSON),
/// so removing, reordering or editing a stored event breaks every hash after it.
/// </summary>
public static class LogChainHasher
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Next(string previousHash, long sequence, string eventJson)
    {
        var input = Encoding.UTF8.GetBytes($"{previousHash}\n{sequence}\n{eventJson}");
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }
}
