using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.NetworkZones;

/// <summary>
/// The zones every org of the real service has: <c>LegacyIpZone</c> (IP, POLICY) and <c>BlockedIpZone</c> (IP,
/// BLOCKLIST), both system zones, ACTIVE, with no addresses (<c>gateways</c> and <c>proxies</c> null). Admins may rename
/// them and give them addresses; they cannot be deleted. A new org gets them when created; an org made by an earlier
/// version gets them at the next start.
/// </summary>
public static class SystemZones
{
    public const string LegacyIpZone = "LegacyIpZone";
    public const string BlockedIpZone = "BlockedIpZone";

    private static readonly (string Name, string Usage)[] Definitions =
        [(LegacyIpZone, ZoneUsages.Policy), (BlockedIpZone, ZoneUsages.Blocklist)];

    public static async Task<bool> AnyMissingAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        await db.NetworkZones.CountAsync(z => z.OrgId == orgId && z.System, ct) < Definitions.Length;

    /// <summary>Adds the system zones <paramref name="orgId"/> lacks (matched by usage, since admins may rename them).</summary>
    public static async Task EnsureAsync(LatchkeyDbContext db, string orgId, DateTimeOffset now, CancellationToken ct)
    {
        var present = await db.NetworkZones.Where(z => z.OrgId == orgId && z.System).Select(z => z.Usage).ToListAsync(ct);
        foreach (var (name, usage) in Definitions.Where(d => !present.Contains(d.Usage)))
        {
            db.NetworkZones.Add(new NetworkZoneEntity
            {
                Id = RandomIds.NewId(IdPrefix.NetworkZone, now), OrgId = orgId, Type = ZoneTypes.Ip, Name = name, Status = ZoneStatuses.Active,
                Usage = usage, System = true, DetailsJson = """{"gateways":null,"proxies":null}""", Created = now, LastUpdated = now,
            });
        }
    }
}
