using Latchkey.Browser.Tests.Infrastructure;
using OtpNet;

namespace Latchkey.Browser.Tests;

/// <summary>
/// Issue 11 item 8 in Chromium: a demo user sets up an authenticator app in "My settings" (reads the key from the page as a
/// person types it, the code computed as an app would), sees it under "Your authenticators" and removes it; the page with
/// the QR code shown has no serious or critical accessibility violations.
/// </summary>
public sealed class SettingsTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_demo_user_sets_up_an_authenticator_app_with_a_code_sees_it_listed_and_removes_it()
    {
        await SignInAsync(Server.DemoUsers["carol"], "/settings");
        await Expect(Page).ToHaveURLAsync(Url("/settings"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();

        var qr = Page.GetByRole(AriaRole.Img, new() { Name = "QR code holding the key for your authenticator app" });
        await Expect(qr).ToBeVisibleAsync();
        Assert.StartsWith("data:image/png;base64,", await qr.GetAttributeAsync("src"), StringComparison.Ordinal);
        await Accessibility.AssertNoSeriousViolationsAsync(Page);

        var key = await Page.GetByLabel("Key to type").InputValueAsync();
        var code = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow);
        await Page.GetByLabel("Code from the app").FillAsync(code);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(Page.Locator("#status[role=status]")).ToContainTextAsync("Your authenticator app is set up");

        var authenticators = Page.GetByRole(AriaRole.Region, new() { Name = "Your authenticators" });
        await Expect(authenticators.GetByRole(AriaRole.Cell, new() { Name = "Codes (Google Authenticator)", Exact = true })).ToBeVisibleAsync();
        await Expect(Page.GetByLabel("Key to type")).ToHaveCountAsync(0);

        await authenticators.GetByRole(AriaRole.Button, new() { Name = "Remove Codes (Google Authenticator)" }).ClickAsync();
        await Expect(Page.Locator("#status[role=status]")).ToContainTextAsync("Codes (Google Authenticator) was removed.");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" })).ToBeVisibleAsync();
    }
}
