using System.Collections.Concurrent;
using Latchkey.Core.Network;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.NetworkZones;

/// <summary>
/// An org's active zones, parsed once: the IP zones (for membership and trusted proxies), the blocklists among them,
/// the ids of the active dynamic zones (a condition on one is UNDEFINED: <see cref="ZoneMembership.DynamicZonesNotEvaluated"/>)
/// and every active zone's name by id.
/// </summary>
public sealed record ZoneSnapshot(IReadOnlyList<IpZone> Active, IReadOnlyList<IpZone> Blocklists, IReadOnlySet<string> Dynamic,
    IReadOnlyDictionary<string, string> Names);

/// <summary>
/// The zones of each org, kept in memory: the sign-in pipeline asks on every request, so reading them must cost no
/// query while nothing changed. A zone write on this node forgets its org's snapshot at once (<see cref="Forget"/>);
/// a write on another node sharing the database is seen when the snapshot is older than <see cref="MaxAge"/>.
/// </summary>
public sealed class ZoneSnapshots(IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>How long another node's zone change may go unseen here.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (ZoneSnapshot Snapshot, DateTimeOffset Read)> _byOrg = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);
    private long _loads;

    /// <summary>How many times snapshots were read from the database (tests use it to see the cache work).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    public async ValueTask<ZoneSnapshot> GetAsync(string orgId, CancellationToken ct)
    {
        if (_byOrg.TryGetValue(orgId, out var held) && time.GetUtcNow() - held.Read < MaxAge)
        {
            return held.Snapshot;
        }

        // A write that lands while this load runs bumps the version, and the load's (possibly stale) result is not kept.
        var version = _versions.GetValueOrDefault(orgId);
        var snapshot = await LoadAsync(orgId, ct);
        if (_versions.GetValueOrDefault(orgId) == version)
        {
            _byOrg[orgId] = (snapshot, time.GetUtcNow());
        }

        return snapshot;
    }

    /// <summary>Called after every committed zone write of <paramref name="orgId"/>.</summary>
    /// <summary>The ids of the org's active zones that hold the client's address (<paramref name="peer"/>, or the forwarded address a trusted proxy zone passes on).</summary>
    public async Task<IReadOnlySet<string>> ZonesOfClientAsync(string orgId, System.Net.IPAddress peer, IEnumerable<string> forwardedFor, CancellationToken ct)
    {
        var snapshot = await GetAsync(orgId, ct);
        var client = Core.Network.ZoneMembership.ClientAddress(peer, forwardedFor, snapshot.Active);
        return Core.Network.ZoneMembership.ZonesContaining(snapshot.Active, client).ToHashSet(StringComparer.Ordinal);
    }

    public void Forget(string orgId)
    {
        _versions.AddOrUpdate(orgId, 1, (_, v) => v + 1);
        _byOrg.TryRemove(orgId, out _);
    }

    private async Task<ZoneSnapshot> LoadAsync(string orgId, CancellationToken ct)
    {
        Interlocked.Increment(ref _loads);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var zones = await db.NetworkZones.AsNoTracking()
            .Where(z => z.OrgId == orgId && z.Status == ZoneStatuses.Active).ToListAsync(ct);
        var active = zones.Select(NetworkZoneResources.ToIpZone).OfType<IpZone>().ToList();
        return new ZoneSnapshot(active, active.Where(z => z.Blocklist && z.Gateways.Count > 0).ToList(),
            zones.Where(z => z.Type != ZoneTypes.Ip).Select(z => z.Id).ToHashSet(StringComparer.Ordinal),
            zones.ToDictionary(z => z.Id, z => z.Name, StringComparer.Ordinal));
    }
}
