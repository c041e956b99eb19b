using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Dashboard.Pages;

/// <summary>
/// "My settings": the person's own profile summary and password change (later issues add authenticators and devices).
/// Changing the password needs the current one, follows the org's password policy and history, and ends the person's
/// other sessions (this one stays).
/// </summary>
public sealed class SettingsPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PasswordHasher hasher, TimeProvider time)
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

        var ct = HttpContext.RequestAborted;
        var snapshot = await db.Users.AsNoTracking().FirstAsync(u => u.Id == Me.User.Id, ct);
        if (CredentialRules.ChangePassword(snapshot.Status, snapshot.PasswordHash is not null) is { } refusal)
        {
            return Refuse(refusal.Causes.Count > 0 ? refusal.Causes[0] : refusal.Summary);
        }

        if (!PasswordHasher.Verify(currentPassword, snapshot.PasswordHash!))
        {
            await write.RunAsync(Me.OrgId, () =>
            {
                log.Stage(EventTypes.UserUpdatePassword, [UserResources.Target(snapshot)],
                    new LogOutcome(LogOutcomeResult.Failure, "INVALID_CREDENTIALS"), actor: Me.Actor);
                return Task.CompletedTask;
            }, ct);
            return Refuse("Your current password is not correct.");
        }

        (string Hash, string? History) Plan(UserEntity user) => UserWrites.PlanPassword(newPassword, user.Login, user.FirstName, user.LastName,
            user.PasswordHash, user.PasswordHistory, hasher, ApiErrors.CredentialsUpdateFailed);

        try
        {
            var planned = Plan(snapshot);
            await write.RunAsync(Me.OrgId, async () =>
            {
                var user = await db.Users.FirstAsync(u => u.Id == snapshot.Id, ct);
                var password = user.Version == snapshot.Version ? planned : Plan(user);
                var now = IsoTime.Truncate(time.GetUtcNow());
                (user.PasswordHash, user.PasswordHistory, user.PasswordChanged, user.LastUpdated) = (password.Hash, password.History, now, now);
                user.Version++;
                log.Stage(EventTypes.UserUpdatePassword, [UserResources.Target(user)], actor: Me.Actor);
                var others = await db.Sessions.Where(s => s.UserId == user.Id && s.Id != Me.Session.Id).ExecuteDeleteAsync(ct);
                if (others > 0)
                {
                    SignInEvents.SessionsCleared(log, user, others);
                }
            }, ct);
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
