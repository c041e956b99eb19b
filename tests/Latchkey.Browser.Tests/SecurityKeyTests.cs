using System.Net.Http;
using System.Text.Json;
using Latchkey.Browser.Tests.Infrastructure;

namespace Latchkey.Browser.Tests;

/// <summary>
/// Issue 11 item 8, in Chromium: a person registers a security key on My settings with the browser's WebAuthn (a CDP
/// virtual authenticator: CTAP2 over USB, with user verification), sees it listed, and removes it; the Factors API
/// shows the key as the person's active <c>webauthn</c> factor in between.
/// </summary>
public sealed class SecurityKeyTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_user_registers_a_security_key_in_the_browser_sees_it_listed_and_removes_it()
    {
        var (cdp, authenticatorId) = await AddVirtualSecurityKeyAsync(residentKey: true);

        var (userId, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Page.GotoAsync("/settings");
        var section = Page.GetByRole(AriaRole.Region, new() { Name = "Security keys" });
        await Expect(section.GetByText("No security key is registered.")).ToBeVisibleAsync();

        await section.GetByLabel("Name for the new key").FillAsync("Desk key");
        await section.GetByRole(AriaRole.Button, new() { Name = "Register a security key" }).ClickAsync();
        var row = section.GetByRole(AriaRole.Row).Filter(new() { HasText = "Desk key" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Security key");

        // The browser's authenticator holds the credential the server registered.
        var held = await cdp.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = authenticatorId });
        var credentialId = held!.Value.GetProperty("credentials")[0].GetProperty("credentialId").GetString()!;
        var factors = (await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{userId}/factors"))!.AsArray();
        var factor = Assert.Single(factors)!;
        Assert.Equal("webauthn", (string?)factor["factorType"]);
        Assert.Equal("ACTIVE", (string?)factor["status"]);
        Assert.Equal("Desk key", (string?)factor["profile"]!["authenticatorName"]);
        Assert.Equal(Base64Url(credentialId), (string?)factor["profile"]!["credentialId"]);

        // Chromium's authenticator attested with the packed format (checked by the server), and verified the user.
        using var keys = JsonDocument.Parse(await Page.EvaluateAsync<string>("fetch('/idp/webauthn/credentials').then(r => r.text())"));
        var key = keys.RootElement[0];
        Assert.Equal("packed", key.GetProperty("attestationFormat").GetString());
        Assert.True(key.GetProperty("userVerified").GetBoolean());
        Assert.Equal("usb", key.GetProperty("transports")[0].GetString());

        await row.GetByRole(AriaRole.Button, new() { Name = "Remove Desk key" }).ClickAsync();
        await Expect(section.GetByText("No security key is registered.")).ToBeVisibleAsync();
        Assert.Empty((await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{userId}/factors"))!.AsArray());
    }

    [Fact]
    public async Task A_sign_in_that_asks_for_a_second_factor_is_finished_with_the_security_key_in_the_browser()
    {
        await AddVirtualSecurityKeyAsync(residentKey: false);
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Page.GotoAsync("/settings");
        var section = Page.GetByRole(AriaRole.Region, new() { Name = "Security keys" });
        await section.GetByLabel("Name for the new key").FillAsync("Desk key");
        await section.GetByRole(AriaRole.Button, new() { Name = "Register a security key" }).ClickAsync();
        await Expect(section.GetByRole(AriaRole.Row).Filter(new() { HasText = "Desk key" })).ToBeVisibleAsync();
        await Context.ClearCookiesAsync();

        await SignInAsync(new Credential(login, DemoServer.Password), "/?acr_values=urn:okta:loa:2fa:any");
        await Page.GetByLabel("Security Key or Biometric: use a security key").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use my security key" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My apps", Level = 1 })).ToBeVisibleAsync();
    }

    /// <summary>CDP gives the credential id in base64; the server's profile has it in base64url.</summary>
    private static string Base64Url(string base64) => base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
