using System.Net;

namespace Latchkey.Core.Network;

/// <summary>
/// An IP network zone as the engine sees it: its id, its gateway entries (the addresses the zone is made of) and its
/// proxy entries (addresses trusted to forward a client's address in <c>X-Forwarded-For</c>; they are not members of
/// the zone themselves). Built from stored entries, so it holds no unparsed text.
/// </summary>
public sealed class IpZone(string id, IReadOnlyList<ZoneAddress> gateways, IReadOnlyList<ZoneAddress> proxies, bool blocklist = false)
{
    public string Id { get; } = id;

    public IReadOnlyList<ZoneAddress> Gateways { get; } = gateways;

    public IReadOnlyList<ZoneAddress> Proxies { get; } = proxies;

    /// <summary>A zone of usage BLOCKLIST: its members are refused sign-in rather than matched by policies.</summary>
    public bool Blocklist { get; } = blocklist;

    /// <summary>True when <paramref name="address"/> is one of the zone's gateway addresses.</summary>
    public bool Contains(IPAddress address)
    {
        foreach (var gateway in Gateways)
        {
            if (gateway.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="address"/> is one of the zone's trusted proxies.</summary>
    public bool IsProxy(IPAddress address)
    {
        foreach (var proxy in Proxies)
        {
            if (proxy.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
