using System.Net;
using Latchkey.Core.Policies;
using Latchkey.Server.Features.NetworkZones;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// The facts a policy evaluation needs about the person and the request (app launch, sign-on, Desktop MFA): their group
/// memberships and the network zones of the client's address, each read only when one of the conditions to evaluate
/// asks for it.
/// </summary>
public sealed class PolicyFacts(LatchkeyDbContext db, ZoneSnapshots zones)
{
    public async Task<PolicyContext> ContextAsync(string orgId, string userId, IEnumerable<IPolicyCondition> conditions, IPAddress? peer,
        IEnumerable<string> forwardedFor, DeviceFacts? device, CancellationToken ct)
    {
        var asked = conditions.ToList();
        IReadOnlySet<string> groups = asked.Any(c => c is PeopleCondition)
            ? (await db.GroupMembers.AsNoTracking().Where(m => m.UserId == userId).Select(m => m.GroupId).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();
        return new PolicyContext(userId, groups, device)
        {
            ZoneIds = asked.Any(c => c is NetworkZoneCondition) && peer is not null ? await zones.ZonesOfClientAsync(orgId, peer, forwardedFor, ct) : null,
        };
    }

    /// <summary>The same for the current request <paramref name="http"/> (its address, and any forwarded one a trusted proxy zone passes on).</summary>
    public Task<PolicyContext> ContextAsync(string orgId, string userId, IEnumerable<IPolicyCondition> conditions, HttpContext? http, CancellationToken ct) =>
        ContextAsync(orgId, userId, conditions, http?.Connection.RemoteIpAddress, http?.Request.Headers["X-Forwarded-For"].OfType<string>() ?? [], null, ct);
}
