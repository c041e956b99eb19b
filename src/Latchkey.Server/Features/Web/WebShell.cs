using Microsoft.AspNetCore.Antiforgery;

namespace Latchkey.Server.Features.Web;

/// <summary>
/// The web shell every capability's pages live in: Razor Pages found under <c>Features/</c> (each feature keeps its own
/// <c>Pages</c> folder), antiforgery on every form, the signed-in user resolved from the <c>sid</c> cookie, and the
/// security headers of every page (a Content-Security-Policy that allows only this origin's scripts and styles, no
/// framing, no referrer leaks).
/// </summary>
public static class WebShell
{
    public const string AntiforgeryCookie = "lk_csrf";

    /// <summary>
    /// Only this origin's scripts, styles and images; no inline script, no plugin, no framing; forms post only here.
    /// Later issues that add WebAuthn or push waits add their script files under wwwroot, never inline. The sign-in
    /// page's script may also reach Latchkey Verify's FastPass loopback ports on this computer (docs/fastpass.md).
    /// </summary>
    public static readonly string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' " +
        string.Join(' ', AuthenticatorApp.DeviceChallenge.LoopbackPorts.Select(p => $"http://localhost:{p}")) + "; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IServiceCollection AddLatchkeyWeb(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Features";
            o.Conventions.ConfigureFilter(new Microsoft.AspNetCore.Mvc.AutoValidateAntiforgeryTokenAttribute());
        }).AddMvcOptions(o => o.Filters.Add(new FormExpiredFilter()));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
            o.SuppressXFrameOptionsHeader = true; // the CSP's frame-ancestors (and our own X-Frame-Options) say it
        });
        services.AddScoped<WebUserAccessor>();
        return services;
    }

    /// <summary>
    /// The pages' static files (stylesheet, later scripts), served before routing: the JSON fallback for unknown paths is an
    /// endpoint, and a matched endpoint would otherwise take every file's path.
    /// </summary>
    public static WebApplication UseLatchkeyStaticFiles(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = f =>
            {
                f.Context.Response.Headers.XContentTypeOptions = "nosniff";
                f.Context.Response.Headers.CacheControl = "public, max-age=3600";
            },
        });
        app.UseRouting();
        return app;
    }

    /// <summary>Pages and their headers; everything under /api/v1 and /idp keeps its own pipeline.</summary>
    public static WebApplication UseLatchkeyWeb(this WebApplication app)
    {
        app.UseWhen(IsPage, web => web.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            // What antiforgery sets on every page with a form (it warns in the operator log when it must override another value).
            headers.CacheControl = "no-cache, no-store";
            headers.Pragma = "no-cache";
            await next(context);
        }));
        app.MapRazorPages();
        return app;
    }

    private static bool IsPage(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/idp")
        && !context.Request.Path.StartsWithSegments("/css") && !context.Request.Path.StartsWithSegments("/js");

    /// <summary>A return address is followed only when it is a path on this site (never <c>//host</c>, <c>/\host</c> or a scheme).</summary>
    public static bool IsLocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length <= 2048 && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => char.IsControl(c) || c == '\\');

    /// <summary>Checks a posted antiforgery token explicitly (for endpoints outside Razor Pages).</summary>
    public static Task<bool> IsValidPostAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context);
}
