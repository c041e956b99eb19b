using System.Security.Cryptography;

namespace Latchkey.Core.Security;

/// <summary>Random identifiers and secrets from the platform's CSPRNG.</summary>
public static class RandomIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>An Okta-style id: a three-character type prefix and 17 base62 characters (20 in all).</summary>
    public static string NewId(string prefix)
    {
        if (prefix.Length != 3)
        {
            throw new ArgumentException("An id prefix has exactly three characters.", nameof(prefix));
        }

        return string.Create(20, prefix, static (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            RandomNumberGenerator.GetItems(Base62, span[3..]);
        });
    }

    /// <summary>
    /// A time-ordered id for a stored row: the prefix, the creation time in milliseconds as 7 base62 digits,
    /// and 10 random base62 characters (59 bits). Ids of later rows sort after earlier ones, so new rows land at
    /// the end of every index that holds an id instead of on a random page, and id order is creation order.
    /// </summary>
    public static string NewId(string prefix, DateTimeOffset created)
    {
        if (prefix.Length != 3)
        {
            throw new ArgumentException("An id prefix has exactly three characters.", nameof(prefix));
        }

        var ms = Math.Max(0, created.ToUnixTimeMilliseconds());
        return string.Create(20, (prefix, ms), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            var value = state.ms;
            for (var i = 9; i >= 3; i--)
            {
                span[i] = Base62[(int)(value % 62)];
                value /= 62;
            }

            RandomNumberGenerator.GetItems(Base62, span[10..]);
        });
    }

    /// <summary>A random base62 string of the given length (tokens, cursors, request ids).</summary>
    public static string NewBase62(int length) => RandomNumberGenerator.GetString(Base62, length);

    /// <summary>A random URL-safe secret of <paramref name="bytes"/> bytes of entropy.</summary>
    public static string NewUrlSafeSecret(int bytes = 32) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Guid NewUuid() => Guid.CreateVersion7();
}
