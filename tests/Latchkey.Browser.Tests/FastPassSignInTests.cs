using Latchkey.Browser.Tests.Infrastructure;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.FastPass;
using Latchkey.Verify.State;

namespace Latchkey.Browser.Tests;

/// <summary>
/// FastPass on the sign-in page, in Chromium (docs/fastpass.md): latchkey-verify's own library enrolls the device and
/// listens on a loopback port in this process, as <c>latchkey-verify listen</c> does; the page's script finds it, hands
/// it the org-signed challenge and continues to the dashboard once it answered. With no app listening, the page says
/// so plainly and the other ways stay open.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class FastPassSignInTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    private const string DeviceName = "Test laptop";

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new user whose device the app enrolled, with the org URL as the browser sees it (the page's origin).</summary>
    private async Task<(AuthenticatorApp App, AccountRecord Account, string Login)> EnrolledAsync(AppHome home)
    {
        var (_, login) = await Server.CreateUserAsync();
        var app = new AuthenticatorApp(new VerifyHome(home.Path));
        var device = new DeviceDescription("LINUX", "6.1", DeviceName, Manufacturer: null, Model: null, SerialNumber: null);
        var account = await app.EnrollAsync(Server.BaseUrl.GetLeftPart(UriPartial.Authority), login, DemoServer.Password, device, Ct);
        return (app, account, login);
    }

    [Fact]
    public async Task With_the_app_listening_Sign_in_with_FastPass_takes_the_page_to_the_dashboard_without_a_username()
    {
        using var home = new AppHome();
        var (app, _, _) = await EnrolledAsync(home);
        using var listener = LoopbackListener.Start(new FastPassDevice(app), LoopbackListener.DefaultPorts);

        await Page.GotoAsync("/");
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with FastPass" }).ClickAsync();

        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My apps", Level = 1 })).ToBeVisibleAsync();
        Assert.Contains(await Context.CookiesAsync(), c => c.Name == "sid");
    }

    [Fact]
    public async Task With_no_app_listening_the_page_says_how_to_start_it_and_the_username_stays_a_way_in()
    {
        await Page.GotoAsync("/");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with FastPass" }).ClickAsync();

        await Expect(Alert).ToContainTextAsync("Latchkey Verify is not running on this computer: start `latchkey-verify listen`");
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "sid");
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Sign in with your username instead" }).ClickAsync();
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task As_a_second_factor_the_FastPass_choice_is_answered_by_the_app_and_the_sign_in_completes()
    {
        using var home = new AppHome();
        var (app, _, login) = await EnrolledAsync(home);
        using var listener = LoopbackListener.Start(new FastPassDevice(app), LoopbackListener.DefaultPorts);

        await SignInAsync(new Credential(login, DemoServer.Password), "/?acr_values=urn:okta:loa:2fa:any");
        var choice = Page.GetByLabel($"Okta Verify – FastPass ({DeviceName})", new() { Exact = true });
        await choice.CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
    }
}
