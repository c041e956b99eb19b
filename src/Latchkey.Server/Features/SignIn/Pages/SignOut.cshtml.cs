using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Latchkey.Server.Features.SignIn.Pages;

/// <summary>Sign-out: a form post (antiforgery checked) ends the session everywhere (<c>user.session.end</c>) and clears the cookie.</summary>
public sealed class SignOutPageModel(WebUserAccessor users, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log) : PageModel
{
    public WebUser? Me { get; private set; }

    /// <summary>A link to /signout shows a one-button confirmation (a GET never changes anything).</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        Me = await users.GetAsync(HttpContext);
        return Me is null ? Redirect("/") : Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await users.GetAsync(HttpContext) is { } me)
        {
            await SessionsApi.EndAsync(db, write, log, me.Session, actor: null, HttpContext.RequestAborted);
        }

        SessionStore.ClearCookie(HttpContext);
        return Redirect("/");
    }
}
