using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Browser.Tests.Infrastructure;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Desktop;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using OtpNet;

namespace Latchkey.Browser.Tests;

/// <summary>
/// Issue 13 item 6 in Chromium: Applications > Desktop MFA turns recovery PINs on, downloads a Desktop MFA app's configuration
/// profile (plist and JSON) and rotates its client secret; a person sets up a device access code on a computer through
/// the agent's library with the downloaded profile; Directory > Desktop MFA readiness lists them with Offline_TOTP,
/// filters by "locked out within N days" and gives the help desk a recovery PIN that the agent accepts with no network.
/// </summary>
public sealed class DesktopMfaPagesTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    private const string RecoveryPinSettings = "/device-access/api/v1/desktop-mfa/recovery-pin-settings";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ILocator Status => Page.Locator("#status");

    [Fact]
    public async Task An_admin_sets_up_desktop_mfa_in_the_console_and_the_help_desk_s_recovery_pin_works_offline()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var label = $"Desktop MFA {suffix}";
        var computerName = $"Mac {suffix}";
        var app = await Server.ApiOkAsync(HttpMethod.Post, "/api/v1/apps", new JsonObject { ["name"] = "desktop_mfa", ["label"] = label });
        var appId = (string)app!["id"]!;
        var (userId, login) = await Server.CreateUserAsync("Offline", "Walker");
        await Server.ApiOkAsync(HttpMethod.Post, $"/api/v1/apps/{appId}/users", new JsonObject { ["id"] = userId });
        var (orgSecret, activatedAt) = await CodeFactorAsync(userId);
        using var home = new AppHome();
        Directory.CreateDirectory(home.Path);
        try
        {
            // Applications > Desktop MFA: recovery PINs on, the plist profile, a new client secret, the JSON profile with it.
            await SignInAsync(Server.Admin, "/admin");
            await ConsoleSteps.Navigation(Page, "Desktop MFA").ClickAsync();
            await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Desktop MFA", Level = 1 })).ToBeVisibleAsync();
            await Page.GetByRole(AriaRole.Button, new() { Name = "Turn on recovery PINs" }).ClickAsync();
            await Expect(Status).ToContainTextAsync("Recovery PINs are on");
            await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Turn off recovery PINs" })).ToBeVisibleAsync();
            Assert.True((bool)(await Server.ApiOkAsync(HttpMethod.Get, RecoveryPinSettings))!["desktopMFARecoveryPinEnabled"]!);
            var section = Page.GetByRole(AriaRole.Region, new() { Name = label });
            await Expect(section).ToContainTextAsync(appId);
            await Expect(section.GetByRole(AriaRole.Link, new() { Name = $"People and groups of {label}" })).ToHaveAttributeAsync("href", $"/admin/apps/{appId}");
            await Accessibility.AssertNoSeriousViolationsAsync(Page);

            var plist = await DownloadAsync(home, $"Download the profile of {label} as plist", ".plist");
            var xml = await File.ReadAllTextAsync(plist, Ct);
            foreach (var key in new[] { "DMFAOrgURL", "DMFAClientID", "DMFAClientSecret", "AllowedFactors", "LoginPeriodWithOfflineFactor", "LoginPeriodWithNoOfflineFactor" })
            {
                Assert.Contains($"<key>{key}</key>", xml, StringComparison.Ordinal);
            }

            Assert.Contains("<integer>168</integer>", xml, StringComparison.Ordinal);
            var fromPlist = ProfileReader.Load(plist);
            Assert.Equal(appId, fromPlist.ClientId);
            var firstSecret = fromPlist.ClientSecret;

            var link = Page.GetByRole(AriaRole.Link, new() { Name = $"Download the profile of {label} as JSON" });
            var answer = await Context.APIRequest.GetAsync(Url((await link.GetAttributeAsync("href"))!));
            Assert.Equal(200, answer.Status);
            Assert.Equal("no-store", answer.Headers["cache-control"]);
            Assert.StartsWith("attachment", answer.Headers["content-disposition"], StringComparison.Ordinal);

            await section.GetByLabel($"Yes, replace the client secret of {label}").CheckAsync();
            await section.GetByRole(AriaRole.Button, new() { Name = "Rotate client secret" }).ClickAsync();
            await Expect(Status).ToContainTextAsync($"{label} has a new client secret");
            var newSecret = await Page.GetByLabel("Client secret (DMFAClientSecret)").InputValueAsync();
            Assert.NotEqual(firstSecret, newSecret);
            Assert.Matches("^[A-Za-z0-9_-]{43}$", newSecret);
            var json = await DownloadAsync(home, $"Download the profile of {label} as JSON", ".json");
            Assert.Equal(newSecret, ProfileReader.Load(json).ClientSecret);
            var admin = await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{Uri.EscapeDataString(Server.Admin.Login)}");
            var downloads = await Server.EventsAsync("app.oauth2.client.read_client_secret", (string)admin!["id"]!);
            Assert.True(downloads.Count(e => e.ToJsonString().Contains(appId, StringComparison.Ordinal)) >= 3);

            // The person's computer: an online sign-in with the org account's code, then a device access code set up.
            var state = Path.Combine(home.Path, "state");
            var serial = "C02" + suffix.ToUpperInvariant();
            var agent = Agent(json, state, computerName, serial);
            var step = Math.Max(activatedAt + 1, TotpVerifier.StepAt(DateTimeOffset.UtcNow, TotpPolicy.Default));
            var online = await agent.SignInWithCodeAsync(login, Code(orgSecret, step), Ct);
            var enrollment = agent.BeginOfflineEnrollment(login);
            await enrollment.RegisterAsync(online.LoginToken, Ct);
            await enrollment.ConfirmAsync(Code(enrollment.Secret, TotpVerifier.StepAt(DateTimeOffset.UtcNow, TotpPolicy.Default)), Ct);

            // Directory > Desktop MFA readiness: the person on the computer, and the filter.
            await ConsoleSteps.Navigation(Page, "Desktop MFA readiness").ClickAsync();
            var row = Page.GetByRole(AriaRole.Row).Filter(new() { HasText = login });
            await Expect(row).ToContainTextAsync(computerName);
            await Expect(row).ToContainTextAsync(serial);
            await Expect(row).ToContainTextAsync("Offline_TOTP");
            await Expect(row).ToContainTextAsync("READY");
            await Expect(row.GetByRole(AriaRole.Cell).Nth(6)).ToHaveTextAsync("Yes");
            await Page.GetByLabel("Locked out within (days)").FillAsync("1");
            await Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
            await Expect(Page).ToHaveURLAsync(new Regex("days=1"));
            await Expect(Page.GetByRole(AriaRole.Row).Filter(new() { HasText = login })).ToHaveCountAsync(0);
            await Page.GetByLabel("Locked out within (days)").FillAsync("8");
            await Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
            await Expect(Page).ToHaveURLAsync(new Regex("days=8"));
            await Expect(Page.GetByRole(AriaRole.Row).Filter(new() { HasText = login })).ToContainTextAsync("Offline_TOTP");

            // A computer that is not the person's: refused in the alert region. Theirs: the PIN, once, which the agent takes offline.
            await Page.GetByLabel("Person (username)").FillAsync(login);
            await Page.GetByLabel("Computer (name, serial number or id)").FillAsync("Someone else's Mac");
            await Page.GetByRole(AriaRole.Button, new() { Name = "Generate recovery PIN" }).ClickAsync();
            await Expect(Alert).ToContainTextAsync("has no device access code on a computer");
            await Expect(Alert).ToContainTextAsync(computerName);
            await Page.GetByLabel("Computer (name, serial number or id)").FillAsync(serial);
            await Page.GetByRole(AriaRole.Button, new() { Name = "Generate recovery PIN" }).ClickAsync();
            await Expect(Status).ToContainTextAsync($"Recovery PIN for {login}");
            var pin = (await Page.Locator("#recovery-pin").TextContentAsync())!.Trim();
            Assert.Matches("^[0-9]{8}$", pin);
            await Expect(Page.Locator("#pin-expiry")).ToContainTextAsync("Valid once");
            await Accessibility.AssertNoSeriousViolationsAsync(Page);

            var offlineProfile = JsonNode.Parse(await File.ReadAllTextAsync(json, Ct))!.AsObject();
            offlineProfile["DMFAOrgURL"] = "http://127.0.0.1:9";
            var offlineFile = Path.Combine(home.Path, "offline.json");
            await File.WriteAllTextAsync(offlineFile, offlineProfile.ToJsonString(), Ct);
            var signIn = Agent(offlineFile, state, computerName, serial).SignInWithRecoveryPin(login, pin);
            Assert.Equal(login.ToLowerInvariant(), signIn.Login);
        }
        finally
        {
            await Server.ApiOkAsync(HttpMethod.Put, RecoveryPinSettings, new JsonObject { ["desktopMFARecoveryPinEnabled"] = false });
        }
    }

    /// <summary>Clicks a download link and saves the file in <paramref name="home"/>; returns its path.</summary>
    private async Task<string> DownloadAsync(AppHome home, string linkName, string extension)
    {
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Link, new() { Name = linkName }).ClickAsync());
        Assert.EndsWith(extension, download.SuggestedFilename, StringComparison.Ordinal);
        var path = Path.Combine(home.Path, Guid.NewGuid().ToString("N") + extension);
        await download.SaveAsAsync(path);
        return path;
    }

    private static DesktopAgent Agent(string profileFile, string stateDir, string computerName, string serial)
    {
        var profile = ProfileReader.Load(profileFile);
        var state = new DesktopState(stateDir);
        var http = new HttpDesktopMfaServer(profile, new DesktopComputer(computerName, serial, "MACOS")) { Identity = state.Identity };
        return new DesktopAgent(profile, state, TimeProvider.System, http, computerName);
    }

    /// <summary>An active Google Authenticator factor of the org account; returns its secret and the step of the code that activated it.</summary>
    private async Task<(string Secret, long Step)> CodeFactorAsync(string userId)
    {
        var factor = await Server.ApiOkAsync(HttpMethod.Post, $"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "GOOGLE" });
        var secret = (string)factor!["_embedded"]!["activation"]!["sharedSecret"]!;
        var step = TotpVerifier.StepAt(DateTimeOffset.UtcNow, TotpPolicy.Default);
        await Server.ApiOkAsync(HttpMethod.Post, $"/api/v1/users/{userId}/factors/{(string)factor["id"]!}/lifecycle/activate", new JsonObject { ["passCode"] = Code(secret, step) });
        return (secret, step);
    }

    /// <summary>
    /// The code of a base32 secret at a time step. A code is accepted once: the online sign-in after the activation uses a
    /// later step (the server takes one step of drift, so the next step's code works at once, without waiting 30 seconds).
    /// </summary>
    private static string Code(string secret, long step) => TotpVerifier.Code(Base32Encoding.ToBytes(secret), step, TotpPolicy.Default);
}
