using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using Latchkey.Browser.Tests.Infrastructure;

namespace Latchkey.Browser.Tests;

/// <summary>
/// Issue 10's walk through the console (the first screens of scenario B1): the demo admin creates a person, a group and a
/// Bookmark app, assigns the app, signs out; the person signs in, sees the tile and opens it. And a read-only admin sees
/// no action at all, while a forged post of one is refused.
/// </summary>
public sealed class ConsoleWalkTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    private const string AppUrl = "https://example.com/walk-through-check";

    [Fact]
    public async Task An_admin_creates_a_person_a_group_and_a_bookmark_app_assigns_it_and_the_person_opens_its_tile()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var login = $"walk-{suffix}@example.com";
        var groupName = $"Walkers {suffix}";
        var appLabel = $"Device Check {suffix}";
        const string password = "Stroll-Along-42!x";
        await Context.RouteAsync(AppUrl, route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200, ContentType = "text/html", Body = "<!DOCTYPE html><title>Walk</title><h1>Walk-through app</h1>",
        }));

        // The admin signs in and goes to the console.
        await SignInAsync(Server.Admin, "/admin");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        // People: add a person with a password, active at once; Groups: create one and add the person; Applications: add a
        // Bookmark app from the catalog and assign it to the group.
        await ConsoleSteps.AddPersonAsync(Page, "Walker", "Through", login, password);
        await ConsoleSteps.CreateGroupWithMemberAsync(Page, groupName, "People walking through the console", login);
        await ConsoleSteps.AddBookmarkAppForGroupAsync(Page, appLabel, AppUrl, groupName);

        // Sign out: back to the sign-in page.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).First.ClickAsync();
        await Expect(Page.GetByLabel("Username")).ToBeVisibleAsync();

        // The person signs in, sees the tile and opens it.
        await SignInAsync(new Credential(login, password));
        var tile = Page.GetByRole(AriaRole.List, new() { Name = "Your apps" }).GetByRole(AriaRole.Link, new() { Name = appLabel });
        await Expect(tile).ToBeVisibleAsync();
        await tile.ClickAsync();
        await Expect(Page).ToHaveURLAsync(AppUrl);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Walk-through app" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_read_only_admin_sees_no_action_buttons_and_a_forged_post_is_refused()
    {
        var (id, login) = await Server.CreateUserAsync("Reed", "Only");
        await Server.ApiOkAsync(HttpMethod.Post, $"/api/v1/users/{id}/roles", new JsonObject { ["type"] = "READ_ONLY_ADMIN" });
        var (victimId, _) = await Server.CreateUserAsync("Victim", "Person");

        await SignInAsync(new Credential(login, DemoServer.Password), "/admin");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        // Every console page it can read shows no form that changes anything (sign-out is the only post).
        foreach (var path in new[] { "/admin/people", $"/admin/people/{victimId}", "/admin/groups", "/admin/apps", "/admin/apps/catalog", "/admin/system-log" })
        {
            await Page.GotoAsync(path);
            var posts = Page.Locator("main form[method=post]");
            Assert.True(await posts.CountAsync() == 0, $"{path} offers a read-only admin {await posts.CountAsync()} form(s) that change something");
            await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Suspend" })).ToHaveCountAsync(0);
            await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Add person" })).ToHaveCountAsync(0);
        }

        // A forged post (the session's own antiforgery token, taken from a page it can see) is refused and changes nothing.
        await Page.GotoAsync($"/admin/people/{victimId}");
        var csrf = await Page.Locator("input[name=__csrf]").First.GetAttributeAsync("value");
        Assert.False(string.IsNullOrEmpty(csrf));
        var response = await Page.APIRequest.PostAsync(Url($"/admin/people/{victimId}?handler=Lifecycle"), new APIRequestContextOptions
        {
            Form = Context.APIRequest.CreateFormData().Set("__csrf", csrf!).Set("operation", "suspend"),
            MaxRedirects = 0,
        });
        Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
        var victim = await Server.ApiOkAsync(HttpMethod.Get, $"/api/v1/users/{victimId}");
        Assert.Equal("ACTIVE", (string?)victim!["status"]);
    }
}
