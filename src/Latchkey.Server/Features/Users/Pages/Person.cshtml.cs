using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users.Pages;

/// <summary>One lifecycle action the person's current status allows (by <see cref="UserLifecycle"/>'s rules).</summary>
public sealed record LifecycleAction(string Operation, string Label, bool Danger = false);

/// <summary>An app the person may use: assigned directly, or through one of their groups.</summary>
public sealed record PersonApp(AppEntity App, bool Direct);

/// <summary>
/// A person: profile facts, status, groups, apps and admin roles; the lifecycle actions their status allows, run through the
/// same code as <c>POST /api/v1/users/{id}/lifecycle/...</c> (so the same rules and refusals); one-time links and temporary
/// passwords shown once on the answer page, never stored in clear. Admin roles are shown to, and changed by, super admins only.
/// </summary>
public sealed class PersonPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens,
    PasswordHasher hasher, AdminGrants grants, RoleAssignmentWrites roles) : ConsolePage
{
    public const int MaxListed = 100;

    public override AdminPermission Reads => AdminPermission.UsersRead;
    public override string Section => ConsoleNavigation.People;

    public UserEntity Person { get; private set; } = null!;
    public IReadOnlyList<GroupEntity> Groups { get; private set; } = [];
    public IReadOnlyList<PersonApp> Apps { get; private set; } = [];
    public AdminGrant Grant { get; private set; } = AdminGrant.None;
    public IReadOnlyList<string> DirectRoles { get; private set; } = [];
    public IReadOnlyList<LifecycleAction> Actions { get; private set; } = [];
    public IReadOnlyList<UserFactorEntity> Factors { get; private set; } = [];

    /// <summary>A secret shown once, on this answer only: what it is, and its value.</summary>
    public (string Label, string Value)? OneTime { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : NotFound(id);

    [Requires(AdminPermission.UsersLifecycle)]
    public async Task<IActionResult> OnPostLifecycleAsync(string id, [FromForm] string? operation)
    {
        if (operation is null || !UserLifecycleEndpoints.Operations.Contains(operation))
        {
            FlashError = "That is not a lifecycle action.";
            return LocalRedirect(Here(id));
        }

        UserLifecycleEndpoints.LifecycleOutcome outcome;
        try
        {
            // sendEmail=false: Latchkey sends no email, so the admin is given the link or password to pass on.
            outcome = await UserLifecycleEndpoints.ApplyAsync(Caller, id, operation, sendEmail: false, db, write, log, time, tokens, hasher,
                HttpContext.RequestAborted);
        }
        catch (ApiException e)
        {
            FlashError = Describe(e.Error);
            return LocalRedirect(Here(id));
        }

        var orgUrl = ApiUrls.OrgUrl(Request);
        var user = outcome.User;
        OneTime = operation switch
        {
            "activate" or "reactivate" when user.Status == UserStatus.Provisioned =>
                ("Activation link", UserLifecycleEndpoints.ActivationUrl(orgUrl, outcome.ActivationToken!)),
            "reset_password" => ("Password reset link", UserLifecycleEndpoints.ResetUrl(orgUrl, outcome.ResetToken!)),
            "expire_password_with_temp_password" => ("Temporary password", outcome.TempPassword!),
            _ => null,
        };
        var done = $"{Label(operation)}: done. {user.FirstName} {user.LastName} is now {user.Status}.";
        if (OneTime is null)
        {
            Flash = done;
            return LocalRedirect(Here(id));
        }

        Notice = done;
        await LoadAsync(id);
        return Page();
    }

    [Requires(AdminPermission.UsersLifecycle)]
    public Task<IActionResult> OnPostClearSessionsAsync(string id) => ChangeAsync(async () =>
    {
        var count = await SessionsApi.ClearUserSessionsAsync(Caller, id, db, write, log, HttpContext.RequestAborted, forgetDevicesAt: time);
        return count == 1 ? "1 session was ended." : $"{count} sessions were ended.";
    }, Here(id));

    [Requires(AdminPermission.UsersLifecycle)]
    public Task<IActionResult> OnPostResetFactorAsync(string id, [FromForm] string? factorId) => ChangeAsync(async () =>
    {
        var factor = await Features.Factors.FactorsApi.DeleteAsync(Caller, id, factorId ?? "", db, write, log, HttpContext.RequestAborted);
        return $"{Features.Factors.FactorResources.DisplayName(factor)} ({factor.FactorType}) was reset: it must be enrolled again.";
    }, Here(id));

    [Requires(AdminPermission.UsersManage)]
    public async Task<IActionResult> OnPostDeleteAsync(string id)
    {
        var user = await UserLookup.FindAsync(db, Caller, id, HttpContext.RequestAborted);
        if (user is null)
        {
            return NotFound(id);
        }

        if (user.Status != UserStatus.Deprovisioned)
        {
            FlashError = "Only a deactivated person can be deleted. Deactivate them first.";
            return LocalRedirect(Here(id));
        }

        return await ChangeAsync(async () =>
        {
            await UserWrites.DeleteAsync(Caller, user.Id, db, write, log, time, tokens, HttpContext.RequestAborted);
            return $"{user.FirstName} {user.LastName} ({user.Login}) was deleted.";
        }, "/admin/people?status=" + UserStatus.Deprovisioned);
    }

    [Requires(AdminPermission.RolesManage)]
    public Task<IActionResult> OnPostGrantRoleAsync(string id, [FromForm] string? role) => ChangeAsync(async () =>
    {
        var user = await UserLookup.GetAsync(db, Caller, id, HttpContext.RequestAborted);
        await roles.GrantAsync(Caller, user.Id, role, HttpContext.RequestAborted);
        return $"{AdminRole.Label(role!)} was granted to {user.FirstName} {user.LastName}.";
    }, Here(id));

    [Requires(AdminPermission.RolesManage)]
    public Task<IActionResult> OnPostRevokeRoleAsync(string id, [FromForm] string? role) => ChangeAsync(async () =>
    {
        var user = await UserLookup.GetAsync(db, Caller, id, HttpContext.RequestAborted);
        await roles.RevokeAsync(Caller, user.Id, role, HttpContext.RequestAborted);
        return $"{AdminRole.Label(role ?? "")} was revoked from {user.FirstName} {user.LastName}.";
    }, Here(id));

    public static string Label(string operation) => operation switch
    {
        "activate" => "Activate",
        "reactivate" => "Resend activation",
        "deactivate" => "Deactivate",
        "suspend" => "Suspend",
        "unsuspend" => "Unsuspend",
        "unlock" => "Unlock",
        "reset_password" => "Reset password",
        "expire_password" => "Expire password",
        "expire_password_with_temp_password" => "Set a temporary password",
        "reset_factors" => "Reset all factors",
        _ => operation,
    };

    private static string Here(string id) => "/admin/people/" + Uri.EscapeDataString(id);

    private IActionResult NotFound(string id) => NotFoundPage("Person", "/admin/people", "Back to People");

    private async Task<bool> LoadAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        if (await UserLookup.FindAsync(db, Caller, id, ct) is not { } user)
        {
            return false;
        }

        Person = user;
        Groups = await db.GroupMembers.Where(m => m.UserId == user.Id).Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => g)
            .OrderBy(g => g.NameKey).Take(MaxListed).AsNoTracking().ToListAsync(ct);
        var direct = await db.AppUsers.Where(a => a.UserId == user.Id).Select(a => a.AppId).ToListAsync(ct);
        var apps = await db.Apps.AsNoTracking().Where(a => AppAssignments.AssignedAppIds(db, user.Id).Contains(a.Id))
            .OrderBy(a => a.LabelKey).Take(MaxListed).ToListAsync(ct);
        Apps = apps.Select(a => new PersonApp(a, direct.Contains(a.Id))).ToList();
        if (Can(AdminPermission.RolesManage))
        {
            Grant = await grants.ForUserAsync(Me.OrgId, user.Id, ct);
            DirectRoles = (await roles.DirectAsync(Me.OrgId, user.Id, ct)).Select(r => r.Type).ToList();
        }

        Actions = AvailableActions(user);
        Factors = await db.UserFactors.AsNoTracking().Where(f => f.OrgId == user.OrgId && f.UserId == user.Id).OrderBy(f => f.Id).ToListAsync(ct);
        return true;
    }

    /// <summary>The actions <see cref="UserLifecycle"/> allows from the person's status (a refused transition is not offered).</summary>
    private static List<LifecycleAction> AvailableActions(UserEntity user)
    {
        var (status, hasPassword) = (user.Status, user.PasswordHash is not null);
        var candidates = new (string Operation, Transition Rule, bool Danger)[]
        {
            ("activate", UserLifecycle.Activate(status, hasPassword), false),
            ("reactivate", UserLifecycle.Reactivate(status), false),
            ("unlock", UserLifecycle.Unlock(status), false),
            ("unsuspend", UserLifecycle.Unsuspend(status), false),
            ("reset_password", UserLifecycle.ResetPassword(status), false),
            ("expire_password", UserLifecycle.ExpirePassword(status, hasPassword), false),
            ("expire_password_with_temp_password", UserLifecycle.ExpirePasswordWithTemporary(status), false),
            ("suspend", UserLifecycle.Suspend(status), true),
            ("deactivate", UserLifecycle.Deactivate(status), true),
        };
        return candidates.Where(c => c.Rule.Error is null).Select(c => new LifecycleAction(c.Operation, Label(c.Operation), c.Danger)).ToList();
    }
}
