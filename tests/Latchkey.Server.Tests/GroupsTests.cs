using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md sections 0.7 and 3: groups, their members and the built-in Everyone group.</summary>
public sealed class GroupsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static string Q(string expression) => ServerFixture.Encode(expression);

    private async Task<JsonObject> EveryoneAsync()
    {
        var found = (await Api.GetAsync($"/api/v1/groups?search={Q("type eq \"BUILT_IN\"")}")).Expect(HttpStatusCode.OK).Array;
        return Assert.Single(found)!.AsObject();
    }

    [Fact]
    public async Task A_created_group_is_an_okta_group_with_its_profile_and_links()
    {
        var name = "Created " + ServerFixture.Unique();
        var group = await server.CreateGroupAsync(name, "A description");
        Wire.AssertId(ServerFixture.Id(group), "00g");
        Assert.Equal("OKTA_GROUP", (string?)group["type"]);
        Assert.Equal(["okta:user_group"], group["objectClass"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(name, (string?)group["profile"]!["name"]);
        Assert.Equal("A description", (string?)group["profile"]!["description"]);
        var links = group["_links"]!;
        Assert.EndsWith($"/api/v1/groups/{ServerFixture.Id(group)}/users", (string?)links["users"]!["href"], StringComparison.Ordinal);
        Assert.EndsWith($"/api/v1/groups/{ServerFixture.Id(group)}/apps", (string?)links["apps"]!["href"], StringComparison.Ordinal);
        Assert.NotEmpty(links["logo"]!.AsArray());
    }

    [Fact]
    public async Task A_group_without_a_name_is_refused_with_E0000001_naming_name()
    {
        var error = (await Api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["description"] = "x" } }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: name", (string?)error["errorSummary"]);
        Assert.Equal(["name: The field cannot be left blank"], ApiResponse.Causes(error));
    }

    [Fact]
    public async Task A_group_can_be_read_replaced_and_deleted()
    {
        var group = await server.CreateGroupAsync(description: "before");
        var id = ServerFixture.Id(group);
        var read = (await Api.GetAsync($"/api/v1/groups/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)group["profile"]!["name"], (string?)read["profile"]!["name"]);

        var newName = "Renamed " + ServerFixture.Unique();
        var replaced = (await Api.PutAsync($"/api/v1/groups/{id}", new JsonObject { ["profile"] = new JsonObject { ["name"] = newName } }))
            .Expect(HttpStatusCode.OK).Object;
        Assert.Equal(newName, (string?)replaced["profile"]!["name"]);
        Assert.Null(replaced["profile"]!["description"]);
        Assert.Equal(newName, (string?)(await Api.GetAsync($"/api/v1/groups/{id}")).Object["profile"]!["name"]);

        (await Api.DeleteAsync($"/api/v1/groups/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/groups/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.DeleteAsync($"/api/v1/groups/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Adding_a_member_is_idempotent_and_removing_one_works()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        var members = (await Api.GetAsync($"/api/v1/groups/{group}/users")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([user], members.Select(m => ServerFixture.Id(m!)));
        Assert.Contains((await Api.GetAsync($"/api/v1/users/{user}/groups")).Array, g => ServerFixture.Id(g!) == group);

        (await Api.DeleteAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty((await Api.GetAsync($"/api/v1/groups/{group}/users")).Expect(HttpStatusCode.OK).Array);
        Assert.DoesNotContain((await Api.GetAsync($"/api/v1/users/{user}/groups")).Array, g => ServerFixture.Id(g!) == group);
    }

    [Fact]
    public async Task Adding_an_unknown_user_or_to_an_unknown_group_is_404()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/00uNoSuchUser0000000")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.PutAsync($"/api/v1/groups/00gNoSuchGroup000000/users/{user}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Group_members_page_with_limit_and_next_links()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var users = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var user = ServerFixture.Id(await server.CreateUserAsync());
            users.Add(user);
            (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        }

        var pages = await Api.GetAllPagesAsync($"/api/v1/groups/{group}/users?limit=2");
        Assert.Equal([2, 2, 1], pages.Select(p => p.Array.Count));
        var seen = pages.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)).ToList();
        Assert.Equal(users.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.All(pages.SkipLast(1), p => Assert.True(Uri.IsWellFormedUriString(p.Next, UriKind.Absolute), p.Next));
    }

    [Fact]
    public async Task The_everyone_group_exists_is_built_in_and_holds_every_user()
    {
        var everyone = await EveryoneAsync();
        Assert.Equal("Everyone", (string?)everyone["profile"]!["name"]);
        Assert.Equal("BUILT_IN", (string?)everyone["type"]);
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var members = await Api.GetAllPagesAsync($"/api/v1/groups/{ServerFixture.Id(everyone)}/users?limit=200");
        Assert.Contains(user, members.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)));
    }

    [Fact]
    public async Task Everyones_last_membership_update_follows_user_creation_and_deletion()
    {
        var user = await server.CreateUserAsync();
        var created = DateTimeOffset.Parse((string)user["created"]!, System.Globalization.CultureInfo.InvariantCulture);
        var everyone = await EveryoneAsync();
        var afterCreate = DateTimeOffset.Parse((string)everyone["lastMembershipUpdated"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(afterCreate >= created, $"{afterCreate:o} should not be before the user's creation {created:o}");

        var fetched = (await Api.GetAsync($"/api/v1/groups/{ServerFixture.Id(everyone)}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)everyone["lastMembershipUpdated"], (string?)fetched["lastMembershipUpdated"]);

        await Task.Delay(5, TestContext.Current.CancellationToken);
        var id = ServerFixture.Id(user);
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        var afterDelete = DateTimeOffset.Parse((string)(await EveryoneAsync())["lastMembershipUpdated"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(afterDelete > afterCreate, $"{afterDelete:o} should be after {afterCreate:o}");
    }

    [Fact]
    public async Task Changing_the_membership_of_everyone_is_501_E0000060()
    {
        var everyone = ServerFixture.Id(await EveryoneAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var add = (await Api.PutAsync($"/api/v1/groups/{everyone}/users/{user}")).ExpectError(HttpStatusCode.NotImplemented, "E0000060");
        Assert.Equal("Unsupported operation.", (string?)add["errorSummary"]);
        (await Api.DeleteAsync($"/api/v1/groups/{everyone}/users/{user}")).ExpectError(HttpStatusCode.NotImplemented, "E0000060");
        var members = await Api.GetAllPagesAsync($"/api/v1/groups/{everyone}/users?limit=500");
        Assert.Contains(user, members.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)));
    }

    [Fact]
    public async Task The_everyone_group_cannot_be_deleted_or_replaced()
    {
        var everyone = ServerFixture.Id(await EveryoneAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.DeleteAsync($"/api/v1/groups/{everyone}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await Api.PutAsync($"/api/v1/groups/{everyone}", new JsonObject { ["profile"] = new JsonObject { ["name"] = "Nobody" } })).Status);
        Assert.Equal("Everyone", (string?)(await Api.GetAsync($"/api/v1/groups/{everyone}")).Object["profile"]!["name"]);
    }

    [Fact]
    public async Task Expand_stats_embeds_the_member_and_app_counts()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        for (var i = 0; i < 3; i++)
        {
            var user = ServerFixture.Id(await server.CreateUserAsync());
            (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        }

        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);

        var read = (await Api.GetAsync($"/api/v1/groups/{group}?expand=stats")).Expect(HttpStatusCode.OK).Object;
        var stats = read["_embedded"]!["stats"]!;
        Assert.Equal(3, (int)stats["usersCount"]!);
        Assert.Equal(1, (int)stats["appsCount"]!);
        Assert.NotNull(stats["hasAdminPrivilege"]);
        Assert.NotNull(stats["hasAdminPrivlege"]);

        var listed = (await Api.GetAsync($"/api/v1/groups?expand=stats&filter={Q($"id eq \"{group}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(3, (int)Assert.Single(listed)!["_embedded"]!["stats"]!["usersCount"]!);

        var plain = (await Api.GetAsync($"/api/v1/groups/{group}")).Object;
        Assert.Null(plain["_embedded"]);
    }

    [Fact]
    public async Task Q_finds_groups_by_name_prefix_ignoring_case()
    {
        var prefix = "Qg" + ServerFixture.Unique();
        var a = ServerFixture.Id(await server.CreateGroupAsync($"{prefix} One"));
        var b = ServerFixture.Id(await server.CreateGroupAsync($"{prefix} Two"));
        await server.CreateGroupAsync($"Not {prefix}");
        var found = (await Api.GetAsync($"/api/v1/groups?q={prefix.ToUpperInvariant()}")).Expect(HttpStatusCode.OK);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), found.Array.Select(g => ServerFixture.Id(g!)).Order(StringComparer.Ordinal));
        Assert.Null(found.Next);
    }

    [Fact]
    public async Task Search_finds_groups_by_profile_name_and_type()
    {
        var prefix = "Sg" + ServerFixture.Unique();
        var a = ServerFixture.Id(await server.CreateGroupAsync($"{prefix} Alpha", "Has the word zebra"));
        var b = ServerFixture.Id(await server.CreateGroupAsync($"{prefix} Beta"));
        var sw = (await Api.GetAsync($"/api/v1/groups?search={Q($"profile.name sw \"{prefix}\" and type eq \"OKTA_GROUP\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), sw.Select(g => ServerFixture.Id(g!)).Order(StringComparer.Ordinal));
        var eq = (await Api.GetAsync($"/api/v1/groups?search={Q($"profile.name eq \"{prefix} Beta\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([b], eq.Select(g => ServerFixture.Id(g!)));
        var co = (await Api.GetAsync($"/api/v1/groups?search={Q($"profile.name sw \"{prefix}\" and profile.description co \"zebra\"")}"))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Equal([a], co.Select(g => ServerFixture.Id(g!)));
    }

    [Fact]
    public async Task Search_with_sort_by_name_descending_pages_through_every_match_once()
    {
        var prefix = "Srt" + ServerFixture.Unique();
        foreach (var name in new[] { "b", "d", "a", "c", "e" })
        {
            await server.CreateGroupAsync($"{prefix} {name}");
        }

        var pages = await Api.GetAllPagesAsync(
            $"/api/v1/groups?search={Q($"profile.name sw \"{prefix}\"")}&sortBy=profile.name&sortOrder=desc&limit=2");
        var seen = pages.SelectMany(p => p.Array).Select(g => ((string)g!["profile"]!["name"]!)[^1..]).ToList();
        Assert.Equal(["e", "d", "c", "b", "a"], seen);
        Assert.Equal(3, pages.Count);
    }

    [Fact]
    public async Task Sort_by_an_attribute_that_cannot_be_sorted_is_400_naming_sort_by()
    {
        var error = (await Api.GetAsync($"/api/v1/groups?search={Q("type eq \"OKTA_GROUP\"")}&sortBy=profile.color"))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: sortBy", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task The_group_list_pages_with_limit()
    {
        for (var i = 0; i < 3; i++)
        {
            await server.CreateGroupAsync();
        }

        var pages = await Api.GetAllPagesAsync("/api/v1/groups?limit=2", maxPages: 500);
        var seen = pages.SelectMany(p => p.Array).Select(g => ServerFixture.Id(g!)).ToList();
        Assert.True(pages.Count >= 2);
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task A_duplicate_group_name_is_refused_with_E0000001()
    {
        var name = "Dup " + ServerFixture.Unique();
        await server.CreateGroupAsync(name);
        var error = (await Api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["name"] = name } }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("name: An object with this field already exists in the current organization", ApiResponse.Causes(error));
    }

    [Fact]
    public async Task Membership_changes_advance_last_membership_updated()
    {
        var group = await server.CreateGroupAsync();
        var id = ServerFixture.Id(group);
        var user = ServerFixture.Id(await server.CreateUserAsync());
        await Task.Delay(5, TestContext.Current.CancellationToken);
        (await Api.PutAsync($"/api/v1/groups/{id}/users/{user}")).Expect(HttpStatusCode.NoContent);
        var after = (await Api.GetAsync($"/api/v1/groups/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.True(string.CompareOrdinal((string?)after["lastMembershipUpdated"], (string?)group["lastMembershipUpdated"]) > 0,
            $"{after["lastMembershipUpdated"]} after {group["lastMembershipUpdated"]}");
    }

    [Fact]
    public async Task Deleting_a_group_removes_its_memberships_and_app_assignments()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        Assert.Single((await Api.GetAsync($"/api/v1/apps/{app}/users")).Expect(HttpStatusCode.OK).Array);

        (await Api.DeleteAsync($"/api/v1/groups/{group}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty((await Api.GetAsync($"/api/v1/apps/{app}/groups")).Expect(HttpStatusCode.OK).Array);
        Assert.Empty((await Api.GetAsync($"/api/v1/apps/{app}/users")).Expect(HttpStatusCode.OK).Array);
        Assert.DoesNotContain((await Api.GetAsync($"/api/v1/users/{user}/groups")).Array, g => ServerFixture.Id(g!) == group);
    }

    [Fact]
    public async Task Q_on_groups_returns_ten_by_default_without_a_next_link()
    {
        var prefix = "Qt" + ServerFixture.Unique();
        for (var i = 0; i < 12; i++)
        {
            await server.CreateGroupAsync($"{prefix} {i:00}");
        }

        var found = (await Api.GetAsync($"/api/v1/groups?q={prefix}")).Expect(HttpStatusCode.OK);
        Assert.Equal(10, found.Array.Count);
        Assert.Null(found.Next);
    }
}
