using System.Text.Json.Nodes;
using Latchkey.Core.Network;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.NetworkZones;

/// <summary>A stored zone as the API shows it (the spec's <c>NetworkZone</c>), as a log target, and as the engine's <see cref="IpZone"/>.</summary>
public static class NetworkZoneResources
{
    public static JsonObject ToResource(NetworkZoneEntity zone, string apiBase)
    {
        var self = $"{apiBase}/zones/{zone.Id}";
        var result = new JsonObject
        {
            ["type"] = zone.Type,
            ["id"] = zone.Id,
            ["name"] = zone.Name,
            ["status"] = zone.Status,
            ["usage"] = zone.Usage,
            ["created"] = IsoTime.Write(zone.Created),
            ["lastUpdated"] = IsoTime.Write(zone.LastUpdated),
            ["system"] = zone.System,
        };
        foreach (var (key, value) in Details(zone))
        {
            result[key] = value?.DeepClone();
        }

        var lifecycle = zone.Status == ZoneStatuses.Active ? "deactivate" : "activate";
        result["_links"] = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET", "PUT", "DELETE"),
            [lifecycle] = JsonLinks.Link($"{self}/lifecycle/{lifecycle}", "POST"),
        };
        return result;
    }

    public static JsonObject Details(NetworkZoneEntity zone) =>
        JsonNode.Parse(zone.DetailsJson, documentOptions: ApiJson.DocumentOptions) as JsonObject ?? [];

    public static LogTarget Target(NetworkZoneEntity zone) => new(zone.Id, "NetworkZone", zone.Name, zone.Name);

    /// <summary>The zone's addresses for matching; null for a dynamic zone, which Latchkey cannot evaluate.</summary>
    public static IpZone? ToIpZone(NetworkZoneEntity zone)
    {
        if (zone.Type != ZoneTypes.Ip)
        {
            return null;
        }

        var details = Details(zone);
        return new IpZone(zone.Id, ZoneDefinition.Entries(details, "gateways"), ZoneDefinition.Entries(details, "proxies"),
            blocklist: zone.Usage == ZoneUsages.Blocklist);
    }
}
