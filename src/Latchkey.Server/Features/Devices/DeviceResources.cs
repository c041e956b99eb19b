using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Devices;

/// <summary>The statuses a device rests in (okta-api.md §7.1); <c>UNSUSPENDED</c> is an operation, not a resting state.</summary>
public static class DeviceStatus
{
    public const string Active = "ACTIVE";
    public const string Suspended = "SUSPENDED";
    public const string Deactivated = "DEACTIVATED";
}

/// <summary>
/// A user on a device with the user's row, as the device's users and <c>expand=user</c> show them, and why the link is not
/// MANAGED (null when it is; docs/device-integrations.md).
/// </summary>
public sealed record DeviceUserRow(DeviceUserEntity Link, UserEntity User, string? ManagementReason = null);

/// <summary>
/// The <c>Device</c>, <c>DeviceList</c>, <c>DeviceUser</c> and <c>UserDevice</c> shapes of the management spec, and the
/// device as a System Log target (<c>UDDevice</c>). The profile is the stored columns (display name, platform, serial
/// number) over the rest the device reported (<see cref="DeviceEntity.ProfileJson"/>); <c>registered</c> is always true:
/// a device exists here only because the authenticator app registered it.
/// </summary>
public static class DeviceResources
{
    public const string ResourceType = "UDDevice";

    public static LogTarget Target(DeviceEntity d) => new(d.Id, ResourceType, null, d.DisplayName);

    public static JsonObject Profile(DeviceEntity d)
    {
        var profile = JsonNode.Parse(d.ProfileJson, documentOptions: ApiJson.DocumentOptions) as JsonObject ?? [];
        profile["displayName"] = d.DisplayName;
        profile["platform"] = d.Platform;
        profile["registered"] = true;
        if (d.SerialNumber is not null)
        {
            profile["serialNumber"] = d.SerialNumber;
        }

        return profile;
    }

    public static JsonObject ToResource(DeviceEntity d, string apiBase)
    {
        var self = $"{apiBase}/devices/{d.Id}";
        var links = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET", "PATCH", "PUT"),
            ["users"] = JsonLinks.Link($"{self}/users", "GET"),
        };
        foreach (var operation in DeviceLifecycle.Allowed(d.Status))
        {
            links[operation] = JsonLinks.Link($"{self}/lifecycle/{operation}", "POST");
        }

        return new JsonObject
        {
            ["id"] = d.Id, ["status"] = d.Status, ["created"] = IsoTime.Write(d.Created), ["lastUpdated"] = IsoTime.Write(d.LastUpdated),
            ["profile"] = Profile(d),
            ["resourceType"] = ResourceType, ["resourceDisplayName"] = new JsonObject { ["value"] = d.DisplayName, ["sensitive"] = false },
            ["resourceAlternateId"] = null, ["resourceId"] = d.Id,
            ["_links"] = links,
        };
    }

    /// <summary>
    /// A <c>DeviceUser</c>: the link's dates and management, and the user as the Users API renders it, or (the list's
    /// <c>expand=userSummary</c>) only <c>{id, profile{firstName, lastName, login, email}, _links.self}</c>.
    /// </summary>
    public static JsonObject DeviceUser(DeviceUserRow row, string apiBase, bool summary = false)
    {
        var resource = new JsonObject
        {
            ["created"] = IsoTime.Write(row.Link.Created), ["managementStatus"] = row.Link.ManagementStatus, ["screenLockType"] = row.Link.ScreenLockType,
            ["user"] = summary ? UserSummary(row.User, apiBase) : JsonSerializer.SerializeToNode(UserResources.ToResource(row.User, apiBase), ApiJson.Options),
        };
        AddManagementReason(resource, row.ManagementReason);
        return resource;
    }

    /// <summary>Latchkey's extra <c>managementStatusReason</c>: why a link is not MANAGED (absent when it is; clients ignore unknown members).</summary>
    private static void AddManagementReason(JsonObject resource, string? reason)
    {
        if (reason is not null)
        {
            resource["managementStatusReason"] = reason;
        }
    }

    private static JsonObject UserSummary(UserEntity u, string apiBase)
    {
        var profile = UserResources.ParseProfile(u.ProfileJson);
        return new JsonObject
        {
            ["id"] = u.Id,
            ["profile"] = new JsonObject
            {
                ["firstName"] = profile["firstName"]?.DeepClone(), ["lastName"] = profile["lastName"]?.DeepClone(),
                ["login"] = profile["login"]?.DeepClone(), ["email"] = profile["email"]?.DeepClone(),
            },
            ["_links"] = new JsonObject { ["self"] = new JsonObject { ["href"] = $"{apiBase}/users/{u.Id}" } },
        };
    }

    /// <summary>A <c>UserDevice</c> (<c>GET /users/{id}/devices</c>): when the user was linked, the device, the link's id.</summary>
    public static JsonObject UserDevice(DeviceUserEntity link, DeviceEntity d, string apiBase, string? managementReason = null)
    {
        var resource = new JsonObject
        {
            ["created"] = IsoTime.Write(link.Created), ["device"] = ToResource(d, apiBase), ["deviceUserId"] = DeviceUserId(link),
            ["managementStatus"] = link.ManagementStatus,
        };
        AddManagementReason(resource, managementReason);
        return resource;
    }

    /// <summary>
    /// The link's id (<c>lnk...</c>). A link is stored by its device and user alone, so its id is derived from them: the
    /// same link always has the same id, and a link made again after a deactivation gets it again.
    /// </summary>
    public static string DeviceUserId(DeviceUserEntity link) => Core.Security.DerivedIds.Of("lnk", $"{link.DeviceId}/{link.UserId}");
}
