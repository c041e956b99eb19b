using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Devices;

/// <summary>
/// A device's lifecycle (okta-api.md §7.1), one set of rules for the API and the console:
/// <list type="bullet">
/// <item><c>activate</c>: DEACTIVATED to ACTIVE (a suspended device is unsuspended instead);</item>
/// <item><c>suspend</c>: ACTIVE to SUSPENDED; temporary and not destructive, but the device's factors are refused while it lasts;</item>
/// <item><c>unsuspend</c>: only SUSPENDED, back to ACTIVE;</item>
/// <item><c>deactivate</c>: ACTIVE or SUSPENDED to DEACTIVATED, destroying the device's user links, its enrollments, their
/// factors and the pushes still waiting on them, in the same write;</item>
/// <item><c>delete</c>: only a DEACTIVATED device, removed for good.</item>
/// </list>
/// Asking for the status a device already has (activate an active one, suspend a suspended one, deactivate a
/// deactivated one) changes nothing and logs nothing: the spec calls the lifecycle operations idempotent.
/// Any other transition is 400 <c>E0000001</c> saying what the device's status allows.
/// </summary>
public static class DeviceLifecycle
{
    public const string Activate = "activate";
    public const string Suspend = "suspend";
    public const string Unsuspend = "unsuspend";
    public const string Deactivate = "deactivate";

    /// <summary>The lifecycle operations a device in <paramref name="status"/> offers (its <c>_links</c>, the console's buttons).</summary>
    public static IReadOnlyList<string> Allowed(string status) => status switch
    {
        DeviceStatus.Active => [Suspend, Deactivate],
        DeviceStatus.Suspended => [Unsuspend, Deactivate],
        DeviceStatus.Deactivated => [Activate],
        _ => [Activate, Deactivate],
    };

    /// <summary>The status <paramref name="operation"/> leads to, or null for an operation Latchkey does not know.</summary>
    private static string? Target(string operation) => operation switch
    {
        Activate or Unsuspend => DeviceStatus.Active,
        Suspend => DeviceStatus.Suspended,
        Deactivate => DeviceStatus.Deactivated,
        _ => null,
    };

    /// <summary>
    /// True when a factor of the authenticator-app enrollment <paramref name="enrollmentId"/> may be used: the enrollment
    /// still exists and its device is ACTIVE. A suspended device's factors are refused until it is unsuspended.
    /// </summary>
    public static Task<bool> EnrollmentUsableAsync(LatchkeyDbContext db, string orgId, string enrollmentId, CancellationToken ct) =>
        db.DeviceEnrollments.AsNoTracking()
            .Where(e => e.Id == enrollmentId && e.OrgId == orgId)
            .Join(db.Devices, e => e.DeviceId, d => d.Id, (e, d) => d.Status)
            .AnyAsync(status => status == DeviceStatus.Active, ct);

    public static async Task<DeviceEntity> FindAsync(LatchkeyDbContext db, string orgId, string deviceId, bool track, CancellationToken ct) =>
        await (track ? db.Devices : db.Devices.AsNoTracking()).FirstOrDefaultAsync(d => d.OrgId == orgId && d.Id == deviceId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(deviceId, "Device"));

    /// <summary>Runs a lifecycle operation on a device of the caller's org (the API's <c>POST .../lifecycle/{operation}</c> and the console).</summary>
    public static async Task<DeviceEntity> ChangeAsync(ApiCaller caller, string deviceId, string operation, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        var target = Target(operation) ?? throw new ApiException(ApiErrors.Validation("operation",
            $"'{operation}' is not a device lifecycle operation; use {Activate}, {Suspend}, {Unsuspend} or {Deactivate}."));
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var device = await FindAsync(db, caller.OrgId, deviceId, track: true, ct);
            var idempotent = device.Status == target && operation != Unsuspend;
            if (idempotent)
            {
                return device;
            }

            if (!Allowed(device.Status).Contains(operation))
            {
                throw new ApiException(ApiErrors.Precondition("status", Refusal(operation, device.Status)));
            }

            if (operation == Deactivate)
            {
                await RevokeAsync(db, log, device, ct);
            }

            (device.Status, device.LastUpdated) = (target, IsoTime.Truncate(time.GetUtcNow()));
            log.Stage(operation switch
            {
                Activate => EventTypes.DeviceActivate,
                Suspend => EventTypes.DeviceSuspend,
                Unsuspend => EventTypes.DeviceUnsuspend,
                _ => EventTypes.DeviceDeactivate,
            }, [DeviceResources.Target(device)]);
            return device;
        }, ct);
    }

    /// <summary>Deletes a DEACTIVATED device of the caller's org for good (the API's <c>DELETE /devices/{id}</c> and the console).</summary>
    public static async Task<DeviceEntity> DeleteAsync(ApiCaller caller, string deviceId, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var device = await FindAsync(db, caller.OrgId, deviceId, track: true, ct);
            if (device.Status != DeviceStatus.Deactivated)
            {
                throw new ApiException(ApiErrors.Precondition("status",
                    $"The device is {device.Status}: only a DEACTIVATED device can be deleted. Deactivate it first."));
            }

            // Deactivation removed the links and enrollments; anything left (none is expected) goes with the device.
            await RevokeAsync(db, log, device, ct);
            db.Devices.Remove(device);
            log.Stage(EventTypes.DeviceDelete, [DeviceResources.Target(device)]);
            return device;
        }, ct);

    private static string Refusal(string operation, string status) => (operation, status) switch
    {
        (Unsuspend, _) => $"The device is {status}: only a SUSPENDED device can be unsuspended.",
        (Suspend, _) => $"The device is {status}: only an ACTIVE device can be suspended.",
        (Activate, DeviceStatus.Suspended) => "The device is SUSPENDED: unsuspend it to make it ACTIVE again.",
        _ => $"The device is {status}: it cannot be {operation}d from that status.",
    };

    /// <summary>
    /// Removes one person from a device (the dashboard's "Your devices"): their link to it (<c>device.user.remove</c>), their
    /// authenticator-app enrollment there, its factors and the pushes still waiting on it. The device and its other people
    /// stay. 404 when the person is not on the device.
    /// </summary>
    public static async Task<DeviceEntity> RemoveUserAsync(ApiCaller caller, string deviceId, string userId, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var device = await FindAsync(db, caller.OrgId, deviceId, track: false, ct);
            if (!await db.DeviceUsers.AnyAsync(l => l.OrgId == caller.OrgId && l.DeviceId == device.Id && l.UserId == userId, ct))
            {
                throw new ApiException(ApiErrors.NotFound(deviceId, "Device"));
            }

            await RevokeAsync(db, log, device, ct, userId);
            return device;
        }, ct);

    /// <summary>
    /// Removes the device's user links (<c>device.user.remove</c> each), its enrollments, the factors enrolled through
    /// them (<c>user.mfa.factor.deactivate</c> each) and the pushes still waiting on those enrollments: of every person on
    /// the device, or only of <paramref name="userId"/>.
    /// </summary>
    private static async Task RevokeAsync(LatchkeyDbContext db, SystemLogWriter log, DeviceEntity device, CancellationToken ct, string? userId = null)
    {
        var links = await db.DeviceUsers.Where(l => l.OrgId == device.OrgId && l.DeviceId == device.Id && (userId == null || l.UserId == userId)).ToListAsync(ct);
        var enrollments = await db.DeviceEnrollments.Where(e => e.OrgId == device.OrgId && e.DeviceId == device.Id && (userId == null || e.UserId == userId))
            .ToListAsync(ct);
        var enrollmentIds = enrollments.Select(e => e.Id).ToList();
        var factors = await db.UserFactors.Where(f => f.OrgId == device.OrgId && f.EnrollmentId != null && enrollmentIds.Contains(f.EnrollmentId))
            .ToListAsync(ct);
        var waiting = await db.PushChallenges.Where(p => p.OrgId == device.OrgId && enrollmentIds.Contains(p.EnrollmentId) && p.Status == AuthenticatorApp.PushStatus.Waiting)
            .ToListAsync(ct);
        var userIds = links.Select(l => l.UserId).Concat(factors.Select(f => f.UserId)).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);

        db.PushChallenges.RemoveRange(waiting);
        db.UserFactors.RemoveRange(factors);
        db.DeviceEnrollments.RemoveRange(enrollments);
        db.DeviceUsers.RemoveRange(links);
        foreach (var factor in factors.OrderBy(f => f.Id, StringComparer.Ordinal))
        {
            log.Stage(EventTypes.FactorDeactivate, [.. UserTarget(users, factor.UserId), FactorResources.Target(factor)]);
        }

        foreach (var link in links.OrderBy(l => l.UserId, StringComparer.Ordinal))
        {
            log.Stage(EventTypes.DeviceUserRemove, [.. UserTarget(users, link.UserId), DeviceResources.Target(device)]);
        }
    }

    private static IEnumerable<LogTarget> UserTarget(Dictionary<string, UserEntity> users, string userId) =>
        users.TryGetValue(userId, out var user) ? [UserResources.Target(user)] : [];
}
