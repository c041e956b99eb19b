using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace Latchkey.Server.Features.Dashboard;

/// <summary>
/// A launch's step-up: when an app's rule allows but asks for a factor the session has not proven recently enough (a
/// <c>CHALLENGE</c>), the launch begins here and the person verifies again (<c>/?prompt=login</c>); the launch that
/// follows counts as the same request, so factors proven since it began meet even a <c>PT0S</c> ("every time") rule.
/// The start is kept in a cookie the server seals (Data Protection), for one app, used once, for 10 minutes at most.
/// </summary>
public sealed class LaunchStepUp(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "lk_launch";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.Dashboard.LaunchStepUp");

    /// <summary>When this launch began: the step-up's start for <paramref name="appId"/> when one is under way (<c>SteppedUp</c>), else now.</summary>
    public (DateTimeOffset Started, bool SteppedUp) RequestStarted(HttpContext context, string appId)
    {
        var now = time.GetUtcNow();
        if (context.Request.Cookies[CookieName] is not { } sealedValue)
        {
            return (now, false);
        }

        try
        {
            var parts = _protector.Unprotect(sealedValue).Split('|');
            if (parts.Length == 2 && parts[0] == appId && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                var started = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                return started <= now && now - started <= MaxAge ? (started, true) : (now, false);
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Not ours, or from another key ring: no step-up under way.
        }

        return (now, false);
    }

    public void Begin(HttpContext context, string appId) =>
        context.Response.Cookies.Append(CookieName, _protector.Protect($"{appId}|{time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}"),
            new CookieOptions { HttpOnly = true, Secure = context.Request.IsHttps, SameSite = SameSiteMode.Lax, Path = "/home", MaxAge = MaxAge });

    public void End(HttpContext context)
    {
        if (context.Request.Cookies.ContainsKey(CookieName))
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/home" });
        }
    }
}
