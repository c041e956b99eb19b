using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Core.Security;

/// <summary>
/// Ids of things stored by what they join rather than as rows of their own (a device's link to a user, an app's mapping to
/// its access policy): the prefix and 17 base62 characters of the SHA-256 of the key, so the same pair always has the
/// same id and a pair made again gets it again.
/// </summary>
public static class DerivedIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Of(string prefix, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var id = new StringBuilder(prefix, 20);
        for (var i = 0; id.Length < 20; i++)
        {
            id.Append(Base62[hash[i] % 62]);
        }

        return id.ToString();
    }
}
