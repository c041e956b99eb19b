using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Features.NetworkZones;

/// <summary>
/// The fields of the dynamic zone types, checked for shape and echoed as given. Latchkey has no geo-IP, ASN or
/// anonymiser data, so it cannot tell whether a request comes from such a zone: a policy condition on one is
/// UNDEFINED (<see cref="Core.Network.ZoneMembership.DynamicZonesNotEvaluated"/>), and a dynamic BLOCKLIST zone blocks nothing.
/// </summary>
public static class DynamicZoneFields
{
    private const int MaxEntries = 75;

    private static readonly FrozenSet<string> ProxyTypes = new[] { "", "null", "Any", "Tor", "NotTorAnonymizer" }
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The spec's <c>IPServiceCategory</c> values.</summary>
    private static readonly FrozenSet<string> ServiceCategories = new[]
    {
        "ABCPROXY_PROXY", "ALL_ANONYMIZERS", "ALL_ANONYMIZERS_EXCEPT_TOR", "ALL_IP_SERVICES", "ALL_PROXIES_VPNS", "ANONYMIZER_TOR",
        "APPLE_ICLOUD_RELAY_PROXY", "ASTRILL_VPN", "AVAST_VPN", "BIGMAMA_PROXY", "CYBERGHOST_VPN", "DATAIMPULSE_PROXY", "EXPRESS_VPN",
        "FACELESS_PROXY", "FROXY_PROXY", "GEONODE_PROXY", "GLOBALPROTECT_VPN", "GOOGLE_VPN", "IPCOLA_PROXY", "IPIDEA_PROXY",
        "IPROXYSHOP_PROXY", "LUMINATI_PROXY", "MULLVAD_VPN", "NETNUT_PROXY", "NEXUS_PROXY", "NORD_VPN", "OCULUS_PROXY", "OXYLABS_PROXY",
        "PIA_VPN", "PROXYRACK_PROXY", "SAMSUNG_VPN", "SPACEPROXIES_PROXY", "SURFSHARK_VPN", "SYMANTEC_VPN", "TRENDMICRO_VPN",
        "ULTRASURF_VPN", "WARP_VPN", "YILU_PROXY",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>DYNAMIC: <c>locations</c> (array), <c>asns</c> (array of digit strings), <c>proxyType</c>; at least one set.</summary>
    public static JsonObject ReadDynamic(JsonObject body, List<(string, string)> failures)
    {
        var locations = Locations(body["locations"], "locations", failures);
        var asns = Asns(body["asns"], "asns", failures);
        var proxyType = body["proxyType"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) && ProxyTypes.Contains(s) => s,
            var other => Fail<string>(failures, "proxyType", $"{other.ToJsonString()} is not a proxy type; use Any, Tor, NotTorAnonymizer or null"),
        };
        if (locations is null or [] && asns is null or [] && proxyType is null or "" or "null")
        {
            failures.Add(("locations", "A DYNAMIC zone needs at least one of asns, locations or proxyType"));
        }

        return new JsonObject { ["locations"] = locations, ["proxyType"] = proxyType, ["asns"] = asns };
    }

    /// <summary>DYNAMIC_V2: <c>locations</c>, <c>asns</c>, <c>ipServiceCategories</c>, each <c>{include, exclude}</c>; at least one entry.</summary>
    public static JsonObject ReadEnhanced(JsonObject body, List<(string, string)> failures)
    {
        var locations = IncludeExclude(body, "locations", (n, f) => Locations(n, f, failures), failures);
        var asns = IncludeExclude(body, "asns", (n, f) => Asns(n, f, failures), failures);
        var categories = IncludeExclude(body, "ipServiceCategories", (n, f) => Categories(n, f, failures), failures);
        if (new[] { locations, asns, categories }.All(o => o is null || o.All(kv => kv.Value is null or JsonArray { Count: 0 })))
        {
            failures.Add(("locations", "A DYNAMIC_V2 zone needs at least one of asns, locations or ipServiceCategories"));
        }

        return new JsonObject { ["locations"] = locations, ["asns"] = asns, ["ipServiceCategories"] = categories };
    }

    private static JsonObject? IncludeExclude(JsonObject body, string name, Func<JsonNode?, string, JsonArray?> read, List<(string, string)> failures)
    {
        switch (body[name])
        {
            case null:
                return null;
            case JsonObject o:
                return new JsonObject
                {
                    ["include"] = read(o["include"], $"{name}.include") ?? [],
                    ["exclude"] = read(o["exclude"], $"{name}.exclude") ?? [],
                };
            default:
                failures.Add((name, "The value must be an object with include and exclude lists"));
                return null;
        }
    }

    private static JsonArray? Locations(JsonNode? node, string field, List<(string, string)> failures) =>
        List(node, field, failures, entry =>
        {
            var country = entry is JsonObject o && o["country"] is JsonValue c && c.TryGetValue<string>(out var cs) ? cs : null;
            var regionNode = (entry as JsonObject)?["region"];
            var region = regionNode is JsonValue r && r.TryGetValue<string>(out var rs) ? rs : null;
            if (country is not { Length: 2 } || !country.All(char.IsAsciiLetterUpper))
            {
                return $"{Shown(entry)}: the country must be a two-letter ISO 3166-1 code, e.g. US";
            }

            if (regionNode is not null && (region is null || !IsRegion(region, country)))
            {
                return $"{Shown(entry)}: the region must be an ISO 3166-2 code of the country, e.g. {country}-CA, or null";
            }

            return null;
        }, entry => new JsonObject { ["country"] = (string?)entry!["country"], ["region"] = (string?)entry["region"] });

    private static JsonArray? Asns(JsonNode? node, string field, List<(string, string)> failures) =>
        List(node, field, failures,
            entry => entry is JsonValue v && v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 10 && s.All(char.IsAsciiDigit)
                ? null
                : $"{Shown(entry)} is not an ASN; give the number as a string of digits, e.g. \"23457\"",
            entry => JsonValue.Create((string)entry!));

    private static JsonArray? Categories(JsonNode? node, string field, List<(string, string)> failures) =>
        List(node, field, failures,
            entry => entry is JsonValue v && v.TryGetValue<string>(out var s) && ServiceCategories.Contains(s)
                ? null
                : $"{Shown(entry)} is not an IP service category (IPServiceCategory)",
            entry => JsonValue.Create((string)entry!));

    /// <summary>A list of at most 75 entries, each checked by <paramref name="check"/> (null when fine) and copied by <paramref name="copy"/>.</summary>
    private static JsonArray? List(JsonNode? node, string field, List<(string, string)> failures, Func<JsonNode?, string?> check, Func<JsonNode?, JsonNode?> copy)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray entries)
        {
            return Fail<JsonArray>(failures, field, "The value must be an array");
        }

        if (entries.Count > MaxEntries)
        {
            return Fail<JsonArray>(failures, field, $"At most {MaxEntries} entries are allowed; {entries.Count} were given");
        }

        var result = new JsonArray();
        foreach (var entry in entries)
        {
            if (check(entry) is { } error)
            {
                failures.Add((field, error));
            }
            else
            {
                result.Add(copy(entry));
            }
        }

        return result;
    }

    private static bool IsRegion(string region, string country) =>
        region.Length is > 3 and <= 6 && region.StartsWith(country + "-", StringComparison.Ordinal)
        && region[3..].All(ch => char.IsAsciiLetterUpper(ch) || char.IsAsciiDigit(ch));

    private static T? Fail<T>(List<(string, string)> failures, string field, string message) where T : class
    {
        failures.Add((field, message));
        return null;
    }

    private static string Shown(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 60 ? text : text[..60] + "...";
    }
}
