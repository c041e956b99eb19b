using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md sections 0.8 and 4: Bookmark apps, their lifecycle and assignments.</summary>
public sealed class AppsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static string Q(string expression) => ServerFixture.Encode(expression);

    [Fact]
    public async Task A_bookmark_app_is_created_active_with_its_settings_and_the_defaults_echoed()
    {
        var label = "Wiki " + ServerFixture.Unique();
        var app = (await Api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody(label, "https://example.com/wiki"))).Expect(HttpStatusCode.OK).Object;
        Wire.AssertId(ServerFixture.Id(app), "0oa");
        Assert.Equal("bookmark", (string?)app["name"]);
        Assert.Equal(label, (string?)app["label"]);
        Assert.Equal("ACTIVE", (string?)app["status"]);
        Assert.Equal("BOOKMARK", (string?)app["signOnMode"]);
        Assert.Equal("https://example.com/wiki", (string?)app["settings"]!["app"]!["url"]);
        Assert.False((bool)app["settings"]!["app"]!["requestIntegration"]!);
        Assert.True((bool)app["visibility"]!["appLinks"]!["login"]!);
        Assert.False((bool)app["visibility"]!["autoLaunch"]!);
        Assert.False((bool)app["visibility"]!["hide"]!["iOS"]!);
        Assert.False((bool)app["visibility"]!["hide"]!["web"]!);
        Assert.False((bool)app["accessibility"]!["selfService"]!);
        Assert.Equal("${source.login}", (string?)app["credentials"]!["userNameTemplate"]!["template"]);
        Assert.Equal("BUILT_IN", (string?)app["credentials"]!["userNameTemplate"]!["type"]);
        Wire.AssertDate(app["created"], "created");
        Wire.AssertSelf(app, Api.BaseAddress, $"/api/v1/apps/{ServerFixture.Id(app)}");
    }

    [Fact]
    public async Task Request_integration_defaults_to_false_when_omitted()
    {
        var body = ServerFixture.BookmarkBody();
        body["settings"]!["app"]!.AsObject().Remove("requestIntegration");
        var app = (await Api.PostAsync("/api/v1/apps", body)).Expect(HttpStatusCode.OK).Object;
        Assert.False((bool)app["settings"]!["app"]!["requestIntegration"]!);
    }

    [Fact]
    public async Task A_bookmark_app_links_to_its_access_policy_and_its_login_app_link()
    {
        var app = await server.CreateBookmarkAppAsync();
        var id = ServerFixture.Id(app);
        var policyHref = (string)app["_links"]!["accessPolicy"]!["href"]!;
        Assert.True(Uri.TryCreate(policyHref, UriKind.Absolute, out var policyUri), policyHref);
        Assert.StartsWith("/api/v1/policies/", policyUri.AbsolutePath, StringComparison.Ordinal);
        Wire.AssertId(policyUri.Segments[^1], "rst");

        var appLink = app["_links"]!["appLinks"]!.AsArray()[0]!;
        Assert.Equal("login", (string?)appLink["name"]);
        Assert.Equal("text/html", (string?)appLink["type"]);
        var href = (string)appLink["href"]!;
        Assert.True(Uri.TryCreate(href, UriKind.Absolute, out var linkUri), href);
        Assert.StartsWith($"/home/bookmark/{id}/", linkUri.AbsolutePath, StringComparison.Ordinal);

        var second = await server.CreateBookmarkAppAsync();
        Assert.Equal(policyHref, (string?)second["_links"]!["accessPolicy"]!["href"]);
    }

    [Fact]
    public async Task A_bookmark_app_without_a_url_is_refused_with_E0000001_naming_url()
    {
        var body = ServerFixture.BookmarkBody();
        body["settings"]!["app"]!.AsObject().Remove("url");
        var error = (await Api.PostAsync("/api/v1/apps", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: url", (string?)error["errorSummary"]);
        Assert.Contains(ApiResponse.Causes(error), c => c.StartsWith("url: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bookmark_app_without_settings_is_refused_naming_url()
    {
        var body = ServerFixture.BookmarkBody();
        body.Remove("settings");
        var error = (await Api.PostAsync("/api/v1/apps", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("url", (string?)error["errorSummary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_created_with_activate_false_is_inactive()
    {
        var app = (await Api.PostAsync("/api/v1/apps?activate=false", ServerFixture.BookmarkBody())).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("INACTIVE", (string?)app["status"]);
        Assert.NotNull(app["_links"]!["activate"]);
    }

    [Fact]
    public async Task Deleting_an_active_app_is_403_E0000056_and_after_deactivation_it_is_removed()
    {
        var id = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var error = (await Api.DeleteAsync($"/api/v1/apps/{id}")).ExpectError(HttpStatusCode.Forbidden, "E0000056");
        Assert.Equal("Delete application forbidden.", (string?)error["errorSummary"]);
        Assert.Equal(["The application must be deactivated before deletion."], ApiResponse.Causes(error));
        Assert.Equal("ACTIVE", (string?)(await Api.GetAsync($"/api/v1/apps/{id}")).Expect(HttpStatusCode.OK).Object["status"]);

        (await Api.PostAsync($"/api/v1/apps/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        Assert.Equal("INACTIVE", (string?)(await Api.GetAsync($"/api/v1/apps/{id}")).Object["status"]);
        (await Api.DeleteAsync($"/api/v1/apps/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/apps/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Activating_an_inactive_app_makes_it_active()
    {
        var id = ServerFixture.Id((await Api.PostAsync("/api/v1/apps?activate=false", ServerFixture.BookmarkBody())).Expect(HttpStatusCode.OK).Object);
        (await Api.PostAsync($"/api/v1/apps/{id}/lifecycle/activate")).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", (string?)(await Api.GetAsync($"/api/v1/apps/{id}")).Object["status"]);
    }

    [Fact]
    public async Task Replacing_an_app_changes_its_label_and_settings()
    {
        var app = await server.CreateBookmarkAppAsync();
        var id = ServerFixture.Id(app);
        var body = ServerFixture.BookmarkBody("Renamed " + ServerFixture.Unique(), "https://example.com/new");
        var replaced = (await Api.PutAsync($"/api/v1/apps/{id}", body)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)body["label"], (string?)replaced["label"]);
        Assert.Equal("https://example.com/new", (string?)replaced["settings"]!["app"]!["url"]);
        Assert.Equal((string?)app["created"], (string?)replaced["created"]);
    }

    [Fact]
    public async Task Assigning_a_user_directly_answers_an_app_user_with_scope_user()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var user = await server.CreateUserAsync();
        var userId = ServerFixture.Id(user);
        var assigned = (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = userId })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(userId, ServerFixture.Id(assigned));
        Assert.Equal("USER", (string?)assigned["scope"]);
        Assert.Equal((string?)user["profile"]!["login"], (string?)assigned["credentials"]!["userName"]);
        Assert.EndsWith($"/api/v1/apps/{app}", (string?)assigned["_links"]!["app"]!["href"], StringComparison.Ordinal);
        Assert.EndsWith($"/api/v1/users/{userId}", (string?)assigned["_links"]!["user"]!["href"], StringComparison.Ordinal);

        var read = (await Api.GetAsync($"/api/v1/apps/{app}/users/{userId}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("USER", (string?)read["scope"]);
        var listed = (await Api.GetAsync($"/api/v1/apps/{app}/users")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([userId], listed.Select(u => ServerFixture.Id(u!)));
    }

    [Fact]
    public async Task Unassigning_a_direct_user_removes_the_assignment()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = user, ["scope"] = "USER" })).Expect(HttpStatusCode.OK);
        (await Api.DeleteAsync($"/api/v1/apps/{app}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/apps/{app}/users/{user}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Group_assignments_get_the_next_priority_starting_at_zero()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var first = ServerFixture.Id(await server.CreateGroupAsync());
        var second = ServerFixture.Id(await server.CreateGroupAsync());
        var third = ServerFixture.Id(await server.CreateGroupAsync());
        var a = (await Api.PutAsync($"/api/v1/apps/{app}/groups/{first}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(first, ServerFixture.Id(a));
        Assert.Equal(0, (int)a["priority"]!);
        var b = (await Api.PutAsync($"/api/v1/apps/{app}/groups/{second}", new JsonObject())).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(1, (int)b["priority"]!);
        var c = (await Api.PutAsync($"/api/v1/apps/{app}/groups/{third}", new JsonObject { ["priority"] = 7 })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(7, (int)c["priority"]!);
        Assert.EndsWith($"/api/v1/groups/{first}", (string?)a["_links"]!["group"]!["href"], StringComparison.Ordinal);

        var listed = (await Api.GetAsync($"/api/v1/apps/{app}/groups")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(new[] { first, second, third }.Order(StringComparer.Ordinal), listed.Select(g => ServerFixture.Id(g!)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_member_of_an_assigned_group_is_an_app_user_with_scope_group()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var member = ServerFixture.Id(await server.CreateUserAsync());
        var outsider = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{member}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);

        var listed = (await Api.GetAsync($"/api/v1/apps/{app}/users")).Expect(HttpStatusCode.OK).Array;
        var appUser = Assert.Single(listed)!;
        Assert.Equal(member, ServerFixture.Id(appUser));
        Assert.Equal("GROUP", (string?)appUser["scope"]);

        var read = (await Api.GetAsync($"/api/v1/apps/{app}/users/{member}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("GROUP", (string?)read["scope"]);
        Assert.EndsWith($"/api/v1/groups/{group}", (string?)read["_links"]!["group"]!["href"], StringComparison.Ordinal);
        (await Api.GetAsync($"/api/v1/apps/{app}/users/{outsider}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task A_group_member_assigned_directly_as_well_shows_once_with_scope_user()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = user })).Expect(HttpStatusCode.OK);
        var listed = (await Api.GetAsync($"/api/v1/apps/{app}/users")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal("USER", (string?)Assert.Single(listed)!["scope"]);
    }

    [Fact]
    public async Task Listing_apps_for_a_user_returns_direct_and_group_assignments_with_the_embedded_user()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var direct = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var viaGroup = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var unrelated = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PostAsync($"/api/v1/apps/{direct}/users", new JsonObject { ["id"] = user })).Expect(HttpStatusCode.OK);
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/apps/{viaGroup}/groups/{group}")).Expect(HttpStatusCode.OK);

        var pages = await Api.GetAllPagesAsync($"/api/v1/apps?filter={Q($"user.id eq \"{user}\"")}&expand=user/{user}");
        var apps = pages.SelectMany(p => p.Array).Select(a => a!.AsObject()).ToList();
        Assert.Equal(new[] { direct, viaGroup }.Order(StringComparer.Ordinal), apps.Select(ServerFixture.Id).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(unrelated, apps.Select(ServerFixture.Id));
        foreach (var app in apps)
        {
            var embedded = app["_embedded"]?["user"];
            Assert.True(embedded is not null, $"no _embedded.user: {ApiResponse.Compact(app)}");
            Assert.Equal(user, ServerFixture.Id(embedded));
            Assert.Equal(ServerFixture.Id(app) == direct ? "USER" : "GROUP", (string?)embedded["scope"]);
        }
    }

    [Fact]
    public async Task Apps_list_with_q_finds_by_label_prefix_and_pages_with_limit()
    {
        var prefix = "Qa" + ServerFixture.Unique();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(ServerFixture.Id(await server.CreateBookmarkAppAsync($"{prefix} {i}")));
        }

        var pages = await Api.GetAllPagesAsync($"/api/v1/apps?q={prefix.ToLowerInvariant()}&limit=2");
        Assert.Equal([2, 1], pages.Select(p => p.Array.Count));
        Assert.Equal(ids.Order(StringComparer.Ordinal), pages.SelectMany(p => p.Array).Select(a => ServerFixture.Id(a!)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Group_apps_lists_the_apps_assigned_to_the_group()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        var apps = (await Api.GetAsync($"/api/v1/groups/{group}/apps")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([app], apps.Select(a => ServerFixture.Id(a!)));
    }

    [Fact]
    public async Task The_app_list_defaults_to_twenty_per_page()
    {
        for (var i = 0; i < 21; i++)
        {
            await server.CreateBookmarkAppAsync();
        }

        var first = (await Api.GetAsync("/api/v1/apps")).Expect(HttpStatusCode.OK);
        Assert.Equal(20, first.Array.Count);
        Assert.NotNull(first.Next);
    }

    [Fact]
    public async Task Assigning_an_unknown_user_or_to_an_unknown_app_is_404()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = "00uNoSuchUser0000000" })).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.PostAsync("/api/v1/apps/0oaNoSuchApp00000000/users", new JsonObject { ["id"] = user })).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/00gNoSuchGroup000000")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Reassigning_a_group_keeps_its_priority()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        Assert.Equal(0, (int)(await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK).Object["priority"]!);
        Assert.Equal(0, (int)(await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK).Object["priority"]!);
        Assert.Single((await Api.GetAsync($"/api/v1/apps/{app}/groups")).Expect(HttpStatusCode.OK).Array);
    }

    [Fact]
    public async Task App_group_assignments_page_together_with_q()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var prefix = "Ag" + ServerFixture.Unique();
        var matching = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var group = ServerFixture.Id(await server.CreateGroupAsync($"{prefix} {i}"));
            matching.Add(group);
            (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        }

        var other = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{other}")).Expect(HttpStatusCode.OK);

        var pages = await Api.GetAllPagesAsync($"/api/v1/apps/{app}/groups?q={prefix.ToLowerInvariant()}&limit=2");
        Assert.Equal([2, 1], pages.Select(p => p.Array.Count));
        Assert.Contains($"q={prefix.ToLowerInvariant()}", pages[0].Next!, StringComparison.Ordinal);
        Assert.Equal(matching.Order(StringComparer.Ordinal), pages.SelectMany(p => p.Array).Select(g => ServerFixture.Id(g!)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task App_users_q_is_a_case_insensitive_prefix_of_first_name_last_name_or_email_and_pages()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var prefix = "Qa" + ServerFixture.Unique(6);
        var matching = new List<string>
        {
            ServerFixture.Id(await server.CreateUserAsync(firstName: prefix + "first")),
            ServerFixture.Id(await server.CreateUserAsync(lastName: prefix + "last")),
            ServerFixture.Id(await server.CreateUserAsync(login: $"{prefix.ToLowerInvariant()}.mail@example.com")),
        };
        var other = ServerFixture.Id(await server.CreateUserAsync(firstName: "Other" + prefix));
        foreach (var user in matching.Append(other))
        {
            (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = user })).Expect(HttpStatusCode.OK);
        }

        var pages = await Api.GetAllPagesAsync($"/api/v1/apps/{app}/users?q={prefix.ToUpperInvariant()}&limit=2");
        Assert.Equal([2, 1], pages.Select(p => p.Array.Count));
        Assert.Contains($"q={prefix.ToUpperInvariant()}", pages[0].Next!, StringComparison.Ordinal);
        Assert.Equal(matching.Order(StringComparer.Ordinal), pages.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task App_users_q_matches_the_app_user_name_a_direct_assignment_gives_and_the_login_of_a_group_member()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var prefix = "qn" + ServerFixture.Unique(6);
        var renamed = ServerFixture.Id(await server.CreateUserAsync(login: $"{prefix}.renamed@example.com"));
        (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject
        {
            ["id"] = renamed, ["credentials"] = new JsonObject { ["userName"] = "someone.else@example.com" },
        })).Expect(HttpStatusCode.OK);
        var direct = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject
        {
            ["id"] = direct, ["credentials"] = new JsonObject { ["userName"] = $"{prefix}.direct" },
        })).Expect(HttpStatusCode.OK);
        // The member's email differs from the login: only the app user name (the login, for a group member) matches.
        var member = ServerFixture.Id(await server.CreateUserAsync(login: $"{prefix}.member@corp.example.com",
            extraProfile: new JsonObject { ["email"] = $"member.{ServerFixture.Unique()}@example.com" }));
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{member}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);

        // The renamed user's email still starts with the prefix: q also matches email.
        var found = (await Api.GetAsync($"/api/v1/apps/{app}/users?q={prefix}")).Expect(HttpStatusCode.OK).Array.Select(u => ServerFixture.Id(u!));
        Assert.Equal(new[] { renamed, direct, member }.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
        var byUserName = (await Api.GetAsync($"/api/v1/apps/{app}/users?q={prefix}.d")).Expect(HttpStatusCode.OK).Array.Select(u => ServerFixture.Id(u!));
        Assert.Equal([direct], byUserName);
        var bySomeoneElse = (await Api.GetAsync($"/api/v1/apps/{app}/users?q=someone.else")).Expect(HttpStatusCode.OK).Array.Select(u => ServerFixture.Id(u!));
        Assert.Equal([renamed], bySomeoneElse);
    }
}
