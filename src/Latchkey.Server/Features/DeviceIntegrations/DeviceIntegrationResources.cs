using System.Text.Json.Nodes;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>The statuses of a device integration and of a management certificate.</summary>
public static class DeviceIntegrationStatus
{
    public const string Active = "ACTIVE";
    public const string Deactivated = "DEACTIVATED";
    public const string Revoked = "REVOKED";
}

/// <summary>What a device integration may be: its platforms (the spec's and LINUX, DESIGN.md) and its one type.</summary>
public static class DeviceIntegrationKinds
{
    public const string MdmCertificate = "MDM_CERTIFICATE";

    public static readonly IReadOnlyList<string> Platforms = ["ANDROID", "IOS", "MACOS", "WINDOWS", "CHROMEOS", "LINUX"];
}

/// <summary>
/// The wire shapes of <c>/api/v1/device-integrations</c> (docs/device-integrations.md): the integration with its CA
/// certificate in <c>metadata.caCertificate</c>, a management certificate, and both as System Log targets.
/// </summary>
public static class DeviceIntegrationResources
{
    public const string ResourceType = "DeviceIntegration";
    public const string CertificateType = "DeviceManagementCertificate";

    public static LogTarget Target(DeviceIntegrationEntity i) => new(i.Id, ResourceType, i.Platform, i.DisplayName ?? i.Name);

    public static LogTarget Target(DeviceCertificateEntity c) => new(c.Id, CertificateType, c.SerialNumber, c.Subject);

    public static JsonObject ToResource(DeviceIntegrationEntity i, string apiBase)
    {
        var self = $"{apiBase}/device-integrations/{i.Id}";
        var lifecycle = i.Status == DeviceIntegrationStatus.Active ? "deactivate" : "activate";
        var resource = new JsonObject
        {
            ["id"] = i.Id, ["name"] = i.Name,
        };
        if (i.DisplayName is not null)
        {
            resource["displayName"] = i.DisplayName;
        }

        resource["platform"] = i.Platform;
        resource["type"] = i.Type;
        resource["status"] = i.Status;
        resource["created"] = IsoTime.Write(i.Created);
        resource["lastUpdated"] = IsoTime.Write(i.LastUpdated);
        resource["metadata"] = new JsonObject { ["caCertificate"] = i.CaCertificatePem, ["caSource"] = i.CaImported ? "IMPORTED" : "LATCHKEY" };
        resource["_links"] = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET", "DELETE"),
            ["certificates"] = JsonLinks.Link($"{self}/certificates", "GET", "POST"),
            [lifecycle] = JsonLinks.Link($"{self}/lifecycle/{lifecycle}", "POST"),
        };
        return resource;
    }

    public static JsonObject ToResource(DeviceCertificateEntity c, string apiBase)
    {
        var self = $"{apiBase}/device-integrations/{c.IntegrationId}/certificates/{c.Id}";
        var links = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET"),
            ["integration"] = JsonLinks.Link($"{apiBase}/device-integrations/{c.IntegrationId}", "GET"),
        };
        var resource = new JsonObject
        {
            ["id"] = c.Id, ["integrationId"] = c.IntegrationId, ["serialNumber"] = c.SerialNumber, ["subject"] = c.Subject,
            ["thumbprint"] = c.Thumbprint, ["notBefore"] = IsoTime.Write(c.NotBefore), ["notAfter"] = IsoTime.Write(c.NotAfter),
            ["status"] = c.Status, ["created"] = IsoTime.Write(c.Created),
        };
        if (c.RevokedAt is { } revoked)
        {
            resource["revokedAt"] = IsoTime.Write(revoked);
        }
        else
        {
            links["revoke"] = JsonLinks.Link($"{self}/lifecycle/revoke", "POST");
        }

        resource["certificate"] = Pem(c.Der);
        resource["_links"] = links;
        return resource;
    }

    /// <summary>DER as a PEM certificate (RFC 7468 section 5), 64 characters a line.</summary>
    public static string Pem(byte[] der)
    {
        var base64 = Convert.ToBase64String(der);
        var lines = Enumerable.Range(0, (base64.Length + 63) / 64).Select(i => base64.Substring(i * 64, Math.Min(64, base64.Length - i * 64)));
        return $"-----BEGIN CERTIFICATE-----\n{string.Join('\n', lines)}\n-----END CERTIFICATE-----";
    }
}
