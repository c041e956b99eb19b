using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Applications > Desktop MFA and Directory > Desktop MFA readiness through the real HTTP pipeline (issue 13 item 6): the org
/// settings change through the API's code and event, the profile download is the API's (logged, not cached), a rotation
/// needs its confirmation and shows the new secret once; each role sees only what it may do, and a forged post is 403.
/// (The recovery PIN that works is in the browser walk, DesktopMfaPagesTests, with a computer set up by the agent.)
/// </summary>
public sealed class DesktopMfaPagesTests(ConsoleFixture server) : IClassFixture<ConsoleFixture>
{
    private const string Security = "/admin/security/desktop-mfa";
    private const string Readiness = "/admin/devices/desktop-mfa-readiness";

    private Task<int> EventCountAsync(string eventType, string targetId) => server.WithDbAsync(db =>
        db.LogEvents.AsNoTracking().CountAsync(e => e.EventType == eventType && e.Json.Contains(targetId)));

    private async Task<bool> RecoveryPinsOnAsync() =>
        (bool)(await server.Api.GetAsync("/device-access/api/v1/desktop-mfa/recovery-pin-settings")).Expect(HttpStatusCode.OK).Object["desktopMFARecoveryPinEnabled"]!;

    [Fact]
    public async Task An_admin_turns_recovery_pins_on_downloads_the_plist_profile_and_rotates_the_secret_after_confirming()
    {
        var app = await DesktopMfaKit.CreateAppAsync(server);
        var appId = ServerFixture.Id(app);
        var orgId = await server.OrgIdAsync();
        using var admin = await server.SignedInAsync(server.Admin.Login);
        var page = await admin.GetAsync(Security);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains((string)app["label"]!, page.Html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/admin/apps/{appId}\"", page.Html, StringComparison.Ordinal);
        Assert.True(page.HasButton("Turn on recovery PINs") && page.HasButton("Turn on number matching"));

        var before = await EventCountAsync("device.desktop_mfa.configuration.update", orgId);
        page = await admin.SubmitAsync($"{Security}?handler=Setting", page, ("setting", "desktopMFARecoveryPinEnabled"), ("enabled", "true"));
        try
        {
            Assert.Contains("Recovery PINs are on", page.StatusMessage, StringComparison.Ordinal);
            Assert.True(await RecoveryPinsOnAsync());
            Assert.True(page.HasButton("Turn off recovery PINs"));
            Assert.Equal(before + 1, await EventCountAsync("device.desktop_mfa.configuration.update", orgId));
            var unknown = await admin.SubmitAsync($"{Security}?handler=Setting", page, ("setting", "somethingElse"), ("enabled", "true"));
            Assert.Contains("desktopMFARecoveryPinEnabled", unknown.Alert, StringComparison.Ordinal);

            var reads = await EventCountAsync("app.oauth2.client.read_client_secret", appId);
            var plist = await admin.GetAsync($"{Security}?handler=Profile&appId={appId}&format=plist");
            Assert.Equal(HttpStatusCode.OK, plist.Status);
            Assert.Contains("no-store", plist.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
            Assert.Contains("<key>DMFAClientSecret</key>", plist.Html, StringComparison.Ordinal);
            Assert.Contains($"<string>{appId}</string>", plist.Html, StringComparison.Ordinal);
            Assert.Equal(reads + 1, await EventCountAsync("app.oauth2.client.read_client_secret", appId));
            var badFormat = await admin.GetAsync($"{Security}?handler=Profile&appId={appId}&format=xml");
            Assert.Equal(HttpStatusCode.BadRequest, badFormat.Status);
            Assert.Contains("json or plist", badFormat.Alert, StringComparison.Ordinal);
            var notDesktop = await admin.GetAsync($"{Security}?handler=Profile&appId=0oaNotAnApp&format=json");
            Assert.Equal(HttpStatusCode.BadRequest, notDesktop.Status);
            Assert.Contains("0oaNotAnApp", notDesktop.Alert, StringComparison.Ordinal);

            var hash = await server.WithDbAsync(db => db.AppClients.AsNoTracking().Where(c => c.AppId == appId).Select(c => c.SecretHash).SingleAsync());
            var unconfirmed = await admin.PostAsync($"{Security}?handler=Rotate", page, ("appId", appId));
            Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.Status);
            Assert.Contains("Tick the box", unconfirmed.Alert, StringComparison.Ordinal);
            Assert.Equal(hash, await server.WithDbAsync(db => db.AppClients.AsNoTracking().Where(c => c.AppId == appId).Select(c => c.SecretHash).SingleAsync()));
            var rotated = await admin.PostAsync($"{Security}?handler=Rotate", page, ("appId", appId), ("confirm", "yes"));
            Assert.Equal(HttpStatusCode.OK, rotated.Status);
            Assert.Contains("has a new client secret", rotated.StatusMessage, StringComparison.Ordinal);
            var secret = rotated.InputValue("new-secret");
            Assert.Matches("^[A-Za-z0-9_-]{43}$", secret);
            Assert.NotEqual(hash, await server.WithDbAsync(db => db.AppClients.AsNoTracking().Where(c => c.AppId == appId).Select(c => c.SecretHash).SingleAsync()));
            Assert.Equal(1, await EventCountAsync("app.oauth2.credentials.lifecycle.create", appId));
            var json = JsonNode.Parse((await admin.GetAsync($"{Security}?handler=Profile&appId={appId}&format=json")).Html)!;
            Assert.Equal(secret, (string)json["DMFAClientSecret"]!);
            Assert.DoesNotContain(secret!, (await admin.GetAsync(Security)).Html, StringComparison.Ordinal);

            page = await admin.SubmitAsync($"{Security}?handler=Setting", rotated, ("setting", "desktopMFARecoveryPinEnabled"), ("enabled", "false"));
            Assert.Contains("Recovery PINs are off", page.StatusMessage, StringComparison.Ordinal);
            Assert.False(await RecoveryPinsOnAsync());
        }
        finally
        {
            (await server.Api.PutAsync("/device-access/api/v1/desktop-mfa/recovery-pin-settings", new JsonObject { ["desktopMFARecoveryPinEnabled"] = false })).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_read_only_admin_reads_both_pages_without_forms_and_forged_changes_and_downloads_are_403()
    {
        var appId = ServerFixture.Id(await DesktopMfaKit.CreateAppAsync(server));
        var (_, readOnly) = await server.UserWithRoleAsync(AdminRole.ReadOnlyAdmin);
        using var reader = await server.SignedInAsync(readOnly);
        var page = await reader.GetAsync(Security);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(appId, page.Html, StringComparison.Ordinal);
        Assert.Equal(0, page.PostForms);
        Assert.DoesNotContain("handler=Profile", page.Html, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"{Security}?handler=Setting", page, ("setting", "desktopMFARecoveryPinEnabled"), ("enabled", "true"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"{Security}?handler=Rotate", page, ("appId", appId), ("confirm", "yes"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync($"{Security}?handler=Profile&appId={appId}&format=json")).Status);
        Assert.False(await RecoveryPinsOnAsync());
        Assert.Equal(0, await EventCountAsync("app.oauth2.client.read_client_secret", appId));

        var readiness = await reader.GetAsync(Readiness);
        Assert.Equal(HttpStatusCode.OK, readiness.Status);
        Assert.True(readiness.HasLabel("Locked out within (days)"));
        Assert.Equal(0, readiness.PostForms);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"{Readiness}?handler=RecoveryPin", readiness, ("Login", readOnly), ("Computer", "Mac"))).Status);
    }

    [Fact]
    public async Task The_help_desk_generates_recovery_pins_on_the_readiness_page_and_a_refusal_is_shown_in_the_alert_region()
    {
        var (_, helpDesk) = await server.UserWithRoleAsync(AdminRole.HelpDeskAdmin);
        var (_, person) = await server.UserWithRoleAsync(null);
        using var desk = await server.SignedInAsync(helpDesk);
        Assert.Equal(HttpStatusCode.Forbidden, (await desk.GetAsync(Security)).Status);

        var page = await desk.GetAsync(Readiness);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.True(page.HasLabel("Person (username)") && page.HasLabel("Computer (name, serial number or id)"));
        var off = await desk.PostAsync($"{Readiness}?handler=RecoveryPin", page, ("Login", person), ("Computer", "Help Mac"));
        Assert.Equal(HttpStatusCode.BadRequest, off.Status);
        Assert.Contains("Recovery PINs are turned off", off.Alert, StringComparison.Ordinal);
        Assert.Equal(person, off.Field("Login"));
        var nobody = await desk.PostAsync($"{Readiness}?handler=RecoveryPin", page, ("Login", "nobody@example.com"), ("Computer", "Help Mac"));
        Assert.Equal(HttpStatusCode.BadRequest, nobody.Status);
        Assert.NotEmpty(nobody.Alert);

        var badDays = await desk.GetAsync($"{Readiness}?days=soon");
        Assert.Equal(HttpStatusCode.OK, badDays.Status);
        Assert.Contains("a whole number of days", badDays.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_devices_page_lists_each_computer_with_its_device_access_codes_and_the_search_finds_it_by_serial()
    {
        var appId = ServerFixture.Id(await DesktopMfaKit.CreateAppAsync(server));
        var (_, userId) = await DesktopMfaKit.AssignedUserAsync(server, appId);
        var serial = "C02" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        // The rows an agent's online sign-in and a confirmed device access code leave (the protocol is tested elsewhere).
        await server.WithDbAsync(async db =>
        {
            var orgId = await db.Apps.Where(a => a.Id == appId).Select(a => a.OrgId).FirstAsync();
            var now = Latchkey.Core.Time.IsoTime.Truncate(DateTimeOffset.UtcNow);
            var computer = new DesktopMfaComputerEntity
            {
                Id = Latchkey.Core.Security.RandomIds.NewId(Latchkey.Core.Ids.IdPrefix.DesktopMfaComputer, now), OrgId = orgId, AppId = appId,
                AgentId = "cmp" + serial, Name = "Page Mac", SerialNumber = serial, Platform = "MACOS", Created = now, LastSeen = now,
            };
            db.DesktopMfaComputers.Add(computer);
            db.DesktopMfaEnrollments.Add(new DesktopMfaEnrollmentEntity
            {
                Id = Latchkey.Core.Security.RandomIds.NewId(Latchkey.Core.Ids.IdPrefix.DesktopMfaEnrollment, now), OrgId = orgId, AppId = appId, UserId = userId,
                ComputerName = "Page Mac", SerialNumber = serial, ComputerId = computer.Id, SealedSecret = "", Status = "ACTIVE", Created = now, Activated = now,
            });
            return await db.SaveChangesAsync();
        });

        using var admin = await server.SignedInAsync(server.Admin.Login);
        var page = await admin.GetAsync("/admin/devices");
        var found = await admin.GetAsync($"/admin/devices?q={serial}");
        var other = await admin.GetAsync("/admin/devices?q=NoSuchComputer");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Computers with Desktop MFA", page.Html, StringComparison.Ordinal);
        Assert.Contains($"Page Mac ({serial})", page.Html, StringComparison.Ordinal);
        Assert.Contains($"Device access code {serial}", found.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(serial, other.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_admin_finds_desktop_mfa_under_applications_downloads_the_profile_and_does_not_see_the_org_settings()
    {
        var appId = ServerFixture.Id(await DesktopMfaKit.CreateAppAsync(server));
        var (_, appAdmin) = await server.UserWithRoleAsync(AdminRole.AppAdmin);
        using var console = await server.SignedInAsync(appAdmin);

        var page = await console.GetAsync(Security);
        var profile = await console.GetAsync($"{Security}?handler=Profile&appId={appId}&format=json");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(appId, page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Org settings", page.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, profile.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await console.PostAsync($"{Security}?handler=Setting", page, ("setting", "desktopMFARecoveryPinEnabled"), ("enabled", "true"))).Status);
    }
}
