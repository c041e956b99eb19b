using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Latchkey.Server.Features.SignIn.Pages;

/// <summary>
/// The sign-in page at <c>/</c>: username, then password (then a new password when it has expired), driven by the same
/// <see cref="SignInEngine"/> as IDX, in-process. The transaction's handle travels in a hidden field of each form (it is
/// stored hashed, expires, and every step replaces its version, so a replayed form is stale). Every refusal of a password
/// reads the same, whatever the real reason (no account enumeration); the System Log has the reason. A signed-in person
/// goes to their dashboard, or back where they came from (only ever a path on this site).
/// </summary>
public sealed class SignInPageModel(SignInEngine engine, LatchkeyDbContext db, WebUserAccessor users) : PageModel
{
    public const string Generic = "Unable to sign in. Check your username and password.";

    public string Step { get; private set; } = "identify";
    public string? StateHandle { get; private set; }
    public string? Username { get; private set; }
    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true, Name = "fromURI")]
    public string? FromUri { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetAsync(HttpContext) is not null)
        {
            return Redirect(Destination);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostIdentifyAsync([FromForm] string? username)
    {
        username = username?.Trim();
        if (string.IsNullOrEmpty(username))
        {
            return Show("identify", null, null, "Enter your username.");
        }

        if (username.Length > SignInEngine.MaxIdentifierLength)
        {
            return Show("identify", null, null, $"A username has at most {SignInEngine.MaxIdentifierLength} characters.");
        }

        var ct = HttpContext.RequestAborted;
        var tx = await engine.StartAsync(await ServerOrg.IdAsync(db, ct), ct);
        var result = await engine.IdentifyAsync(tx, username, ct);
        return result.Transaction is { } next
            ? Show("password", next.Handle, username, null)
            : Show("identify", null, null, Expired);
    }

    public async Task<IActionResult> OnPostPasswordAsync([FromForm] string? stateHandle, [FromForm] string? password)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await engine.FindAsync(await ServerOrg.IdAsync(db, ct), stateHandle, ct);
        if (tx is null)
        {
            return Show("identify", null, null, Expired);
        }

        var username = tx.State.Identifier;
        if (string.IsNullOrEmpty(password))
        {
            return Show("password", tx.Handle, username, "Enter your password.");
        }

        // Says what is wrong (the field's own limit, the same for every account): refused before the engine, so it costs no attempt.
        if (password.Length > SignInEngine.MaxPasswordLength)
        {
            return Show("password", tx.Handle, username, $"A password has at most {SignInEngine.MaxPasswordLength} characters.");
        }

        var result = await engine.AnswerPasswordAsync(tx, password, SignInCompletion.Session, HttpContext, ct);
        if (result.Session is { } session)
        {
            SessionStore.WriteCookie(HttpContext, session.CookieSecret);
            return Redirect(Destination);
        }

        if (result.RetryAfterSeconds is { } wait)
        {
            Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Show("password", tx.Handle, username,
                $"Too many failed sign-ins from your network. Wait {wait} seconds, then try again.");
        }

        if (result.Stale || result.Transaction is null)
        {
            return Show("identify", null, null, Expired);
        }

        return result.Refused
            ? Show("password", result.Transaction.Handle, username, Generic)
            : Show("change-password", result.Transaction.Handle, username, null);
    }

    public async Task<IActionResult> OnPostChangePasswordAsync([FromForm] string? stateHandle, [FromForm] string? newPassword,
        [FromForm] string? confirmPassword)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await engine.FindAsync(await ServerOrg.IdAsync(db, ct), stateHandle, ct);
        if (tx is null)
        {
            return Show("identify", null, null, Expired);
        }

        var username = tx.State.Identifier;
        if (string.IsNullOrEmpty(newPassword) || newPassword.Length > SignInEngine.MaxPasswordLength)
        {
            return Show("change-password", tx.Handle, username, "Enter a new password.");
        }

        if (!string.Equals(newPassword, confirmPassword, StringComparison.Ordinal))
        {
            return Show("change-password", tx.Handle, username, "The two new passwords are not the same.");
        }

        var result = await engine.ChangePasswordAsync(tx, newPassword, null, SignInCompletion.Session, ct);
        if (result.Session is { } session)
        {
            SessionStore.WriteCookie(HttpContext, session.CookieSecret);
            return Redirect(Destination);
        }

        if (result.PolicyViolation is { } violation)
        {
            return Show("change-password", tx.Handle, username, violation);
        }

        return Show("identify", null, null, Expired);
    }

    private const string Expired = "This sign-in has expired or was already used. Start again.";

    private string Destination => WebShell.IsLocalUrl(FromUri) && FromUri != "/" ? FromUri! : "/app/UserHome";

    private PageResult Show(string step, string? handle, string? username, string? error)
    {
        (Step, StateHandle, Username, Error) = (step, handle, username, error);
        return Page();
    }
}
