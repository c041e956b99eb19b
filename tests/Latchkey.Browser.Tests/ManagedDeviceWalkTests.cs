using Latchkey.Browser.Tests.Infrastructure;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.FastPass;
using Latchkey.Verify.Mdm;
using Latchkey.Verify.State;

namespace Latchkey.Browser.Tests;

/// <summary>
/// A demo server of its own: this walk creates an active LINUX device integration, which every other FastPass sign-in
/// of the shared server would then be asked about.
/// </summary>
public sealed class ManagedDeviceDemoServer : DemoServer;

/// <summary>
/// SCENARIOS.md B1 in Chromium, through the console and the dashboard (docs/walkthrough-b1.md, "In the console"): the demo
/// admin builds a Bookmark app for a new person in a new group, the "Require Managed Device" policy (a rule for registered
/// and managed devices, the catch-all denying) and binds it; the person, whose device latchkey-verify's library enrolled
/// and which answers FastPass over loopback, is refused with the management condition named; the admin adds a LINUX
/// device integration and issues the certificate for the app's management key from its pasted CSR; once the app
/// installed it, the next FastPass sign-in proves management and the tile opens the bookmark. Devices says Managed, and
/// Access testing names the matched rule.
/// </summary>
[Collection(LoopbackPorts.Collection)]
public sealed class ManagedDeviceWalkTests(ManagedDeviceDemoServer server, BrowserFixture browser)
    : BrowserTest(server, browser), IClassFixture<BrowserFixture>, IClassFixture<ManagedDeviceDemoServer>
{
    private const string AppUrl = "https://example.com/require-managed-device";
    private const string Password = "Stroll-Along-42!x";

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private ILocator Navigation(string link) => ConsoleSteps.Navigation(Page, link);

    private ILocator Form(string name) => Page.GetByRole(AriaRole.Form, new() { Name = name });

    [Fact]
    public async Task B1_the_bookmark_is_denied_for_a_registered_device_naming_management_and_opens_once_the_integration_s_certificate_is_installed()
    {
        // The bookmark's site is answered here, so the test needs no network.
        await Context.RouteAsync(AppUrl, route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200, ContentType = "text/html", Body = "<!DOCTYPE html><title>Bookmark</title><h1>Behind the managed-device policy</h1>",
        }));
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var login = $"managed-{suffix}@example.com";
        var groupName = $"Managed walkers {suffix}";
        var appLabel = $"Managed Device Check {suffix}";
        var policyName = $"Require Managed Device {suffix}";

        await SignInAsync(Server.Admin, "/admin");
        await ConsoleSteps.AddPersonAsync(Page, "Managed", "Walker", login, Password);
        await ConsoleSteps.CreateGroupWithMemberAsync(Page, groupName, "People whose devices must be managed", login);
        await ConsoleSteps.AddBookmarkAppForGroupAsync(Page, appLabel, AppUrl, groupName);
        await BuildPolicyAsync(policyName, appLabel);
        await SignOutOfConsoleAsync();

        // The person's laptop: the authenticator app enrolls (Registered) and answers FastPass on the loopback port.
        using var home = new AppHome();
        var app = new AuthenticatorApp(new VerifyHome(home.Path));
        var device = new DeviceDescription("LINUX", "6.1", "Walk laptop", Manufacturer: null, Model: null, SerialNumber: null);
        await app.EnrollAsync(Server.BaseUrl.GetLeftPart(UriPartial.Authority), login, Password, device, Ct);
        using var listener = LoopbackListener.Start(new FastPassDevice(app), LoopbackListener.DefaultPorts);

        await SignInWithFastPassAsync();
        await OpenTileAsync(appLabel);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "This app is not available to you" })).ToBeVisibleAsync();
        await Expect(Alert).ToContainTextAsync("The rule \"Managed Device Allowed\" did not apply: The device is not managed");
        await Expect(Page.GetByText($"Your administrator's policy \"{policyName}\" decides who may open this app")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Test this in Access testing" })).ToHaveCountAsync(0);
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
        await Context.ClearCookiesAsync();

        // The admin adds the LINUX integration and issues the certificate for the management key's CSR (an MDM's job).
        await SignInAsync(Server.Admin, "/admin");
        await Navigation("Device Integrations").ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Device Integrations", Level = 1 })).ToBeVisibleAsync();
        await Page.GetByLabel("Integration name").FillAsync($"Our MDM {suffix}");
        await Page.GetByLabel("Platform").SelectOptionAsync("LINUX");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add integration" }).ClickAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync($"Our MDM {suffix} was added for LINUX");
        var management = new ManagementCredential(app.Home);
        var csr = management.CreateSigningRequest($"CN=walk-laptop-{suffix}", newKey: false, DateTimeOffset.UtcNow);
        await Page.GetByLabel($"Certificate signing request (PEM) for Our MDM {suffix}").FillAsync(csr);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Issue certificate" }).ClickAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync("Issued the certificate");
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
        var installed = management.Install(await Page.Locator("#issued-certificate").InputValueAsync(), DateTimeOffset.UtcNow);
        Assert.Equal($"CN=walk-laptop-{suffix}", installed.Subject);
        await SignOutOfConsoleAsync();

        // FastPass again: the challenge asks for the management proof, the app presents it, and the tile opens the bookmark.
        await SignInWithFastPassAsync();
        await OpenTileAsync(appLabel);
        await Expect(Page).ToHaveURLAsync(AppUrl);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Behind the managed-device policy" })).ToBeVisibleAsync();
        await Context.ClearCookiesAsync();

        // Directory > Devices: Registered and Managed; Security > Access testing: the rule that matched.
        await SignInAsync(Server.Admin, "/admin");
        await Navigation("Devices").ClickAsync();
        var row = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Walk laptop" });
        await Expect(row).ToContainTextAsync($"{login}: Managed");
        await Expect(row).ToContainTextAsync("ACTIVE");
        await Navigation("Access testing").ClickAsync();
        await Page.GetByLabel("User (login or id)").FillAsync(login);
        await Page.GetByLabel("App (label or id)").FillAsync(appLabel);
        await Page.GetByLabel("Device is registered").CheckAsync();
        await Page.GetByLabel("Device is managed").CheckAsync();
        await Page.GetByLabel("Platform").SelectOptionAsync("LINUX");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Run test" }).ClickAsync();
        await Expect(Page.Locator("dt:text-is('Decision') + dd")).ToHaveTextAsync("ALLOW");
        await Expect(Page.Locator("dt:text-is('Matched rule') + dd")).ToHaveTextAsync("Managed Device Allowed");
        await Expect(Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "device.managed" }).First).ToContainTextAsync("MATCH");
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    /// <summary>Security > Authentication Policies: the policy, its catch-all set to deny, "Managed Device Allowed" above it, bound to the app.</summary>
    private async Task BuildPolicyAsync(string policyName, string appLabel)
    {
        await Navigation("Authentication Policies").ClickAsync();
        await Page.GetByLabel("Policy name").FillAsync(policyName);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add policy" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = policyName, Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync("was added with its catch-all rule");

        await Page.GetByText("Edit Catch-all Rule").ClickAsync();
        await Page.GetByLabel("Access for Catch-all Rule").SelectOptionAsync(new SelectOptionValue { Label = "Denied" });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save Catch-all Rule" }).ClickAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync("The rule Catch-all Rule was saved.");

        var add = Form("Add a rule");
        await add.GetByLabel("Rule name").FillAsync("Managed Device Allowed");
        await add.GetByLabel("Anyone").CheckAsync();
        await add.GetByLabel("Registered", new() { Exact = true }).CheckAsync();
        await add.GetByLabel("Managed", new() { Exact = true }).CheckAsync();
        await add.GetByLabel("FastPass (device-bound)").CheckAsync();
        await add.GetByLabel("Every time").CheckAsync();
        await add.GetByLabel("THEN access is").SelectOptionAsync(new SelectOptionValue { Label = "Allowed" });
        await add.GetByRole(AriaRole.Button, new() { Name = "Add rule" }).ClickAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync("The rule Managed Device Allowed was added.");
        var rule = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Managed Device Allowed" });
        await Expect(rule).ToContainTextAsync("Registered");
        await Expect(rule).ToContainTextAsync("FastPass (device-bound)");

        await Page.GetByLabel("App to use this policy").SelectOptionAsync(new SelectOptionValue { Label = appLabel });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use this policy" }).ClickAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync($"{appLabel} now uses this policy.");
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    private async Task SignOutOfConsoleAsync()
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).First.ClickAsync();
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();
    }

    private async Task SignInWithFastPassAsync()
    {
        await Page.GotoAsync("/");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with FastPass" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
    }

    /// <summary>
    /// Clicks the app's tile; the policy prompts every time, so the dashboard first asks to verify (FastPass again, which
    /// also asks the device), as a person does: "Verify it's you", then "Sign in with FastPass".
    /// </summary>
    private async Task OpenTileAsync(string appLabel)
    {
        await Page.GetByRole(AriaRole.List, new() { Name = "Your apps" }).GetByRole(AriaRole.Link, new() { Name = appLabel }).ClickAsync();
        var verify = Page.GetByRole(AriaRole.Link, new() { Name = "Verify it's you" });
        await Expect(verify).ToBeVisibleAsync();
        await verify.ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with FastPass" }).ClickAsync();
    }
}
