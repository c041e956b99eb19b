using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;
using Latchkey.Browser.Tests.Infrastructure;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;
using OtpNet;

namespace Latchkey.Browser.Tests;

/// <summary>
/// The sign-in page's set-up steps, in Chromium: a user asked for a second factor (<c>?acr_values=urn:okta:loa:2fa:any</c>)
/// who has none sets one up right there, with a security key (the browser's virtual authenticator), the authenticator app
/// (enrolled with the page's activation command by latchkey-verify's own library) or codes (the page's key, Otp.NET),
/// is signed in when it is done, and is offered that factor at the next such sign-in.
/// </summary>
public sealed partial class EnrollAtSignInTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    private const string TwoFactorSignIn = "/?acr_values=urn:okta:loa:2fa:any";
    private const string DeviceName = "Test phone";
    private const string AppOption = "Okta Verify: the authenticator app (push and codes)";
    private const string CodesOption = "Google Authenticator: codes from an authenticator app";
    private const string KeyOption = "Security Key or Biometric: a security key";

    [Fact]
    public async Task A_security_key_set_up_at_sign_in_signs_in_and_is_offered_at_the_next_sign_in()
    {
        await AddVirtualSecurityKeyAsync(residentKey: true);
        var (userId, login) = await AtTheSetUpChoiceAsync();

        await SetUpAsync(KeyOption);
        var setUp = Page.GetByRole(AriaRole.Button, new() { Name = "Set up my security key" });
        await Expect(setUp).ToBeFocusedAsync();
        await setUp.ClickAsync();
        await AtTheDashboardAsync();
        var factor = Assert.Single((await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{userId}/factors"))!.AsArray())!;
        Assert.Equal("webauthn", (string?)factor["factorType"]);
        Assert.Equal("ACTIVE", (string?)factor["status"]);

        await SignOutAsync();
        await SignInAsync(new Credential(login, DemoServer.Password), TwoFactorSignIn);
        await Page.GetByLabel("Security Key or Biometric: use a security key").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use my security key" }).ClickAsync();
        await AtTheDashboardAsync();
    }

    [Fact]
    public async Task The_authenticator_app_set_up_with_the_command_on_the_page_signs_in_by_itself_and_then_answers_a_push()
    {
        using var home = new AppHome();
        var (_, login) = await AtTheSetUpChoiceAsync();
        await SetUpAsync(AppOption);
        var command = (await Page.Locator("#enroll-command").InnerTextAsync()).Trim();
        // One button copies the whole command, as the page shows it.
        await Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Copy the command" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The command was copied.");
        Assert.Equal(command, (await Page.EvaluateAsync<string>("navigator.clipboard.readText()")).Trim());
        var link = ActivationCommand().Match(command) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no link in: {command}");

        var app = new AuthenticatorApp(new VerifyHome(home.Path));
        var device = new DeviceDescription("LINUX", "6.1", DeviceName, Manufacturer: null, Model: null, SerialNumber: null);
        var account = await app.EnrollWithLinkAsync(link, device, Ct);
        // Nobody touches the page: its script sees the app enrolled and finishes the sign-in.
        await AtTheDashboardAsync();

        await SignOutAsync();
        await SignInAsync(new Credential(login, DemoServer.Password), TwoFactorSignIn);
        await Page.GetByLabel($"Okta Verify: get a push notification ({DeviceName})", new() { Exact = true }).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        var shown = Page.Locator("#push-number");
        await Expect(shown).ToHaveTextAsync(new Regex(@"^\s*[1-9][0-9]\s*$"));
        var number = int.Parse((await shown.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);
        var push = Assert.Single(await app.PendingAsync(account, waitSeconds: 20, Ct));
        Assert.Equal("SUCCESS", await app.AnswerAsync(account, push, approve: true, number, Ct));
        await AtTheDashboardAsync();
    }

    [Fact]
    public async Task Codes_set_up_at_sign_in_refuse_a_wrong_code_keeping_the_key_and_sign_in_with_the_right_one()
    {
        await AtTheSetUpChoiceAsync();
        await SetUpAsync(CodesOption);
        var secret = await SharedSecretAsync();
        await Expect(Page.GetByRole(AriaRole.Img, new() { Name = "QR code to set up Google Authenticator" })).ToBeVisibleAsync();

        await Page.GetByLabel("Code from the app").FillAsync(WrongCode(secret));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify and sign in" }).ClickAsync();
        await Expect(Alert).ToBeVisibleAsync();
        await Expect(Alert).Not.ToBeEmptyAsync();
        await Expect(Page.GetByRole(AriaRole.Img, new() { Name = "QR code to set up Google Authenticator" })).ToBeVisibleAsync();
        Assert.Equal(secret, await SharedSecretAsync());
        Assert.NotEqual("/app/UserHome", CurrentPath);

        await Page.GetByLabel("Code from the app").FillAsync(Code(secret));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify and sign in" }).ClickAsync();
        await AtTheDashboardAsync();
    }

    [Fact]
    public async Task Codes_are_set_up_at_sign_in_with_the_keyboard_alone()
    {
        var (_, login) = await Server.CreateUserAsync();
        await Page.GotoAsync(TwoFactorSignIn);
        await SignInByKeyboardAsync(login, DemoServer.Password);

        // The first option has the focus and is chosen; the arrow keys move the choice, Enter sends it.
        var first = Page.GetByLabel(AppOption);
        await Expect(first).ToBeFocusedAsync();
        await Expect(first).ToBeCheckedAsync();
        await Page.Keyboard.PressAsync("ArrowDown");
        await Expect(Page.GetByLabel(CodesOption)).ToBeCheckedAsync();
        await Page.Keyboard.PressAsync("Enter");

        var secret = await SharedSecretAsync();
        await Expect(Page.GetByLabel("Code from the app")).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(Code(secret));
        await Page.Keyboard.PressAsync("Enter");
        await AtTheDashboardAsync();
    }

    [Fact]
    public async Task The_set_up_steps_have_no_serious_or_critical_accessibility_violations()
    {
        await AtTheSetUpChoiceAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);

        await SetUpAsync(CodesOption);
        await SharedSecretAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);

        // From one set-up to another: the app's step, with its QR code and command.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Okta Verify" }).ClickAsync();
        await Expect(Page.Locator("#enroll-command")).ToContainTextAsync("latchkey-verify enroll --link");
        await Expect(Page.GetByRole(AriaRole.Img, new() { Name = "QR code with the activation link" })).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new user (no second factor) signed in with the password where a second factor is asked for: the page offers what to set up.</summary>
    private async Task<(string UserId, string Login)> AtTheSetUpChoiceAsync()
    {
        var user = await Server.CreateUserAsync();
        await SignInAsync(new Credential(user.Login, DemoServer.Password), TwoFactorSignIn);
        await Expect(Page.GetByRole(AriaRole.Group, new() { Name = "This sign-in needs a second factor. Set one up" })).ToBeVisibleAsync();
        return user;
    }

    private async Task SetUpAsync(string option)
    {
        await Page.GetByLabel(option).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Set up", Exact = true }).ClickAsync();
    }

    private async Task<string> SharedSecretAsync()
    {
        var shown = Page.Locator("#shared-secret");
        await Expect(shown).ToHaveTextAsync(new Regex(@"^\s*[A-Z2-7 ]{16,}\s*$"));
        return (await shown.InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal).Trim();
    }

    private static string Code(string secret) => new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow);

    /// <summary>A six-digit code that is none of the codes around now (the server accepts the next and previous ones too).</summary>
    private static string WrongCode(string secret)
    {
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        var near = new[] { -60, -30, 0, 30, 60 }.Select(s => totp.ComputeTotp(DateTime.UtcNow.AddSeconds(s))).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !near.Contains(c));
    }

    private async Task AtTheDashboardAsync()
    {
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My apps", Level = 1 })).ToBeVisibleAsync();
    }

    private async Task SignOutAsync()
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();
    }

    [GeneratedRegex(@"--link '([^']+)'")]
    private static partial Regex ActivationCommand();
}
