using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>
/// <c>/api/v1/device-integrations</c> (docs/device-integrations.md): create (Latchkey makes the integration's CA, or the
/// admin imports the org's), list, get, activate, deactivate, delete (only a DEACTIVATED one), and the certificates the
/// CA issues (<see cref="DeviceCertificates"/>). Reading needs <see cref="AdminPermission.SecurityRead"/>, changing
/// <see cref="AdminPermission.SecurityManage"/>: an integration decides which devices count as managed.
/// </summary>
public static class DeviceIntegrationsApi
{
    public static void MapDeviceIntegrationsApi(this RouteGroupBuilder api)
    {
        var integrations = api.MapGroup("/device-integrations");
        integrations.MapGet("", List).Requires(AdminPermission.SecurityRead);
        integrations.MapPost("", Create).Requires(AdminPermission.SecurityManage);
        integrations.MapGet("/{integrationId}", Get).Requires(AdminPermission.SecurityRead);
        integrations.MapDelete("/{integrationId}", Delete).Requires(AdminPermission.SecurityManage);
        integrations.MapPost("/{integrationId}/lifecycle/activate", (string integrationId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatus(integrationId, DeviceIntegrationStatus.Active, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        integrations.MapPost("/{integrationId}/lifecycle/deactivate", (string integrationId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatus(integrationId, DeviceIntegrationStatus.Deactivated, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        integrations.MapDeviceCertificatesApi();
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var rows = await db.DeviceIntegrations.AsNoTracking().Where(i => i.OrgId == caller.OrgId).OrderBy(i => i.Id).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(rows.Select(i => (JsonNode)DeviceIntegrationResources.ToResource(i, apiBase)).ToArray()));
    }

    private static async Task<IResult> Get(string integrationId, HttpContext context, LatchkeyDbContext db)
    {
        var integration = await FindAsync(db, ApiCaller.Required(context).OrgId, integrationId, track: false, context.RequestAborted);
        return ApiResponses.Json(DeviceIntegrationResources.ToResource(integration, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Create(HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time,
        DeviceIntegrationCaKeys keys)
    {
        var integration = await CreateAsync(ApiCaller.Required(context), await JsonBody.ReadObjectAsync(context.Request), db, write, log, time, keys,
            context.RequestAborted);
        return ApiResponses.Json(DeviceIntegrationResources.ToResource(integration, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>
    /// Creates an ACTIVE integration from <c>{name, displayName?, platform, type: "MDM_CERTIFICATE", ca?: {certificate, privateKey}}</c>:
    /// with <c>ca</c> the org's own CA after <see cref="ManagementCa.Import"/> checked it, else a new one Latchkey makes.
    /// </summary>
    public static async Task<DeviceIntegrationEntity> CreateAsync(ApiCaller caller, JsonObject body, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, DeviceIntegrationCaKeys keys, CancellationToken ct)
    {
        var failures = new List<(string, string)>();
        var name = JsonBody.String(body, "name", "name")?.Trim();
        var displayName = JsonBody.String(body, "displayName", "displayName")?.Trim();
        var platform = JsonBody.String(body, "platform", "platform");
        var type = JsonBody.String(body, "type", "type");
        var ca = JsonBody.Object(body, "ca", "ca");
        if (string.IsNullOrEmpty(name))
        {
            failures.Add(("name", "The field cannot be left blank"));
        }
        else if (name.Length > 255)
        {
            failures.Add(("name", "The value has at most 255 characters."));
        }

        if (displayName is { Length: > 255 })
        {
            failures.Add(("displayName", "The value has at most 255 characters."));
        }

        if (string.IsNullOrEmpty(platform))
        {
            failures.Add(("platform", "The field cannot be left blank"));
        }
        else if (!DeviceIntegrationKinds.Platforms.Contains(platform))
        {
            failures.Add(("platform", $"'{platform}' is not a platform: use one of {string.Join(", ", DeviceIntegrationKinds.Platforms)}."));
        }

        if (type != DeviceIntegrationKinds.MdmCertificate)
        {
            failures.Add(("type", type is null ? "The field cannot be left blank" : $"'{type}' is not supported: use {DeviceIntegrationKinds.MdmCertificate}."));
        }

        var caCertificate = ca is null ? null : JsonBody.String(ca, "certificate", "ca.certificate");
        var caKey = ca is null ? null : JsonBody.String(ca, "privateKey", "ca.privateKey");
        if (ca is not null && string.IsNullOrWhiteSpace(caCertificate))
        {
            failures.Add(("ca.certificate", "The field cannot be left blank"));
        }

        if (ca is not null && string.IsNullOrWhiteSpace(caKey))
        {
            failures.Add(("ca.privateKey", "The field cannot be left blank"));
        }

        if (failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(failures));
        }

        var now = IsoTime.Truncate(time.GetUtcNow());
        var material = Material(caller.OrgId, name!, caCertificate, caKey, now);
        return await write.RunAsync(caller.OrgId, () =>
        {
            var id = RandomIds.NewId(IdPrefix.DeviceIntegration, now);
            var integration = new DeviceIntegrationEntity
            {
                Id = id, OrgId = caller.OrgId, Name = name!, DisplayName = string.IsNullOrEmpty(displayName) ? null : displayName, Platform = platform!,
                Type = type!, Status = DeviceIntegrationStatus.Active, CaCertificatePem = material.CertificatePem,
                SealedCaPrivateKey = keys.Seal(caller.OrgId, id, material.PrivateKeyPkcs8), CaImported = ca is not null, Created = now, LastUpdated = now,
            };
            db.DeviceIntegrations.Add(integration);
            log.Stage(EventTypes.DeviceIntegrationAdd, [DeviceIntegrationResources.Target(integration)], debugData: new Dictionary<string, object?>
            {
                ["caSubject"] = material.Subject, ["caSource"] = integration.CaImported ? "IMPORTED" : "LATCHKEY", ["platform"] = integration.Platform,
            });
            return Task.FromResult(integration);
        }, ct);
    }

    private static ManagementCaMaterial Material(string orgId, string name, string? certificate, string? key, DateTimeOffset now)
    {
        try
        {
            return certificate is null ? ManagementCa.Create(name, orgId, now) : ManagementCa.Import(certificate, key!, now);
        }
        catch (ManagementCaException e)
        {
            throw new ApiException(ApiErrors.Validation(e.Field, e.Message));
        }
    }

    private static async Task<IResult> SetStatus(string integrationId, string status, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var integration = await SetStatusAsync(ApiCaller.Required(context), integrationId, status, db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(DeviceIntegrationResources.ToResource(integration, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>
    /// Activates or deactivates an integration; the same status again changes nothing. A deactivated integration issues no
    /// certificates and proves no device managed; devices it made MANAGED stay so until their next FastPass sign-in.
    /// </summary>
    public static async Task<DeviceIntegrationEntity> SetStatusAsync(ApiCaller caller, string integrationId, string status, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var integration = await FindAsync(db, caller.OrgId, integrationId, track: true, ct);
            if (integration.Status != status)
            {
                var from = integration.Status;
                (integration.Status, integration.LastUpdated) = (status, IsoTime.Truncate(time.GetUtcNow()));
                log.Stage(EventTypes.DeviceIntegrationUpdate,
                    [DeviceIntegrationResources.Target(integration) with
                    {
                        ChangeDetails = new LogChangeDetails(new Dictionary<string, object?> { ["status"] = from }, new Dictionary<string, object?> { ["status"] = status }),
                    }],
                    displayMessage: status == DeviceIntegrationStatus.Active ? "Activate device management platform" : "Deactivate device management platform");
            }

            return integration;
        }, ct);

    private static async Task<IResult> Delete(string integrationId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time)
    {
        await DeleteAsync(ApiCaller.Required(context), integrationId, db, write, log, time, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>
    /// Deletes a DEACTIVATED integration (an ACTIVE one: 400 <c>E0000001</c>, deactivate it first), with its CA and the
    /// certificates it issued; the device links it made MANAGED become NOT_MANAGED, saying why.
    /// </summary>
    public static async Task DeleteAsync(ApiCaller caller, string integrationId, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var integration = await FindAsync(db, caller.OrgId, integrationId, track: true, ct);
            if (integration.Status != DeviceIntegrationStatus.Deactivated)
            {
                throw new ApiException(ApiErrors.Precondition("status",
                    $"The device integration is {integration.Status}: only a DEACTIVATED integration can be deleted. Deactivate it first."));
            }

            var now = IsoTime.Truncate(time.GetUtcNow());
            var managed = await db.DeviceUsers.Where(l => l.OrgId == caller.OrgId && l.ManagedByIntegrationId == integration.Id).ToListAsync(ct);
            foreach (var link in managed)
            {
                DeviceManagement.Unmanage(link, ManagementProofFailure.NoIntegration,
                    $"the device integration {integration.Name} that proved management was deleted on {DeviceManagement.Date(now)}", now);
            }

            await db.DeviceCertificates.Where(c => c.IntegrationId == integration.Id).ExecuteDeleteAsync(ct);
            db.DeviceIntegrations.Remove(integration);
            log.Stage(EventTypes.DeviceIntegrationDelete, [DeviceIntegrationResources.Target(integration)]);
        }, ct);

    public static async Task<DeviceIntegrationEntity> FindAsync(LatchkeyDbContext db, string orgId, string integrationId, bool track, CancellationToken ct) =>
        await (track ? db.DeviceIntegrations : db.DeviceIntegrations.AsNoTracking()).FirstOrDefaultAsync(i => i.OrgId == orgId && i.Id == integrationId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(integrationId, "DeviceIntegration"));
}
