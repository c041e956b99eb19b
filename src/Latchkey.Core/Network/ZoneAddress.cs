using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Latchkey.Core.Network;

/// <summary>The two forms a network zone's address entry takes (<c>NetworkZoneAddressType</c>).</summary>
public static class ZoneAddressType
{
    public const string Cidr = "CIDR";
    public const string Range = "RANGE";
}

/// <summary>
/// One entry of an IP zone's <c>gateways</c> or <c>proxies</c>: a CIDR block (<c>1.2.3.0/24</c>, <c>2001:db8::/32</c>)
/// or an inclusive range (<c>1.2.3.4-1.2.3.40</c>; a single address is a range of one). IPv4 and IPv6 both; a CIDR's
/// host bits may be set (<c>1.2.3.4/24</c> means <c>1.2.3.0/24</c>, as the real service accepts it). An IPv4-mapped
/// IPv6 address (<c>::ffff:1.2.3.4</c>) is treated as the IPv4 address it carries, on both sides.
/// </summary>
public sealed class ZoneAddress
{
    private readonly IPNetwork? _network;
    private readonly AddressFamily _family;
    private readonly UInt128 _low;
    private readonly UInt128 _high;

    private ZoneAddress(string value, IPNetwork network)
    {
        Type = ZoneAddressType.Cidr;
        Value = value;
        _network = network;
    }

    private ZoneAddress(string value, AddressFamily family, UInt128 low, UInt128 high)
    {
        Type = ZoneAddressType.Range;
        Value = value;
        _family = family;
        _low = low;
        _high = high;
    }

    /// <summary><see cref="ZoneAddressType.Cidr"/> or <see cref="ZoneAddressType.Range"/>.</summary>
    public string Type { get; }

    /// <summary>The value as the admin wrote it (echoed unchanged by the API).</summary>
    public string Value { get; }

    /// <summary>Parses an entry; on failure <paramref name="error"/> says what is wrong with it, for a person.</summary>
    public static bool TryParse(string? type, string? value, out ZoneAddress? address, out string error)
    {
        address = null;
        value = value?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            error = "The value cannot be left blank";
            return false;
        }

        switch (type)
        {
            case ZoneAddressType.Cidr:
                return TryParseCidr(value, out address, out error);
            case ZoneAddressType.Range:
                return TryParseRange(value, out address, out error);
            default:
                error = $"'{Shorten(type)}' is not an address type; use CIDR or RANGE";
                return false;
        }
    }

    /// <summary>True when <paramref name="address"/> lies in this entry (an IPv4-mapped IPv6 address counts as its IPv4 address).</summary>
    public bool Contains(IPAddress address)
    {
        if (_network is { } network)
        {
            return network.Contains(Normalize(address));
        }

        var (family, number) = Number(address);
        return family == _family && number >= _low && number <= _high;
    }

    public override string ToString() => $"{Type} {Value}";

    private static bool TryParseCidr(string value, out ZoneAddress? address, out string error)
    {
        address = null;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseAddress(value[..slash], out var ip)
            || !int.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            error = $"'{Shorten(value)}' is not a CIDR block (an IPv4 or IPv6 address, a slash and a prefix length, e.g. 1.2.3.0/24)";
            return false;
        }

        ip = Normalize(ip);
        var bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits)
        {
            error = $"'{Shorten(value)}' has a prefix length above {bits}";
            return false;
        }

        // System.Net.IPNetwork refuses host bits; the real service accepts them, so the block is masked here.
        address = new ZoneAddress(value, new IPNetwork(Masked(ip, prefix), prefix));
        error = "";
        return true;
    }

    private static bool TryParseRange(string value, out ZoneAddress? address, out string error)
    {
        address = null;
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        var lowText = dash < 0 ? value : value[..dash].Trim();
        var highText = dash < 0 ? value : value[(dash + 1)..].Trim();
        if (!TryParseAddress(lowText, out var lowIp) || !TryParseAddress(highText, out var highIp))
        {
            error = $"'{Shorten(value)}' is not an address range (two IPv4 or two IPv6 addresses joined by '-', e.g. 1.2.3.4-1.2.3.40)";
            return false;
        }

        var (lowFamily, low) = Number(lowIp);
        var (highFamily, high) = Number(highIp);
        if (lowFamily != highFamily)
        {
            error = $"'{Shorten(value)}' mixes an IPv4 and an IPv6 address";
            return false;
        }

        if (low > high)
        {
            error = $"'{Shorten(value)}' starts above where it ends; put the lower address first";
            return false;
        }

        address = new ZoneAddress(value, lowFamily, low, high);
        error = "";
        return true;
    }

    /// <summary>
    /// An address in its usual written form only: IPv6, or IPv4 as four decimal parts. <see cref="IPAddress.TryParse(string, out IPAddress)"/>
    /// also takes the old shorthand (<c>1.2.3</c> is 1.2.0.3, <c>0x1</c> is 0.0.0.1), which would make a typo a different zone.
    /// </summary>
    private static bool TryParseAddress(string text, out IPAddress ip)
    {
        ip = IPAddress.None;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out ip!) && ip.AddressFamily == AddressFamily.InterNetworkV6 && !text.Contains('%', StringComparison.Ordinal);
        }

        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit))
            && IPAddress.TryParse(text, out ip!);
    }

    private static IPAddress Normalize(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    /// <summary>The address as an unsigned number in its family (IPv4 in the low 32 bits), for range comparisons.</summary>
    private static (AddressFamily Family, UInt128 Number) Number(IPAddress ip)
    {
        ip = Normalize(ip);
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out var written);
        UInt128 number = 0;
        for (var i = 0; i < written; i++)
        {
            number = (number << 8) | bytes[i];
        }

        return (ip.AddressFamily, number);
    }

    private static IPAddress Masked(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 60 ? text : text[..60] + "...";
}
