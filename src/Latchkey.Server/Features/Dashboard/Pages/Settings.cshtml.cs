using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Latchkey.Server.Features.Dashboard.Pages;

/// <summary>
/// "My settings": the person's own profile summary and password change; their authenticators and devices in Settings.Authenticators.cs.
/// Changing the password needs the current one, follows the org's password policy and history, and ends the person's
/// other sessions (this one stays): the Management API's <c>change_password</c>, with the same rules, refusals and events.
/// </summary>
public sealed partial class SettingsPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PasswordHasher hasher, TimeProvider time)
    : SignedInPage
{
    public string? Error { get; private set; }

    public void OnGet() => ViewData["Me"] = Me;

    public async Task<IActionResult> OnPostChangePasswordAsync([FromForm] string? currentPassword, [FromForm] string? newPassword,
        [FromForm] string? confirmPassword)
    {
        ViewData["Me"] = Me;
        if (string.IsNullOrEmpty(currentPassword) || string.IsNullOrEmpty(newPassword))
        {
            return Refuse("Enter your current password and a new one.");
        }

        if (currentPassword.Length > SignInEngine.MaxPasswordLength || newPassword.Length > SignInEngine.MaxPasswordLength)
        {
            return Refuse($"A password has at most {SignInEngine.MaxPasswordLength} characters.");
        }

        if (!string.Equals(newPassword, confirmPassword, StringComparison.Ordinal))
        {
            return Refuse("The two new passwords are not the same.");
        }

        // The person acts on their own account (the System Log's actor), through the API's own change_password.
        var self = Me.AsCaller();
        self.Attach(HttpContext);
        try
        {
            await UserCredentialEndpoints.ChangePasswordAsync(self, Me.User.Id, currentPassword, newPassword, strict: false,
                UserCredentialEndpoints.SessionsToEnd.AllBut(Me.Session.Id), db, write, log, hasher, time, HttpContext.RequestAborted);
        }
        catch (ApiException e)
        {
            return Refuse(e.Error.Causes.Count > 0 ? e.Error.Causes[0] : e.Error.Summary);
        }

        Flash = "Your password was changed. Your other sessions were signed out.";
        return RedirectToPage();
    }

    private PageResult Refuse(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
