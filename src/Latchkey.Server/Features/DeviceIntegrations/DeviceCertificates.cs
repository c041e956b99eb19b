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
/// <c>/api/v1/device-integrations/{id}/certificates</c>: the integration's CA issues a management certificate for a
/// device's CSR (<c>POST {"csr"}</c>), lists and reads what it issued, and revokes one
/// (<c>POST .../{certId}/lifecycle/revoke</c>). Every issued certificate is recorded, and a proof is accepted only with a
/// recorded, unrevoked one (<see cref="DeviceManagementProof"/>).
/// </summary>
public static class DeviceCertificates
{
    /// <summary>How long a management certificate is valid (never past its CA).</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    public static void MapDeviceCertificatesApi(this RouteGroupBuilder integrations)
    {
        integrations.MapGet("/{integrationId}/certificates", List).Requires(AdminPermission.SecurityRead);
        integrations.MapPost("/{integrationId}/certificates", Issue).Requires(AdminPermission.SecurityManage);
        integrations.MapGet("/{integrationId}/certificates/{certificateId}", Get).Requires(AdminPermission.SecurityRead);
        integrations.MapPost("/{integrationId}/certificates/{certificateId}/lifecycle/revoke", Revoke).Requires(AdminPermission.SecurityManage);
    }

    private static async Task<IResult> List(string integrationId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var integration = await DeviceIntegrationsApi.FindAsync(db, caller.OrgId, integrationId, track: false, context.RequestAborted);
        var rows = await db.DeviceCertificates.AsNoTracking().Where(c => c.OrgId == caller.OrgId && c.IntegrationId == integration.Id)
            .OrderBy(c => c.Id).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(rows.Select(c => (JsonNode)DeviceIntegrationResources.ToResource(c, apiBase)).ToArray()));
    }

    private static async Task<IResult> Get(string integrationId, string certificateId, HttpContext context, LatchkeyDbContext db)
    {
        var certificate = await FindAsync(db, ApiCaller.Required(context).OrgId, integrationId, certificateId, track: false, context.RequestAborted);
        return ApiResponses.Json(DeviceIntegrationResources.ToResource(certificate, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Issue(string integrationId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, DeviceIntegrationCaKeys keys)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var csr = JsonBody.String(body, "csr", "csr");
        var certificate = await IssueAsync(ApiCaller.Required(context), integrationId, csr, db, write, log, time, keys, context.RequestAborted);
        return ApiResponses.Json(DeviceIntegrationResources.ToResource(certificate, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>Issues a certificate for <paramref name="csr"/> with an ACTIVE integration's CA and records it (<c>pki.cert.issue</c>).</summary>
    public static async Task<DeviceCertificateEntity> IssueAsync(ApiCaller caller, string integrationId, string? csr, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, DeviceIntegrationCaKeys keys, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(csr))
        {
            throw new ApiException(ApiErrors.Validation("csr", "The field cannot be left blank"));
        }

        var integration = await DeviceIntegrationsApi.FindAsync(db, caller.OrgId, integrationId, track: false, ct);
        if (integration.Status != DeviceIntegrationStatus.Active)
        {
            throw new ApiException(ApiErrors.Precondition("status", $"The device integration is {integration.Status}: only an ACTIVE integration issues certificates."));
        }

        // Fail closed: a CA key that does not open (altered row, foreign key ring) issues nothing.
        var caKey = keys.Open(integration.OrgId, integration.Id, integration.SealedCaPrivateKey)
            ?? throw new ApiException(ApiErrors.Precondition("ca", "The integration's CA private key cannot be opened with this server's key ring: nothing can be issued."));
        var now = IsoTime.Truncate(time.GetUtcNow());
        IssuedManagementCertificate issued;
        try
        {
            issued = ManagementCa.Issue(integration.CaCertificatePem, caKey, csr, now, Validity);
        }
        catch (ManagementCaException e)
        {
            throw new ApiException(ApiErrors.Validation(e.Field, e.Message));
        }

        return await write.RunAsync(caller.OrgId, () =>
        {
            var certificate = new DeviceCertificateEntity
            {
                Id = RandomIds.NewId(IdPrefix.DeviceCertificate, now), OrgId = caller.OrgId, IntegrationId = integration.Id,
                SerialNumber = issued.SerialNumber, Subject = issued.Subject, Thumbprint = issued.Thumbprint, NotBefore = issued.NotBefore,
                NotAfter = issued.NotAfter, Status = DeviceIntegrationStatus.Active, Der = issued.Der, Created = now,
            };
            db.DeviceCertificates.Add(certificate);
            log.Stage(EventTypes.DeviceCertificateIssue, [DeviceIntegrationResources.Target(integration), DeviceIntegrationResources.Target(certificate)],
                debugData: new Dictionary<string, object?> { ["serialNumber"] = certificate.SerialNumber, ["notAfter"] = IsoTime.Write(certificate.NotAfter) });
            return Task.FromResult(certificate);
        }, ct);
    }

    private static async Task<IResult> Revoke(string integrationId, string certificateId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var certificate = await RevokeAsync(ApiCaller.Required(context), integrationId, certificateId, db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(DeviceIntegrationResources.ToResource(certificate, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>Revokes a certificate for good (<c>pki.cert.revoke</c>); revoking a revoked one changes nothing.</summary>
    public static async Task<DeviceCertificateEntity> RevokeAsync(ApiCaller caller, string integrationId, string certificateId, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var certificate = await FindAsync(db, caller.OrgId, integrationId, certificateId, track: true, ct);
            if (certificate.Status != DeviceIntegrationStatus.Revoked)
            {
                (certificate.Status, certificate.RevokedAt) = (DeviceIntegrationStatus.Revoked, IsoTime.Truncate(time.GetUtcNow()));
                log.Stage(EventTypes.DeviceCertificateRevoke, [DeviceIntegrationResources.Target(certificate)],
                    debugData: new Dictionary<string, object?> { ["serialNumber"] = certificate.SerialNumber, ["integrationId"] = certificate.IntegrationId });
            }

            return certificate;
        }, ct);

    private static async Task<DeviceCertificateEntity> FindAsync(LatchkeyDbContext db, string orgId, string integrationId, string certificateId, bool track,
        CancellationToken ct) =>
        await (track ? db.DeviceCertificates : db.DeviceCertificates.AsNoTracking())
            .FirstOrDefaultAsync(c => c.OrgId == orgId && c.IntegrationId == integrationId && c.Id == certificateId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(certificateId, "DeviceManagementCertificate"));
}
