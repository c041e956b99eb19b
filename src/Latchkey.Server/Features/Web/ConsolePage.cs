using System.Reflection;
using Latchkey.Core.Admin;
using Latchkey.Core.Time;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Web;

/// <summary>
/// A page for a signed-in person. A visitor is sent to the sign-in page, which brings them back here afterwards.
/// </summary>
public abstract class SignedInPage : PageModel
{
    /// <summary>The signed-in person (set before any handler runs).</summary>
    public WebUser Me { get; private set; } = null!;

    /// <summary>A message for the alert region (an error) or the status region (a success), shown once after a redirect.</summary>
    [TempData] public string? Flash { get; set; }
    [TempData] public string? FlashError { get; set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var me = await HttpContext.RequestServices.GetRequiredService<WebUserAccessor>().GetAsync(HttpContext);
        if (me is null)
        {
            context.Result = Redirect("/?fromURI=" + Uri.EscapeDataString(Request.Path + Request.QueryString));
            return;
        }

        Me = me;
        if (await AuthorizeAsync(context) is { } refusal)
        {
            context.Result = refusal;
            return;
        }

        await next();
    }

    /// <summary>Null when the signed-in person may run this handler; otherwise the answer they get.</summary>
    protected virtual Task<IActionResult?> AuthorizeAsync(PageHandlerExecutingContext context) => Task.FromResult<IActionResult?>(null);

    /// <summary>The 403 page (a person without the right to what they asked for).</summary>
    protected IActionResult ForbiddenPage() => new PartialViewResult { ViewName = "/Features/Web/Shared/_Forbidden.cshtml", StatusCode = 403 };
}

/// <summary>
/// Marks a console page handler with the permission it needs. A page's GET needs the page's
/// <see cref="ConsolePage.Reads"/>; every other handler (a form post that changes something) must carry this attribute,
/// or it is refused: a handler nobody granted is a handler nobody may run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresAttribute(AdminPermission permission) : Attribute
{
    public AdminPermission Permission { get; } = permission;
}

/// <summary>
/// A page of the admin console: only for admins (any standard role), and each handler only for the roles that allow it.
/// Actions a role does not allow are not shown (<see cref="Can"/>), and a forged post is refused with 403 all the same.
/// The first console page a session opens is recorded (<c>user.session.access_admin_app</c>).
/// </summary>
public abstract class ConsolePage : SignedInPage
{
    /// <summary>What viewing this page needs (besides being an admin).</summary>
    public abstract AdminPermission Reads { get; }

    /// <summary>The console section this page belongs to, for the navigation (<see cref="ConsoleNavigation"/>).</summary>
    public abstract string Section { get; }

    public bool Can(AdminPermission permission) => Me.Grant.Allows(permission);

    protected override async Task<IActionResult?> AuthorizeAsync(PageHandlerExecutingContext context)
    {
        if (!Can(AdminPermission.AccessConsole) || !Can(Reads))
        {
            return ForbiddenPage();
        }

        var isRead = HttpMethods.IsGet(Request.Method) || HttpMethods.IsHead(Request.Method);
        var required = context.HandlerMethod?.MethodInfo.GetCustomAttribute<RequiresAttribute>()?.Permission;
        if ((!isRead && required is null) || (required is { } permission && !Can(permission)))
        {
            return ForbiddenPage();
        }

        if (Me.Session.AdminAccessed is null)
        {
            await RecordConsoleAccessAsync();
        }

        // The console acts through the same code as the Management API, as the signed-in admin (the System Log's actor).
        new ApiTokens.ApiCaller(Me.OrgId, Me.User.Id, Me.User.Login, Me.DisplayName, TokenId: "", Me.Grant).Attach(HttpContext);
        return null;
    }

    private async Task RecordConsoleAccessAsync()
    {
        var services = HttpContext.RequestServices;
        var db = services.GetRequiredService<LatchkeyDbContext>();
        var log = services.GetRequiredService<SystemLogWriter>();
        var now = IsoTime.Truncate(services.GetRequiredService<TimeProvider>().GetUtcNow());
        var ct = HttpContext.RequestAborted;
        await services.GetRequiredService<OrgWrite>().RunAsync(Me.OrgId, async () =>
        {
            var first = await db.Sessions.Where(s => s.Id == Me.Session.Id && s.AdminAccessed == null)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.AdminAccessed, now), ct);
            if (first == 1)
            {
                SignInEvents.AdminAppAccessed(log, Me.User, Me.Session);
            }
        }, ct);
        Me.Session.AdminAccessed = now;
    }
}
