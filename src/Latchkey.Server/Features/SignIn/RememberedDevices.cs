using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// A browser that proved a second factor for a person, remembered for the sign-on rule's <c>factorLifetime</c> when its
/// <c>factorPromptMode</c> is <c>DEVICE</c> (docs/policies.md): the <c>lk_dt</c> cookie, HttpOnly, SameSite=Lax, Secure
/// on HTTPS, holding the org, the person and the expiry sealed with Data Protection (nothing is stored server-side; the
/// expiry inside is checked on the server's clock, so a cookie kept past it is refused).
/// </summary>
public sealed class RememberedDevices(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "lk_dt";
    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.SignIn.RememberedDevice.v1");

    public void Remember(HttpContext context, string orgId, string userId, int minutes)
    {
        var expires = time.GetUtcNow().AddMinutes(minutes);
        var value = _protector.Protect(string.Join('|', orgId, userId, expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, Path = "/", IsEssential = true, Expires = expires,
        });
    }

    /// <summary>
    /// Whether this request's browser is remembered for <paramref name="userId"/> of <paramref name="orgId"/> now, and
    /// was remembered after <paramref name="forgottenAt"/> (when the person's remembered browsers were last forgotten).
    /// </summary>
    public bool IsRemembered(HttpContext? context, string orgId, string userId, DateTimeOffset? forgottenAt)
    {
        if (context?.Request.Cookies[CookieName] is not { Length: > 0 and < 1024 } value)
        {
            return false;
        }

        try
        {
            var parts = _protector.Unprotect(value).Split('|');
            return parts.Length == 4 && parts[0] == orgId && parts[1] == userId
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
                && expires > time.GetUtcNow().ToUnixTimeMilliseconds()
                && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var issued)
                && (forgottenAt is not { } forgotten || issued > forgotten.ToUnixTimeMilliseconds());
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
