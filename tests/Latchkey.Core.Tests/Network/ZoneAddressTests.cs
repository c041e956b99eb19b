using System.Net;
using Latchkey.Core.Network;
using Xunit;

namespace Latchkey.Core.Tests.Network;

public sealed class ZoneAddressTests
{
    private static ZoneAddress Parse(string type, string value)
    {
        Assert.True(ZoneAddress.TryParse(type, value, out var address, out var error), error);
        return address!;
    }

    private static string Refuse(string type, string value)
    {
        Assert.False(ZoneAddress.TryParse(type, value, out _, out var error));
        return error;
    }

    [Theory]
    [InlineData("10.1.2.0/24", "10.1.2.0", true)]
    [InlineData("10.1.2.0/24", "10.1.2.255", true)]
    [InlineData("10.1.2.0/24", "10.1.3.0", false)]
    [InlineData("10.1.2.0/24", "10.1.1.255", false)]
    [InlineData("127.0.0.1/32", "127.0.0.1", true)]
    [InlineData("127.0.0.1/32", "127.0.0.2", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::1/128", "::1", true)]
    public void A_cidr_block_contains_exactly_its_addresses(string cidr, string address, bool contained) =>
        Assert.Equal(contained, Parse(ZoneAddressType.Cidr, cidr).Contains(IPAddress.Parse(address)));

    [Fact]
    public void A_cidr_block_with_host_bits_set_means_its_network_and_echoes_as_written()
    {
        var block = Parse(ZoneAddressType.Cidr, "1.2.3.4/24");
        Assert.True(block.Contains(IPAddress.Parse("1.2.3.200")));
        Assert.False(block.Contains(IPAddress.Parse("1.2.4.1")));
        Assert.Equal("1.2.3.4/24", block.Value);
    }

    [Theory]
    [InlineData("1.2.3.4-1.2.3.40", "1.2.3.4", true)]
    [InlineData("1.2.3.4-1.2.3.40", "1.2.3.40", true)]
    [InlineData("1.2.3.4-1.2.3.40", "1.2.3.41", false)]
    [InlineData("1.2.3.4-1.2.3.40", "1.2.3.3", false)]
    [InlineData("1.2.255.250-1.3.0.5", "1.3.0.1", true)]
    [InlineData("9.9.9.9", "9.9.9.9", true)]
    [InlineData("9.9.9.9", "9.9.9.10", false)]
    [InlineData("2001:db8::1-2001:db8::ff", "2001:db8::80", true)]
    [InlineData("2001:db8::1-2001:db8::ff", "2001:db8::100", false)]
    public void A_range_contains_its_ends_and_everything_between(string range, string address, bool contained) =>
        Assert.Equal(contained, Parse(ZoneAddressType.Range, range).Contains(IPAddress.Parse(address)));

    [Fact]
    public void An_ipv4_mapped_ipv6_address_is_treated_as_its_ipv4_address()
    {
        var mapped = IPAddress.Parse("::ffff:10.1.2.3");
        Assert.True(Parse(ZoneAddressType.Cidr, "10.1.2.0/24").Contains(mapped));
        Assert.True(Parse(ZoneAddressType.Range, "10.1.2.1-10.1.2.9").Contains(mapped));
        Assert.True(Parse(ZoneAddressType.Cidr, "::ffff:10.1.2.0/24").Contains(IPAddress.Parse("10.1.2.200")));
    }

    [Fact]
    public void An_ipv4_entry_never_contains_an_ipv6_address_nor_the_reverse()
    {
        Assert.False(Parse(ZoneAddressType.Cidr, "0.0.0.0/0").Contains(IPAddress.Parse("2001:db8::1")));
        Assert.False(Parse(ZoneAddressType.Cidr, "::/0").Contains(IPAddress.Parse("10.0.0.1")));
        Assert.False(Parse(ZoneAddressType.Range, "0.0.0.0-255.255.255.255").Contains(IPAddress.Parse("::1")));
    }

    [Theory]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.3/24")]
    [InlineData("0x01020304/24")]
    [InlineData("1.2.3.256/24")]
    [InlineData("fe80::1%eth0/64")]
    [InlineData("1.2.3.4/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("1.2.3.4/-1")]
    [InlineData("nonsense")]
    [InlineData("")]
    public void A_malformed_cidr_is_refused_with_a_reason(string value) =>
        Assert.NotEmpty(Refuse(ZoneAddressType.Cidr, value));

    [Fact]
    public void A_range_that_runs_backwards_is_refused()
    {
        Assert.Contains("lower address first", Refuse(ZoneAddressType.Range, "1.2.3.40-1.2.3.4"), StringComparison.Ordinal);
        Assert.Contains("lower address first", Refuse(ZoneAddressType.Range, "2001:db8::ff-2001:db8::1"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.2.3.4-2001:db8::1")]
    [InlineData("1.2.3.4-")]
    [InlineData("1.2.3.4-1.2.3.x")]
    [InlineData("1.2.3-1.2.4")]
    public void A_malformed_range_is_refused(string value) => Assert.NotEmpty(Refuse(ZoneAddressType.Range, value));

    [Fact]
    public void An_unknown_address_type_is_refused()
    {
        Assert.Contains("CIDR or RANGE", Refuse("SUBNET", "1.2.3.0/24"), StringComparison.Ordinal);
        Assert.NotEmpty(Refuse(null!, "1.2.3.0/24"));
    }
}
