using System.Net.Http;
using Latchkey.Browser.Tests.Infrastructure;

namespace Latchkey.Browser.Tests;

/// <summary>
/// Issue 10, the sign-in page in a real browser: keyboard-only sign-in, the generic refusal in the alert region, sign-out
/// that really ends the session, a deep link that comes back after the sign-in (and never leaves the site), and an
/// expired password replaced before any session.
/// </summary>
public sealed class SignInTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_demo_admin_signs_in_with_the_keyboard_only_and_lands_on_the_dashboard()
    {
        await Page.GotoAsync("/");
        await SignInByKeyboardAsync(Server.Admin.Login, Server.Admin.Password);
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My apps", Level = 1 })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Admin console" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_root_shows_a_signed_in_user_their_dashboard_instead_of_the_sign_in_form()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Page.GotoAsync("/");
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        await Expect(Page.GetByLabel("Username")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_wrong_password_is_announced_in_the_alert_region_with_the_same_words_as_for_a_user_who_does_not_exist()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, "Wr0ng-Password!"));
        await Expect(Alert).ToBeVisibleAsync();
        var wrongPassword = (await Alert.InnerTextAsync()).Trim();
        await Expect(Page.GetByLabel("Password", new() { Exact = true })).ToBeVisibleAsync();

        await Context.ClearCookiesAsync();
        await SignInAsync(new Credential($"nobody.{Guid.NewGuid():N}@example.com", "Wr0ng-Password!"));
        await Expect(Alert).ToBeVisibleAsync();
        var unknownUser = (await Alert.InnerTextAsync()).Trim();

        Assert.Equal(wrongPassword, unknownUser);
        Assert.NotEmpty(wrongPassword);
        foreach (var telltale in new[] { "exist", "not found", "unknown", "no such", "locked" })
        {
            Assert.DoesNotContain(telltale, wrongPassword, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Signing_out_returns_to_the_sign_in_page_and_the_old_session_cookie_no_longer_works()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        var sid = (await Context.CookiesAsync()).Single(c => c.Name == "sid");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();
        Assert.Equal("/", CurrentPath);
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "sid");

        // The cookie a thief kept from before the sign-out is worth nothing now.
        await Context.AddCookiesAsync([new Cookie { Name = sid.Name, Value = sid.Value, Domain = sid.Domain, Path = sid.Path }]);
        await Page.GotoAsync("/app/UserHome");
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();
        Assert.Equal("/", CurrentPath);
    }

    [Fact]
    public async Task A_new_password_chosen_in_my_settings_is_the_one_that_signs_in_afterwards()
    {
        const string newPassword = "N3w-Quokka-Lantern!";
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Page.GetByRole(AriaRole.Link, new() { Name = "My settings" }).ClickAsync();
        await Page.GetByLabel("Current password").FillAsync(DemoServer.Password);
        await Page.GetByLabel("New password", new() { Exact = true }).FillAsync(newPassword);
        await Page.GetByLabel("Repeat the new password").FillAsync(newPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password was changed");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Expect(Alert).ToContainTextAsync(SignInRefusal);
        await Context.ClearCookiesAsync();
        await SignInAsync(new Credential(login, newPassword));
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
    }

    [Fact]
    public async Task A_visitor_following_a_deep_link_to_the_console_signs_in_and_comes_back_to_it()
    {
        await Page.GotoAsync("/admin");
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();
        Assert.Equal("/", CurrentPath);
        Assert.Contains("fromURI=%2Fadmin", Page.Url, StringComparison.Ordinal);

        await SignInByKeyboardAsync(Server.Admin.Login, Server.Admin.Password);
        await Expect(Page).ToHaveURLAsync(Url("/admin"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("https://evil.example/steal")]
    [InlineData("/\\evil.example/steal")]
    public async Task A_return_address_on_another_site_is_ignored_and_the_sign_in_lands_on_the_dashboard(string fromUri)
    {
        var leftTheSite = false;
        await Context.RouteAsync("**/*", async route =>
        {
            if (new Uri(route.Request.Url).Host != Server.BaseUrl.Host)
            {
                leftTheSite = true;
                await route.AbortAsync();
                return;
            }

            await route.ContinueAsync();
        });

        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password), "/?fromURI=" + Uri.EscapeDataString(fromUri));
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        Assert.False(leftTheSite, "the browser was sent off the site");
    }

    [Fact]
    public async Task An_expired_password_must_be_replaced_before_the_dashboard_opens()
    {
        const string newPassword = "Fresh-Otter-Canal-7";
        var (id, login) = await Server.CreateUserAsync();
        await Server.ApiOkAsync(HttpMethod.Post, $"/api/v1/users/{id}/lifecycle/expire_password");

        await SignInAsync(new Credential(login, DemoServer.Password));
        await Expect(Page.GetByText("Your password has expired")).ToBeVisibleAsync();
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "sid");
        await Page.GetByLabel("New password", new() { Exact = true }).FillAsync(newPassword);
        await Page.GetByLabel("Repeat the new password").FillAsync(newPassword);
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));

        var user = await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{id}");
        Assert.Equal("ACTIVE", (string?)user!["status"]);
    }

    /// <summary>The page's words for any refused password (also an unknown user's).</summary>
    private const string SignInRefusal = "Unable to sign in";
}
