using Latchkey.Browser.Tests.Infrastructure;

namespace Latchkey.Browser.Tests;

/// <summary>Issue 10: the main pages have no serious or critical accessibility violations (axe-core).</summary>
public sealed class AccessibilityTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_sign_in_page_has_no_serious_or_critical_accessibility_violations()
    {
        await Page.GotoAsync("/");
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task The_password_step_with_an_error_shown_has_no_serious_or_critical_accessibility_violations()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, "Wr0ng-Password!"));
        await Expect(Alert).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task The_dashboard_with_an_app_tile_has_no_serious_or_critical_accessibility_violations()
    {
        await SignInAsync(Server.DemoUsers["alice"]);
        await Expect(Page.GetByRole(AriaRole.List, new() { Name = "Your apps" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task My_settings_has_no_serious_or_critical_accessibility_violations()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password), "/settings");
        await Expect(Page).ToHaveURLAsync(Url("/settings"));
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task The_console_overview_has_no_serious_or_critical_accessibility_violations()
    {
        await SignInAsync(Server.Admin, "/admin");
        await Expect(Page).ToHaveURLAsync(Url("/admin"));
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task Security_authenticators_has_no_serious_or_critical_accessibility_violations()
    {
        await SignInAsync(Server.Admin, "/admin/security/authenticators");
        await Expect(Page).ToHaveURLAsync(Url("/admin/security/authenticators"));
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Deactivate Google Authenticator" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task Devices_with_a_device_and_its_person_has_no_serious_or_critical_accessibility_violations()
    {
        // The device is registered the real way, by the authenticator app's enrollment (never by writing into the
        // server's database from here: a second writer on its SQLite file can stall every other test's sign-in).
        var (_, login) = await Server.CreateUserAsync();
        using var home = new AppHome();
        await new Latchkey.Verify.AuthenticatorApp(new Latchkey.Verify.State.VerifyHome(home.Path)).EnrollAsync(Server.BaseUrl.GetLeftPart(UriPartial.Authority), login,
            DemoServer.Password, new Latchkey.Verify.Channel.DeviceDescription("MACOS", "14.5", "Axe laptop", null, null, null), TestContext.Current.CancellationToken);
        await SignInAsync(Server.Admin, "/admin/devices");
        await Expect(Page).ToHaveURLAsync(Url("/admin/devices"));
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Suspend Axe laptop" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task Security_desktop_mfa_with_an_app_has_no_serious_or_critical_accessibility_violations()
    {
        var label = $"Axe Desktop MFA {Guid.NewGuid().ToString("N")[..6]}";
        await Server.ApiOkAsync(HttpMethod.Post, "/api/v1/apps", new System.Text.Json.Nodes.JsonObject { ["name"] = "desktop_mfa", ["label"] = label });
        await SignInAsync(Server.Admin, "/admin/security/desktop-mfa");
        await Expect(Page).ToHaveURLAsync(Url("/admin/security/desktop-mfa"));
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Rotate client secret" }).First).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    [Fact]
    public async Task Desktop_mfa_readiness_with_a_refused_recovery_pin_has_no_serious_or_critical_accessibility_violations()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(Server.Admin, "/admin/devices/desktop-mfa-readiness");
        await Expect(Page).ToHaveURLAsync(Url("/admin/devices/desktop-mfa-readiness"));
        await Page.GetByLabel("Person (username)").FillAsync(login);
        await Page.GetByLabel("Computer (name, serial number or id)").FillAsync("Axe Mac");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Generate recovery PIN" }).ClickAsync();
        await Expect(Alert).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }
}
