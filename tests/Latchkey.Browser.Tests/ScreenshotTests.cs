using Latchkey.Browser.Tests.Infrastructure;

namespace Latchkey.Browser.Tests;

/// <summary>A demo server of its own, untouched by the other tests, so the pictures show the demo org as a newcomer sees it.</summary>
public sealed class FreshDemoServer : DemoServer;

/// <summary>
/// The README's screenshots (<c>docs/screenshots/</c>): the sign-in page, the dashboard, my settings and the console's
/// overview and each console section, each taken once the page shows what a newcomer should see on it.
/// </summary>
public sealed class ScreenshotTests(FreshDemoServer server, BrowserFixture browser)
    : BrowserTest(server, browser), IClassFixture<BrowserFixture>, IClassFixture<FreshDemoServer>
{
    [Fact]
    public async Task The_sign_in_page_dashboard_settings_and_console_pages_are_saved_as_screenshots()
    {
        await Page.GotoAsync("/");
        await Expect(Page.GetByLabel("Username")).ToBeFocusedAsync();
        AssertSaved(await Screenshots.SaveAsync(Page, "sign-in"));

        await SignInAsync(Server.DemoUsers["alice"]);
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Managed Device Check" })).ToBeVisibleAsync();
        AssertSaved(await Screenshots.SaveAsync(Page, "dashboard"));

        await Page.GetByRole(AriaRole.Link, new() { Name = "My settings" }).ClickAsync();
        await Expect(Page.GetByLabel("Current password")).ToBeVisibleAsync();
        AssertSaved(await Screenshots.SaveAsync(Page, "settings"));

        await Context.ClearCookiesAsync();
        await SignInAsync(Server.Admin, "/admin");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        AssertSaved(await Screenshots.SaveAsync(Page, "admin-overview"));

        // Each console section as a newcomer first sees it on the demo org.
        foreach (var (path, name, shows) in new[]
        {
            ("/admin/people", "admin-people", "Add person"),
            ("/admin/groups", "admin-groups", "Create group"),
            ("/admin/apps", "admin-apps", "Browse app catalog"),
            ("/admin/apps/catalog", "admin-app-catalog", "Add app"),
            ("/admin/api-tokens", "admin-api-tokens", "Create token"),
            ("/admin/system-log", "admin-system-log", "Search"),
        })
        {
            await Page.GotoAsync(path);
            await Expect(Page.GetByText(shows, new() { Exact = true }).First).ToBeVisibleAsync();
            AssertSaved(await Screenshots.SaveAsync(Page, name));
        }
    }

    private static void AssertSaved(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5_000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
