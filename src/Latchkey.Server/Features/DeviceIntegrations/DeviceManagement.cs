using System.Globalization;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>
/// Registered vs Managed (SCENARIOS.md B): a device-user link becomes MANAGED only when a FastPass sign-in from the
/// device presents a management proof a device integration accepts (<see cref="RecordManagementResultAsync"/>), never by
/// enrollment alone; and while it is not, <see cref="WhyNotManaged"/> says why, in words an admin understands.
/// </summary>
public static class DeviceManagement
{
    public const string Managed = "MANAGED";
    public const string NotManaged = "NOT_MANAGED";

    /// <summary>A date as the why-not texts show it: <c>2026-03-04 10:15 UTC</c>.</summary>
    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Records the outcome of the management probe of a FastPass sign-in by <paramref name="userId"/> from
    /// <paramref name="deviceId"/> (call it inside the sign-in's <see cref="OrgWrite"/>; it stages, the write saves). Accepted:
    /// the link becomes MANAGED and <c>pki.cert.bind</c> SUCCESS is logged (the caller logs <c>user.authentication.auth_via_mfa</c>).
    /// Refused: the refusal is kept for <see cref="WhyNotManaged"/>, the link is NOT_MANAGED, <c>pki.cert.bind</c> FAILURE carries
    /// the reason. Returns the link, or null when the user is not on the device.
    /// </summary>
    public static async Task<DeviceUserEntity?> RecordManagementResultAsync(LatchkeyDbContext db, SystemLogWriter log, string orgId, string deviceId,
        string userId, ManagementProofResult result, DateTimeOffset now, CancellationToken ct)
    {
        var link = await db.DeviceUsers.FirstOrDefaultAsync(l => l.OrgId == orgId && l.DeviceId == deviceId && l.UserId == userId, ct);
        if (link is null)
        {
            return null;
        }

        link.LastFastPassAt = now;
        link.ManagementCheckedAt = now;
        if (result.Succeeded)
        {
            link.ManagedSince = link.ManagementStatus == Managed ? link.ManagedSince ?? now : now;
            (link.ManagementStatus, link.ManagedByIntegrationId, link.ManagementRefusalKind, link.ManagementRefusal) = (Managed, result.IntegrationId, null, null);
        }
        else
        {
            Unmanage(link, result.Failure, result.Reason, now);
        }

        var device = await db.Devices.AsNoTracking().FirstAsync(d => d.Id == deviceId, ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, ct);
        var targets = new List<LogTarget> { UserResources.Target(user), DeviceResources.Target(device) };
        if (result.CertificateId is not null)
        {
            targets.Add(new LogTarget(result.CertificateId, DeviceIntegrationResources.CertificateType, result.SerialNumber, null));
        }

        log.Stage(EventTypes.DeviceCertificateBind, targets,
            result.Succeeded ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, result.Reason),
            debugData: new Dictionary<string, object?>
            {
                ["managementStatus"] = link.ManagementStatus, ["integrationId"] = result.IntegrationId, ["serialNumber"] = result.SerialNumber,
                ["refusal"] = result.Succeeded ? null : result.Failure.ToString(),
            });
        return link;
    }

    /// <summary>A FastPass sign-in from the device while the org has no active integration to probe: only its time is kept (for the why-not text).</summary>
    public static async Task RecordFastPassAsync(LatchkeyDbContext db, string orgId, string deviceId, string userId, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.DeviceUsers.FirstOrDefaultAsync(l => l.OrgId == orgId && l.DeviceId == deviceId && l.UserId == userId, ct) is { } link)
        {
            link.LastFastPassAt = now;
        }
    }

    /// <summary>Makes a link NOT_MANAGED, keeping the refusal (its kind and words) and when it happened.</summary>
    public static void Unmanage(DeviceUserEntity link, ManagementProofFailure failure, string reason, DateTimeOffset now)
    {
        (link.ManagementStatus, link.ManagedSince, link.ManagedByIntegrationId) = (NotManaged, null, null);
        (link.ManagementRefusalKind, link.ManagementRefusal, link.ManagementCheckedAt) = (failure.ToString(), reason, now);
    }

    /// <summary>The org's device integrations, for <see cref="WhyNotManaged"/> over many links.</summary>
    public static Task<List<DeviceIntegrationEntity>> IntegrationsAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        db.DeviceIntegrations.AsNoTracking().Where(i => i.OrgId == orgId).ToListAsync(ct);

    /// <summary>
    /// Why the link of a device on <paramref name="platform"/> is not MANAGED (null when it is), checked in this order:
    /// no ACTIVE integration for the platform; no FastPass sign-in since the (oldest active) integration was created; no
    /// proof at the last FastPass sign-in; the certificate refused, with the reason.
    /// </summary>
    public static string? WhyNotManaged(DeviceUserEntity link, string platform, IEnumerable<DeviceIntegrationEntity> integrations)
    {
        if (link.ManagementStatus == Managed)
        {
            return null;
        }

        var first = integrations.Where(i => i.Platform == platform && i.Status == DeviceIntegrationStatus.Active)
            .OrderBy(i => i.Created).ThenBy(i => i.Id, StringComparer.Ordinal).FirstOrDefault();
        if (first is null)
        {
            return $"no device integration for {platform}";
        }

        if (link.LastFastPassAt is not { } fastPass || fastPass < first.Created)
        {
            return $"no FastPass sign-in since the device integration {first.Name} was created on {Date(first.Created)}";
        }

        return link.ManagementRefusalKind is null or nameof(ManagementProofFailure.NoProof) or nameof(ManagementProofFailure.NoIntegration)
            ? $"no management proof presented at the FastPass sign-in on {Date(fastPass)}"
            : $"certificate refused at {Date(link.ManagementCheckedAt ?? fastPass)}: {link.ManagementRefusal}";
    }
}
