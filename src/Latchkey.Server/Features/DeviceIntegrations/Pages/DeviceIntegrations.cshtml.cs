using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DeviceIntegrations.Pages;

/// <summary>One device integration as the console shows it, with the certificates its CA issued (newest first).</summary>
public sealed record IntegrationRow(Persistence.DeviceIntegrationEntity Integration, IReadOnlyList<Persistence.DeviceCertificateEntity> Certificates);

/// <summary>
/// Security > Device Integrations: the org's MDM integrations (docs/device-integrations.md). An admin with
/// <see cref="AdminPermission.SecurityManage"/> adds one (Latchkey becomes its CA), issues a management certificate from a
/// pasted CSR (what an MDM's certificate profile would install; the certificate is shown to copy), revokes a certificate,
/// deactivates, activates and deletes an integration. Every write is the API's own code (<see cref="DeviceIntegrationsApi"/>,
/// <see cref="DeviceCertificates"/>): the same validation, refusals and System Log events.
/// </summary>
public sealed class DeviceIntegrationsPageModel(Persistence.LatchkeyDbContext db, SystemLog.OrgWrite write, SystemLog.SystemLogWriter log, TimeProvider time, DeviceIntegrationCaKeys keys)
    : ConsolePage
{
    private const string Here = "/admin/security/device-integrations";

    public override AdminPermission Reads => AdminPermission.SecurityRead;
    public override string Section => ConsoleNavigation.DeviceIntegrations;

    public static IReadOnlyList<string> Platforms => DeviceIntegrationKinds.Platforms;

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Platform { get; set; }

    public IReadOnlyList<IntegrationRow> Rows { get; private set; } = [];

    /// <summary>The certificate just issued, as PEM, to copy to the device (shown once, on the answer to the issue form).</summary>
    public string? IssuedPem { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var integrations = await db.DeviceIntegrations.AsNoTracking().Where(i => i.OrgId == Me.OrgId).ToListAsync(ct);
        var ids = integrations.Select(i => i.Id).ToList();
        var certificates = (await db.DeviceCertificates.AsNoTracking().Where(c => ids.Contains(c.IntegrationId)).ToListAsync(ct))
            .OrderByDescending(c => c.Created).ToLookup(c => c.IntegrationId);
        Rows = integrations.OrderBy(i => i.Created).ThenBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => new IntegrationRow(i, certificates[i.Id].ToList())).ToList();
    }

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostCreateAsync() => AddAsync(async () =>
    {
        var body = new JsonObject { ["name"] = Name?.Trim() ?? "", ["platform"] = Platform ?? "", ["type"] = DeviceIntegrationKinds.MdmCertificate };
        var integration = await DeviceIntegrationsApi.CreateAsync(Caller, body, db, write, log, time, keys, HttpContext.RequestAborted);
        return ($"{integration.Name} was added for {integration.Platform}: Latchkey is its certificate authority.", Here);
    }, LoadAsync);

    /// <summary>Issues a certificate for the pasted CSR and shows it on this very answer (it is not kept as PEM anywhere else to copy from).</summary>
    [Requires(AdminPermission.SecurityManage)]
    public async Task<IActionResult> OnPostIssueAsync([FromForm] string? integrationId, [FromForm] string? csr)
    {
        try
        {
            var certificate = await DeviceCertificates.IssueAsync(Caller, integrationId ?? "", csr, db, write, log, time, keys, HttpContext.RequestAborted);
            IssuedPem = DeviceIntegrationResources.Pem(certificate.Der);
            Notice = $"Issued the certificate {certificate.SerialNumber} for {certificate.Subject}. Copy it below and install it on the device.";
        }
        catch (Core.Errors.ApiException e)
        {
            Refuse(Describe(e.Error));
        }

        await LoadAsync();
        return Page();
    }

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostRevokeAsync([FromForm] string? integrationId, [FromForm] string? certificateId) => ChangeAsync(async () =>
    {
        var certificate = await DeviceCertificates.RevokeAsync(Caller, integrationId ?? "", certificateId ?? "", db, write, log, time, HttpContext.RequestAborted);
        return $"The certificate {certificate.SerialNumber} is revoked: a device presenting it is no longer managed.";
    }, Here);

    /// <summary>Activates (<paramref name="status"/> ACTIVE) or deactivates (anything else) an integration, as its <c>lifecycle/...</c> routes do.</summary>
    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostStatusAsync([FromForm] string? integrationId, [FromForm] string? status) => ChangeAsync(async () =>
    {
        var wanted = status == DeviceIntegrationStatus.Active ? DeviceIntegrationStatus.Active : DeviceIntegrationStatus.Deactivated;
        var integration = await DeviceIntegrationsApi.SetStatusAsync(Caller, integrationId ?? "", wanted, db, write, log, time, HttpContext.RequestAborted);
        return $"{integration.Name} is {integration.Status}.";
    }, Here);

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostDeleteAsync([FromForm] string? integrationId) => ChangeAsync(async () =>
    {
        var integration = await DeviceIntegrationsApi.FindAsync(db, Me.OrgId, integrationId ?? "", track: false, HttpContext.RequestAborted);
        await DeviceIntegrationsApi.DeleteAsync(Caller, integration.Id, db, write, log, time, HttpContext.RequestAborted);
        return $"{integration.Name} was deleted with its certificate authority and certificates.";
    }, Here);
}
