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

    /// <summary>The longest value any console form field takes; anything longer is refused before a handler runs.</summary>
    public const int MaxFieldLength = 4096;

    /// <summary>An error for the alert region of this very response (a form shown again with what was wrong in it).</summary>
    public string? Error { get; protected set; }

    /// <summary>A success message for the status region of this very response (when the page is shown, not redirected to).</summary>
    public string? Notice { get; protected set; }

    /// <summary>The signed-in admin as the Management API's code paths know a caller (and the System Log its actor).</summary>
    protected ApiTokens.ApiCaller Caller => ApiTokens.ApiCaller.Required(HttpContext);

    /// <summary>How the console words an API error: its causes (the field and the rule, as the API sends them), else its summary.</summary>
    public static string Describe(Core.Errors.ApiError error) =>
        error.Causes.Count > 0 ? string.Join(" ", error.Causes.Select(c => c.EndsWith('.') ? c : c + ".")) : error.Summary;

    /// <summary>
    /// Runs a change and answers with post-redirect-get: its message in the status region on success, the API's error causes
    /// in the alert region on refusal (nothing changed), either way back on <paramref name="redirectTo"/>.
    /// </summary>
    protected async Task<IActionResult> ChangeAsync(Func<Task<string>> change, string redirectTo)
    {
        try
        {
            Flash = await change();
        }
        catch (Core.Errors.ApiException e)
        {
            FlashError = Describe(e.Error);
        }

        return LocalRedirect(redirectTo);
    }

    /// <summary>
    /// Runs a form that adds something: on success its message and the new thing's page (post-redirect-get); on refusal the
    /// same page again (after <paramref name="reload"/>) with the API's causes in the alert region and what was typed kept.
    /// </summary>
    protected async Task<IActionResult> AddAsync(Func<Task<(string Message, string RedirectTo)>> add, Func<Task>? reload = null)
    {
        try
        {
            var (message, redirectTo) = await add();
            Flash = message;
            return LocalRedirect(redirectTo);
        }
        catch (Core.Errors.ApiException e)
        {
            Refuse(Describe(e.Error));
            if (reload is not null)
            {
                await reload();
            }

            return Page();
        }
    }

    /// <summary>Shows the form again with <paramref name="message"/> in the alert region (400: nothing was changed).</summary>
    protected void Refuse(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    /// <summary>The console's 404: what was not found and the way back (an unknown or deleted id, never a 500).</summary>
    protected IActionResult NotFoundPage(string what, string backHref, string backLabel) => new PartialViewResult
    {
        ViewName = "/Features/Web/Shared/_NotFound.cshtml",
        ViewData = new Microsoft.AspNetCore.Mvc.ViewFeatures.ViewDataDictionary<ConsoleNotFound>(ViewData, new ConsoleNotFound(what, backHref, backLabel)),
        StatusCode = StatusCodes.Status404NotFound,
    };

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

        if (!isRead && Request.HasFormContentType
            && (await Request.ReadFormAsync(HttpContext.RequestAborted)).Any(f => f.Value.Any(v => v?.Length > MaxFieldLength)))
        {
            // Set in TempData itself: no handler runs, so the page's TempData properties are not saved.
            TempData[nameof(FlashError)] = $"A field was too long (at most {MaxFieldLength} characters). Nothing was changed.";
            return LocalRedirect(Request.Path);
        }

        if (Me.Session.AdminAccessed is null)
        {
            await RecordConsoleAccessAsync();
        }

        // The console acts through the same code as the Management API, as the signed-in admin (the System Log's actor).
        Me.AsCaller().Attach(HttpContext);
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

/// <summary>What the console's 404 page names: the thing not found and the link back to its list.</summary>
public sealed record ConsoleNotFound(string What, string BackHref, string BackLabel);
