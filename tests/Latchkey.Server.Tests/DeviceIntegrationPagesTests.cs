using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Security > Device Integrations through the real HTTP pipeline (issue 12 item 8): add an integration, issue a management
/// certificate from a pasted CSR (shown to copy), revoke it, deactivate and delete, each with the API's refusals and log
/// events; a read-only admin reads and cannot write.
/// </summary>
public sealed class DeviceIntegrationPagesTests(ConsoleFixture server) : IClassFixture<ConsoleFixture>
{
    private const string Path = "/admin/security/device-integrations";

    private Task<int> EventCountAsync(string eventType, string targetId) => server.WithDbAsync(db =>
        db.LogEvents.AsNoTracking().CountAsync(e => e.EventType == eventType && e.Json.Contains(targetId)));

    [Fact]
    public async Task An_admin_adds_an_integration_issues_a_certificate_from_a_pasted_csr_revokes_it_and_deletes_the_integration()
    {
        using var admin = await server.SignedInAsync(server.Admin.Login);
        var page = await admin.GetAsync(Path);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.True(page.HasLabel("Integration name") && page.HasLabel("Platform"));
        Assert.Contains("<option value=\"LINUX\">LINUX</option>", page.Html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{Path}\"", page.Html, StringComparison.Ordinal);

        var blank = await admin.PostAsync($"{Path}?handler=Create", page, ("Name", " "), ("Platform", "LINUX"));
        Assert.Equal(HttpStatusCode.BadRequest, blank.Status);
        Assert.Contains("The field cannot be left blank", blank.Alert, StringComparison.Ordinal);

        var name = "Our MDM " + ServerFixture.Unique();
        page = await admin.SubmitAsync($"{Path}?handler=Create", page, ("Name", name), ("Platform", "LINUX"));
        Assert.Contains($"{name} was added for LINUX", page.StatusMessage, StringComparison.Ordinal);
        var integration = await server.WithDbAsync(db => db.DeviceIntegrations.AsNoTracking().SingleAsync(i => i.Name == name));
        Assert.Equal(("LINUX", "ACTIVE"), (integration.Platform, integration.Status));
        Assert.Equal(1, await EventCountAsync("device.platform.add", integration.Id));
        Assert.True(page.HasLabel($"Certificate signing request (PEM) for {name}"));

        var refused = await admin.PostAsync($"{Path}?handler=Issue", page, ("integrationId", integration.Id), ("csr", "not a CSR"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("csr", refused.Alert, StringComparison.OrdinalIgnoreCase);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issued = await admin.PostAsync($"{Path}?handler=Issue", page, ("integrationId", integration.Id), ("csr", MdmKit.Csr(key, "CN=walk-laptop")));
        Assert.Equal(HttpStatusCode.OK, issued.Status);
        Assert.Contains("Issued the certificate", issued.StatusMessage, StringComparison.Ordinal);
        var pem = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(issued.Html, @"<textarea id=""issued-certificate""[^>]*>([^<]+)</textarea>").Groups[1].Value);
        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.Equal("CN=walk-laptop", certificate.Subject);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        var stored = await server.WithDbAsync(db => db.DeviceCertificates.AsNoTracking().SingleAsync(c => c.IntegrationId == integration.Id));
        Assert.Contains($"<td>{stored.SerialNumber}</td>", issued.Html, StringComparison.Ordinal);
        Assert.Equal(1, await EventCountAsync("pki.cert.issue", stored.Id));

        page = await admin.SubmitAsync($"{Path}?handler=Revoke", issued, ("integrationId", integration.Id), ("certificateId", stored.Id));
        Assert.Contains($"The certificate {stored.SerialNumber} is revoked", page.StatusMessage, StringComparison.Ordinal);
        Assert.Equal("REVOKED", await server.WithDbAsync(db => db.DeviceCertificates.AsNoTracking().Where(c => c.Id == stored.Id).Select(c => c.Status).SingleAsync()));
        Assert.DoesNotContain($"aria-label=\"Revoke certificate {stored.SerialNumber}\"", page.Html, StringComparison.Ordinal);
        Assert.Equal(1, await EventCountAsync("pki.cert.revoke", stored.Id));

        page = await admin.SubmitAsync($"{Path}?handler=Delete", page, ("integrationId", integration.Id));
        Assert.Contains("only a DEACTIVATED integration can be deleted", page.Alert, StringComparison.Ordinal);
        page = await admin.SubmitAsync($"{Path}?handler=Status", page, ("integrationId", integration.Id), ("status", "DEACTIVATED"));
        Assert.Contains($"{name} is DEACTIVATED.", page.StatusMessage, StringComparison.Ordinal);
        Assert.False(page.HasLabel($"Certificate signing request (PEM) for {name}"));
        page = await admin.SubmitAsync($"{Path}?handler=Delete", page, ("integrationId", integration.Id));
        Assert.Contains($"{name} was deleted", page.StatusMessage, StringComparison.Ordinal);
        Assert.False(await server.WithDbAsync(db => db.DeviceIntegrations.AnyAsync(i => i.Id == integration.Id)));
        Assert.Equal(1, await EventCountAsync("device.platform.delete", integration.Id));
    }

    [Fact]
    public async Task A_read_only_admin_reads_the_integrations_without_forms_and_a_forged_issue_is_403()
    {
        var integration = await server.CreateIntegrationAsync("WINDOWS");
        var integrationId = (string)integration["id"]!;
        var (_, readOnly) = await server.UserWithRoleAsync(Core.Admin.AdminRole.ReadOnlyAdmin);
        using var reader = await server.SignedInAsync(readOnly);
        var page = await reader.GetAsync(Path);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains((string)integration["name"]!, page.Html, StringComparison.Ordinal);
        Assert.Equal(0, page.PostForms);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"{Path}?handler=Issue", page, ("integrationId", integrationId), ("csr", MdmKit.Csr(key)))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"{Path}?handler=Status", page, ("integrationId", integrationId), ("status", "DEACTIVATED"))).Status);
        Assert.False(await server.WithDbAsync(db => db.DeviceCertificates.AnyAsync(c => c.IntegrationId == integrationId)));
        Assert.Equal("ACTIVE", await server.WithDbAsync(db => db.DeviceIntegrations.AsNoTracking().Where(i => i.Id == integrationId).Select(i => i.Status).SingleAsync()));
    }
}
