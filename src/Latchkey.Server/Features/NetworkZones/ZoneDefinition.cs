using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Network;
using Latchkey.Server.Api;

namespace Latchkey.Server.Features.NetworkZones;

public static class ZoneTypes
{
    public const string Ip = "IP";
    public const string Dynamic = "DYNAMIC";
    public const string DynamicV2 = "DYNAMIC_V2";
}

public static class ZoneUsages
{
    public const string Policy = "POLICY";
    public const string Blocklist = "BLOCKLIST";
}

public static class ZoneStatuses
{
    public const string Active = "ACTIVE";
    public const string Inactive = "INACTIVE";
}

/// <summary>
/// A zone as a create or replace request defines it, validated: the common fields (<c>type</c>, <c>name</c>,
/// <c>usage</c>, <c>status</c>) and the fields of its type, kept in the shape the API echoes (<see cref="Details"/>).
/// Every failure is collected and answered together as 400 E0000001, each cause naming its field.
/// </summary>
public sealed record ZoneDefinition(string Type, string Name, string Usage, string? Status, JsonObject Details)
{
    public const int MaxNameLength = 128;

    /// <summary>The real service's list sizes: 150 for an admin's zone, 1000 gateways for a blocklist, 5000 for a system zone.</summary>
    public static int MaxAddresses(bool system, string usage, string list) =>
        system ? 5000 : usage == ZoneUsages.Blocklist && list == "gateways" ? 1000 : 150;

    /// <summary>Reads a request body; <paramref name="system"/> is true when replacing a system zone (which may have no addresses).</summary>
    public static ZoneDefinition Read(JsonObject body, bool system = false)
    {
        var failures = new List<(string Field, string Message)>();
        var type = Text(body, "type", failures);
        var name = Text(body, "name", failures)?.Trim();
        var usage = Text(body, "usage", failures) ?? ZoneUsages.Policy;
        var status = Text(body, "status", failures);
        if (type is null)
        {
            failures.Add(("type", "The field cannot be left blank"));
        }
        else if (type is not (ZoneTypes.Ip or ZoneTypes.Dynamic or ZoneTypes.DynamicV2))
        {
            failures.Add(("type", $"'{type}' is not a network zone type; use IP, DYNAMIC or DYNAMIC_V2"));
        }

        if (string.IsNullOrEmpty(name))
        {
            failures.Add(("name", "The field cannot be left blank"));
        }
        else if (name.Length > MaxNameLength)
        {
            failures.Add(("name", $"The field is too long (maximum {MaxNameLength} characters)"));
        }

        if (usage is not (ZoneUsages.Policy or ZoneUsages.Blocklist))
        {
            failures.Add(("usage", $"'{usage}' is not a usage; use POLICY or BLOCKLIST"));
        }

        if (status is not (null or ZoneStatuses.Active or ZoneStatuses.Inactive))
        {
            failures.Add(("status", $"'{status}' is not a status; use ACTIVE or INACTIVE"));
        }

        var details = type switch
        {
            ZoneTypes.Ip => IpDetails(body, system, usage, failures),
            ZoneTypes.Dynamic => DynamicZoneFields.ReadDynamic(body, failures),
            ZoneTypes.DynamicV2 => DynamicZoneFields.ReadEnhanced(body, failures),
            _ => [],
        };

        if (failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(failures));
        }

        return new ZoneDefinition(type!, name!, usage, status, details);
    }

    /// <summary>The parsed entries of a stored IP zone's list (stored lists were validated when written).</summary>
    public static IReadOnlyList<ZoneAddress> Entries(JsonObject details, string list) =>
        details[list] is JsonArray entries
            ? entries.OfType<JsonObject>()
                .Select(e => ZoneAddress.TryParse((string?)e["type"], (string?)e["value"], out var a, out _) ? a : null)
                .OfType<ZoneAddress>().ToList()
            : [];

    private static JsonObject IpDetails(JsonObject body, bool system, string usage, List<(string, string)> failures)
    {
        var gateways = Addresses(body, "gateways", system, usage, failures);
        var proxies = Addresses(body, "proxies", system, usage, failures);
        if (!system && gateways is null or [] && proxies is null or [])
        {
            failures.Add(("gateways", "An IP zone needs at least one gateway or proxy address"));
        }

        return new JsonObject { ["gateways"] = gateways, ["proxies"] = proxies };
    }

    /// <summary>A list of <c>{type, value}</c> entries, each checked; null when absent or JSON null.</summary>
    private static JsonArray? Addresses(JsonObject body, string list, bool system, string usage, List<(string, string)> failures)
    {
        switch (body[list])
        {
            case null:
                return null;
            case JsonArray entries:
                var max = MaxAddresses(system, usage, list);
                if (entries.Count > max)
                {
                    failures.Add((list, $"At most {max} addresses are allowed; {entries.Count} were given"));
                    return null;
                }

                var result = new JsonArray();
                foreach (var entry in entries)
                {
                    var type = entry is JsonObject o && o["type"] is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : null;
                    var value = entry is JsonObject v && v["value"] is JsonValue vv && vv.TryGetValue<string>(out var vs) ? vs : null;
                    if (entry is not JsonObject)
                    {
                        failures.Add((list, "Each address must be an object with a type (CIDR or RANGE) and a value"));
                    }
                    else if (!ZoneAddress.TryParse(type, value, out _, out var error))
                    {
                        failures.Add((list, error));
                    }
                    else
                    {
                        result.Add(new JsonObject { ["type"] = type, ["value"] = value!.Trim() });
                    }
                }

                return result;
            default:
                failures.Add((list, "The value must be an array of addresses"));
                return null;
        }
    }

    private static string? Text(JsonObject body, string name, List<(string, string)> failures)
    {
        try
        {
            return JsonBody.String(body, name, name);
        }
        catch (ApiException)
        {
            failures.Add((name, "The value must be a string."));
            return null;
        }
    }
}
