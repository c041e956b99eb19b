using System.Net;
using Latchkey.Core.Network;
using Xunit;

namespace Latchkey.Core.Tests.Network;

public sealed class ZoneMembershipTests
{
    private static ZoneAddress Cidr(string value)
    {
        Assert.True(ZoneAddress.TryParse(ZoneAddressType.Cidr, value, out var address, out var error), error);
        return address!;
    }

    private static IpZone Zone(string id, string[] gateways, string[]? proxies = null) =>
        new(id, gateways.Select(Cidr).ToList(), (proxies ?? []).Select(Cidr).ToList());

    private static readonly IpZone Office = Zone("nzoOffice", ["10.1.0.0/16"], ["192.0.2.10/32"]);
    private static readonly IpZone Lab = Zone("nzoLab", ["10.1.2.0/24"]);
    private static readonly IpZone Home = Zone("nzoHome", ["2001:db8::/32"]);
    private static readonly IpZone[] All = [Office, Lab, Home];

    [Fact]
    public void Every_zone_containing_the_address_is_named()
    {
        Assert.Equal(["nzoOffice", "nzoLab"], ZoneMembership.ZonesContaining(All, IPAddress.Parse("10.1.2.3")));
        Assert.Equal(["nzoOffice"], ZoneMembership.ZonesContaining(All, IPAddress.Parse("10.1.9.9")));
        Assert.Equal(["nzoHome"], ZoneMembership.ZonesContaining(All, IPAddress.Parse("2001:db8::5")));
        Assert.Empty(ZoneMembership.ZonesContaining(All, IPAddress.Parse("203.0.113.1")));
    }

    [Fact]
    public void A_zones_proxies_are_not_members_of_it()
    {
        Assert.Empty(ZoneMembership.ZonesContaining(All, IPAddress.Parse("192.0.2.10")));
    }

    [Fact]
    public void A_forwarded_header_from_an_untrusted_peer_is_ignored()
    {
        var peer = IPAddress.Parse("203.0.113.7");
        Assert.Equal(peer, ZoneMembership.ClientAddress(peer, ["10.1.2.3"], All));
    }

    [Fact]
    public void A_trusted_proxy_forwards_the_client_address()
    {
        var client = ZoneMembership.ClientAddress(IPAddress.Parse("192.0.2.10"), ["10.1.2.3"], All);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), client);
    }

    [Fact]
    public void Only_the_hops_a_trusted_proxy_added_are_believed()
    {
        // The client wrote 10.1.2.3 itself; the proxy appended the address it saw (198.51.100.4).
        var client = ZoneMembership.ClientAddress(IPAddress.Parse("192.0.2.10"), ["10.1.2.3, 198.51.100.4"], All);
        Assert.Equal(IPAddress.Parse("198.51.100.4"), client);
    }

    [Fact]
    public void A_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop()
    {
        var client = ZoneMembership.ClientAddress(IPAddress.Parse("192.0.2.10"), ["10.1.2.3", "192.0.2.10"], All);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), client);
    }

    [Fact]
    public void An_unparsable_hop_stops_at_the_last_address_known()
    {
        var proxy = IPAddress.Parse("192.0.2.10");
        Assert.Equal(proxy, ZoneMembership.ClientAddress(proxy, ["not-an-address"], All));
        Assert.Equal(proxy, ZoneMembership.ClientAddress(proxy, [], All));
    }
}
