using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Security;
using Latchkey.Core.SignIn;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// The handle of a sign-in that has not reached its first step: "02" (as every state handle of the real service begins) and
/// the org, the start time and 256 random bits,
/// sealed (encrypted and authenticated) with ASP.NET Core Data Protection, whose keys every node shares. Starting a
/// sign-in therefore writes nothing (anyone may start one, as often as they like); the transaction is stored, under the
/// SHA-256 of this same handle, when the username is given, and a used-up handle stays refused by a tombstone row
/// until it would have expired. A handle that fails to open (forged, altered, another org's, expired) is no transaction.
/// </summary>
public sealed class NewSignInHandles(IDataProtectionProvider protection)
{
    /// <summary>The version of a transaction that has no stored row yet.</summary>
    public const long UnstoredVersion = -1;

    private const string Prefix = "02";

    /// <summary>Stored handles are "02" and 43 characters; sealed ones are over 150.</summary>
    private const int LongestStoredHandle = 64;
    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.SignIn.NewSignInHandle.v1");

    public static bool IsSealed(string handle) => handle.Length > LongestStoredHandle && handle.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Longest assurance (<c>acr_values</c>) a new sign-in carries.</summary>
    public const int MaxAssuranceLength = 100;

    public (string Handle, SignInState State) Create(string orgId, DateTimeOffset now, string? assurance = null)
    {
        assurance = string.IsNullOrWhiteSpace(assurance) || assurance.Length > MaxAssuranceLength || assurance.Contains('\n') ? null : assurance.Trim();
        var payload = string.Join('\n', orgId, now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), RandomIds.NewUrlSafeSecret(), assurance ?? "");
        var handle = Prefix + WebEncoders.Base64UrlEncode(_protector.Protect(Encoding.UTF8.GetBytes(payload)));
        return (handle, SignInMachine.Start(now, assurance));
    }

    /// <summary>The username-step state of a sealed handle of <paramref name="orgId"/> that has not expired at <paramref name="now"/>, else null.</summary>
    public SignInState? Open(string handle, string orgId, DateTimeOffset now)
    {
        if (!IsSealed(handle))
        {
            return null;
        }

        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(_protector.Unprotect(WebEncoders.Base64UrlDecode(handle, Prefix.Length, handle.Length - Prefix.Length)))
                .Split('\n');
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null; // fail closed: not sealed by this org's key ring, or altered
        }

        // Three parts: a handle sealed before sign-ins carried an assurance.
        if (parts.Length is not (3 or 4) || parts[0] != orgId
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var started))
        {
            return null;
        }

        var state = SignInMachine.Start(DateTimeOffset.FromUnixTimeMilliseconds(started), parts.Length == 4 && parts[3].Length > 0 ? parts[3] : null);
        return state.ExpiresAt > now ? state : null;
    }
}
