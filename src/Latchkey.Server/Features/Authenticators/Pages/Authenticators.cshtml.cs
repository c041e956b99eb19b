using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Authenticators.Pages;

/// <summary>One authenticator as the console lists it, with its methods and their statuses.</summary>
public sealed record AuthenticatorRow(AuthenticatorEntity Authenticator, IReadOnlyList<(string Type, string Status)> Methods);

/// <summary>
/// Security > Authenticators: the org's authenticators and their methods; an admin with
/// <see cref="AdminPermission.SecurityManage"/> activates and deactivates them through the same code as
/// <c>POST /api/v1/authenticators/{id}/lifecycle/...</c> (the same rules, refusals and events).
/// </summary>
public sealed class AuthenticatorsPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.SecurityRead;
    public override string Section => ConsoleNavigation.Authenticators;

    public IReadOnlyList<AuthenticatorRow> Rows { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var all = await db.Authenticators.AsNoTracking().Where(a => a.OrgId == Me.OrgId).ToListAsync(HttpContext.RequestAborted);
        Rows = all.OrderBy(a => a.Created).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => new AuthenticatorRow(a, AuthenticatorsApi.StoredMethods(a)
                .Select(m => ((string?)m!["type"] ?? "", (string?)m["status"] ?? "")).ToList()))
            .ToList();
    }

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostActivateAsync([FromForm] string? authenticatorId) => SetAsync(authenticatorId, DefaultAuthenticators.Active);

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostDeactivateAsync([FromForm] string? authenticatorId) => SetAsync(authenticatorId, DefaultAuthenticators.Inactive);

    private Task<IActionResult> SetAsync(string? authenticatorId, string status) => ChangeAsync(async () =>
    {
        var a = await AuthenticatorsApi.ChangeStatusAsync(Caller, authenticatorId ?? "", status, db, write, log, time, HttpContext.RequestAborted);
        return status == DefaultAuthenticators.Active
            ? $"{a.Name} is active: people can enroll it."
            : $"{a.Name} is inactive: it is no longer offered for enrollment.";
    }, "/admin/security/authenticators");
}
