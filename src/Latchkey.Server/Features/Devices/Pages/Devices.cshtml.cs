using Latchkey.Core.Admin;
using Latchkey.Core.Filtering;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Devices.Pages;

/// <summary>One device as the console lists it, with the people on it.</summary>
public sealed record DeviceRow(DeviceEntity Device, IReadOnlyList<DeviceUserRow> Users);

/// <summary>A computer with the Desktop MFA agent, with its device access code enrollments (each a person's, newest first).</summary>
public sealed record DesktopComputerRow(DesktopMfaComputerEntity Computer, IReadOnlyList<(DesktopMfaEnrollmentEntity Enrollment, UserEntity? User)> Enrollments);

/// <summary>
/// Directory > Devices: the devices the authenticator app registered, searched by display name, platform or serial
/// number, with the people on each and their management status. An admin with <see cref="AdminPermission.DevicesManage"/>
/// suspends, unsuspends, deactivates, activates and deletes them through <see cref="DeviceLifecycle"/>, the code behind
/// <c>POST /api/v1/devices/{id}/lifecycle/...</c> and <c>DELETE /api/v1/devices/{id}</c> (the same rules, refusals and events).
/// </summary>
public sealed class DevicesPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public const int PageSize = 50;

    public override AdminPermission Reads => AdminPermission.DevicesRead;
    public override string Section => ConsoleNavigation.Devices;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public IReadOnlyList<DeviceRow> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var q = Q?.Trim() ?? "";
        if (q.Length > 255)
        {
            Error = "A search has at most 255 characters.";
            q = "";
        }

        var after = After is { Length: > 0 and <= 64 } ? After : null;
        var page = await DevicesApi.PageAsync(db, Me.OrgId, q.Length > 0 ? Search(q) : null, after, PageSize, ct);
        if (page.Next is not null)
        {
            NextHref = $"/admin/devices?after={Uri.EscapeDataString(page.Next)}" + (q.Length > 0 ? "&q=" + Uri.EscapeDataString(q) : "");
        }

        var users = await DevicesApi.UsersOfAsync(db, Me.OrgId, page.Devices.Select(d => d.Id).ToList(), ct);
        Rows = page.Devices.Select(d => new DeviceRow(d, users[d.Id].ToList())).ToList();
        await LoadComputersAsync(q, ct);
    }

    /// <summary>The computers with the Desktop MFA agent shown under the devices (the most recently seen first).</summary>
    public const int ComputersShown = 50;

    public IReadOnlyList<DesktopComputerRow> Computers { get; private set; } = [];

    private async Task LoadComputersAsync(string q, CancellationToken ct)
    {
        var query = db.DesktopMfaComputers.AsNoTracking().Where(c => c.OrgId == Me.OrgId);
        if (q.Length > 0)
        {
            query = query.Where(c => c.Name.Contains(q) || (c.SerialNumber != null && c.SerialNumber.Contains(q)) || c.Platform == q);
        }

        var computers = await query.OrderByDescending(c => c.LastSeen).ThenBy(c => c.Id).Take(ComputersShown).ToListAsync(ct);
        var ids = computers.Select(c => c.Id).ToList();
        var enrollments = await db.DesktopMfaEnrollments.AsNoTracking()
            .Where(e => e.OrgId == Me.OrgId && e.ComputerId != null && ids.Contains(e.ComputerId)).ToListAsync(ct);
        var userIds = enrollments.Select(e => e.UserId).Distinct().ToList();
        var people = await db.Users.AsNoTracking().Where(u => u.OrgId == Me.OrgId && userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        Computers = [.. computers.Select(c => new DesktopComputerRow(c, [.. enrollments.Where(e => e.ComputerId == c.Id).OrderByDescending(e => e.Created)
            .Select(e => (e, people.GetValueOrDefault(e.UserId)))]))];
    }

    /// <summary>The search box as the API's <c>search</c>: a display name or serial number containing the text, or the platform.</summary>
    private static FilterNode Search(string q)
    {
        var value = FilterValue.FromString(q);
        return new OrNode(new OrNode(
                new ComparisonNode("profile.displayName", FilterOperator.Co, value),
                new ComparisonNode("profile.platform", FilterOperator.Eq, value)),
            new ComparisonNode("profile.serialNumber", FilterOperator.Co, value));
    }

    [Requires(AdminPermission.DevicesManage)]
    public Task<IActionResult> OnPostLifecycleAsync([FromForm] string? deviceId, [FromForm] string? operation) => ChangeAsync(async () =>
    {
        var d = await DeviceLifecycle.ChangeAsync(Caller, deviceId ?? "", operation ?? "", db, write, log, time, HttpContext.RequestAborted);
        return d.Status switch
        {
            DeviceStatus.Suspended => $"{d.DisplayName} is suspended: its factors are refused until it is unsuspended.",
            DeviceStatus.Deactivated => $"{d.DisplayName} is deactivated: its people, enrollments and factors were removed.",
            _ => $"{d.DisplayName} is active.",
        };
    }, "/admin/devices");

    [Requires(AdminPermission.DevicesManage)]
    public Task<IActionResult> OnPostDeleteAsync([FromForm] string? deviceId) => ChangeAsync(async () =>
    {
        var d = await DeviceLifecycle.DeleteAsync(Caller, deviceId ?? "", db, write, log, HttpContext.RequestAborted);
        return $"{d.DisplayName} was deleted.";
    }, "/admin/devices");
}
