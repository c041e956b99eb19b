using System.Net;

namespace Latchkey.Core.Network;

/// <summary>
/// Which of an org's active IP zones a request comes from. The client address is the connection's own address,
/// unless that peer is a trusted proxy (in some active zone's <c>proxies</c>): then <c>X-Forwarded-For</c> is read
/// from its right end, skipping each hop that is itself a trusted proxy, and the first other address is the client.
/// A forwarded header from any other peer is ignored, so a client cannot choose its own address.
/// Dynamic zones (locations, ASNs, proxy types) are not here: Latchkey has no geo-IP data to evaluate them.
/// </summary>
public static class ZoneMembership
{
    /// <summary>
    /// Why a condition on a DYNAMIC or DYNAMIC_V2 zone is UNDEFINED here: the reason a policy trace should give.
    /// </summary>
    public const string DynamicZonesNotEvaluated =
        "Latchkey has no geo-IP, ASN or anonymiser data, so it cannot evaluate DYNAMIC or DYNAMIC_V2 zones; a condition on one is undefined.";

    /// <summary>The ids of the zones in <paramref name="activeZones"/> whose gateways contain <paramref name="client"/>.</summary>
    public static IReadOnlyList<string> ZonesContaining(IEnumerable<IpZone> activeZones, IPAddress client)
    {
        List<string>? ids = null;
        foreach (var zone in activeZones)
        {
            if (zone.Contains(client))
            {
                (ids ??= []).Add(zone.Id);
            }
        }

        return ids ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// The client's address: <paramref name="peer"/> (the connection's address) unless it is a trusted proxy of an
    /// active zone, in which case the nearest untrusted hop of <paramref name="forwardedFor"/> (the
    /// <c>X-Forwarded-For</c> values, comma-separated, oldest first). An unparsable hop ends the walk at the last
    /// trusted address, as does a header made only of trusted proxies.
    /// </summary>
    public static IPAddress ClientAddress(IPAddress peer, IEnumerable<string> forwardedFor, IReadOnlyCollection<IpZone> activeZones)
    {
        if (!IsTrustedProxy(activeZones, peer))
        {
            return peer;
        }

        var hops = forwardedFor.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var client = peer;
        for (var i = hops.Count - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                break;
            }

            client = hop;
            if (!IsTrustedProxy(activeZones, hop))
            {
                break;
            }
        }

        return client;
    }

    private static bool IsTrustedProxy(IReadOnlyCollection<IpZone> zones, IPAddress address)
    {
        foreach (var zone in zones)
        {
            if (zone.IsProxy(address))
            {
                return true;
            }
        }

        return false;
    }
}
