using System.Globalization;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Features.DesktopMfa.Pages;

/// <summary>
/// Directory > Desktop MFA readiness (issue 13 item 6): per computer and person, which offline factors work there and
/// until when (<see cref="DesktopMfaFleet.ReadinessAsync"/>, as <c>GET /api/v1/desktop-mfa/readiness</c>), filtered to
/// those locked out within N days, paged. A help-desk admin (<see cref="AdminPermission.UsersLifecycle"/>) generates a
/// recovery PIN here for a person at a computer (<see cref="DesktopMfaFleet.GenerateRecoveryPinAsync"/>), shown once.
/// It lives here rather than under Security because the help desk reads devices, not security settings.
/// </summary>
public sealed class DesktopMfaReadinessPageModel(LatchkeyDbContext db, DesktopMfaFleet fleet, TimeProvider time) : ConsolePage
{
    public const string Here = "/admin/devices/desktop-mfa-readiness";
    public const int PageSize = 50;
    public const int MaxDays = 3650;

    public override AdminPermission Reads => AdminPermission.DevicesRead;
    public override string Section => ConsoleNavigation.DesktopMfaReadiness;

    /// <summary>"Locked out within N days": only those who could not log in offline N days from now.</summary>
    [BindProperty(SupportsGet = true)] public string? Days { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    /// <summary>The recovery PIN form's fields, kept when it is refused.</summary>
    [BindProperty] public string? Login { get; set; }
    [BindProperty] public string? Computer { get; set; }

    public IReadOnlyList<ReadinessRow> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public bool Filtered { get; private set; }

    /// <summary>The PIN just generated (this response only).</summary>
    public RecoveryPin? Pin { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        Now = time.GetUtcNow();
        int? days = null;
        if (Days is { Length: > 0 } text)
        {
            if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d <= MaxDays)
            {
                days = d;
            }
            else
            {
                Error ??= $"Locked out within: a whole number of days, 0 to {MaxDays}. Showing everyone.";
            }
        }

        Filtered = days is not null;
        var after = After is { Length: > 0 and <= 128 } ? After : null;
        var (rows, next) = await fleet.ReadinessAsync(Me.OrgId, days, after, PageSize, HttpContext.RequestAborted);
        Rows = rows;
        if (next is not null)
        {
            NextHref = $"{Here}?after={Uri.EscapeDataString(next)}" + (days is { } n ? $"&days={n}" : "");
        }
    }

    [Requires(AdminPermission.UsersLifecycle)]
    public async Task<IActionResult> OnPostRecoveryPinAsync()
    {
        try
        {
            if (string.IsNullOrWhiteSpace(Login))
            {
                throw new ApiException(ApiErrors.Validation("login", "The person's username."));
            }

            var user = await UserLookup.GetAsync(db, Caller, Login.Trim(), HttpContext.RequestAborted);
            Pin = await fleet.GenerateRecoveryPinAsync(Me.OrgId, user, Computer?.Trim(), HttpContext.RequestAborted);
            Response.Headers.CacheControl = "no-store";
            Notice = $"Recovery PIN for {user.Login} on {DesktopMfaFleet.Describe(Pin.Computer)}: read it to the person now.";
        }
        catch (ApiException e)
        {
            Refuse(Describe(e.Error));
        }

        await LoadAsync();
        return Page();
    }
}
