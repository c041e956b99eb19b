using System.Security.Cryptography;
using Latchkey.Core.Users;

namespace Latchkey.Core.Security;

/// <summary>
/// Passwords the server makes up (the first admin's, each demo user's, a temporary password): every character
/// drawn uniformly and independently from <see cref="Alphabet"/> by the platform CSPRNG, the whole password
/// drawn again until the password policy accepts it. Rejection keeps the result uniform over the passwords the
/// policy accepts; nothing is fixed, so no position of a generated password is easier to guess than another.
/// </summary>
public static class PasswordGenerator
{
    /// <summary>
    /// Upper- and lower-case letters, digits and the printable ASCII symbols except the quotes, the backquote and
    /// the backslash (so a password survives a JSON string or a single-quoted shell word as it is): 90 characters.
    /// </summary>
    public const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~";

    /// <summary>16 characters of 90: about 104 bits, unless the policy asks for more characters.</summary>
    public const int Length = 16;

    /// <summary>A policy nothing can meet (say, a minimum above its maximum) must not spin forever.</summary>
    private const int MaxAttempts = 10_000;

    /// <summary>A new password for the user named by <paramref name="login"/> and the names, accepted by <paramref name="policy"/>.</summary>
    public static string Generate(PasswordPolicy policy, string login, string? firstName = null, string? lastName = null)
    {
        var length = Math.Min(Math.Max(Length, policy.MinLength), policy.MaxLength);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var candidate = RandomNumberGenerator.GetString(Alphabet, length);
            if (policy.Check(candidate, login, firstName, lastName) is null)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No generated password met the password policy ({policy.Requirements}).");
    }
}
