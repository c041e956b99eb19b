using System.Net.Http;
using Latchkey.Browser.Tests.Infrastructure;

namespace Latchkey.Browser.Tests;

/// <summary>Issue 10, the end-user dashboard: a tile per app assigned through a group, and opening it goes to the app.</summary>
public sealed class DashboardTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    /// <summary>The demo org's Bookmark app, assigned to the Engineering group (alice and bob).</summary>
    private const string DemoAppLabel = "Managed Device Check";
    private const string DemoAppUrl = "https://example.com/managed-device-check";

    [Fact]
    public async Task A_user_sees_the_tile_of_an_app_assigned_through_a_group_and_opening_it_goes_to_the_apps_url_and_is_logged()
    {
        // The app's site is answered here, so the test needs no network.
        await Context.RouteAsync(DemoAppUrl, route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200, ContentType = "text/html", Body = "<!DOCTYPE html><title>Managed Device Check</title><h1>The app</h1>",
        }));
        var alice = Server.DemoUsers["alice"];
        var aliceId = (string)(await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{Uri.EscapeDataString(alice.Login)}"))!["id"]!;
        var before = (await Server.EventsAsync("user.authentication.sso", aliceId)).Count;

        await SignInAsync(alice);
        var tile = Page.GetByRole(AriaRole.List, new() { Name = "Your apps" }).GetByRole(AriaRole.Link, new() { Name = DemoAppLabel });
        await Expect(tile).ToBeVisibleAsync();
        await tile.ClickAsync();
        await Expect(Page).ToHaveURLAsync(DemoAppUrl);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "The app" })).ToBeVisibleAsync();

        var launches = await Server.EventsAsync("user.authentication.sso", aliceId);
        Assert.Equal(before + 1, launches.Count);
        var launch = launches.OrderBy(e => (string?)e["published"]).Last();
        Assert.Equal("SUCCESS", (string?)launch["outcome"]!["result"]);
        Assert.Contains(launch["target"]!.AsArray(), t => (string?)t!["displayName"] == DemoAppLabel);
    }

    [Fact]
    public async Task A_user_without_apps_is_told_that_tiles_appear_when_an_administrator_assigns_one()
    {
        var (_, login) = await Server.CreateUserAsync();
        await SignInAsync(new Credential(login, DemoServer.Password));
        await Expect(Page.GetByText("No apps are assigned to you yet.")).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.List, new() { Name = "Your apps" })).ToHaveCountAsync(0);
    }
}
