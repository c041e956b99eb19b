using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md sections 0.5, 0.6, 1.4, 1.8 and 2: listing, filtering, searching and paging users.</summary>
public sealed class UserListTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly string[] SearchErrorCodes = ["E0000031", "E0000001"];

    private ApiClient Api => server.Api;

    private async Task<List<string>> AllIdsAsync(string path)
    {
        var pages = await Api.GetAllPagesAsync(path, maxPages: 1000);
        return pages.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)).ToList();
    }

    private static string Q(string expression) => ServerFixture.Encode(expression);

    [Fact]
    public async Task The_plain_list_omits_deprovisioned_users_but_filter_and_search_include_them()
    {
        var gone = await server.CreateUserAsync();
        var id = ServerFixture.Id(gone);
        var login = (string)gone["profile"]!["login"]!;
        var kept = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/users/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);

        var listed = await AllIdsAsync("/api/v1/users");
        Assert.DoesNotContain(id, listed);
        Assert.Contains(kept, listed);

        var filtered = await AllIdsAsync($"/api/v1/users?filter={Q("status eq \"DEPROVISIONED\"")}");
        Assert.Contains(id, filtered);

        var searched = (await Api.GetAsync($"/api/v1/users?search={Q($"profile.login eq \"{login}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([id], searched.Select(u => ServerFixture.Id(u!)));
        Assert.Equal("DEPROVISIONED", (string?)searched[0]!["status"]);
    }

    [Fact]
    public async Task Filtering_on_status_returns_only_users_in_that_status()
    {
        var active = ServerFixture.Id(await server.CreateUserAsync());
        var staged = ServerFixture.Id(await server.CreateUserAsync(activate: false));
        var pages = await Api.GetAllPagesAsync($"/api/v1/users?filter={Q("status eq \"ACTIVE\"")}");
        var users = pages.SelectMany(p => p.Array).ToList();
        Assert.All(users, u => Assert.Equal("ACTIVE", (string?)u!["status"]));
        Assert.Contains(active, users.Select(u => ServerFixture.Id(u!)));
        Assert.DoesNotContain(staged, users.Select(u => ServerFixture.Id(u!)));
    }

    [Fact]
    public async Task Filters_combine_with_and_and_or_in_any_case()
    {
        var last = "Filt" + ServerFixture.Unique();
        var a = ServerFixture.Id(await server.CreateUserAsync(lastName: last));
        var b = ServerFixture.Id(await server.CreateUserAsync(lastName: last, activate: false));
        var and = await AllIdsAsync($"/api/v1/users?filter={Q($"profile.lastName eq \"{last}\" AND status eq \"STAGED\"")}");
        Assert.Equal([b], and);
        var or = await AllIdsAsync($"/api/v1/users?filter={Q($"id eq \"{a}\" or id eq \"{b}\"")}");
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), or.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Filter_values_compare_case_sensitively()
    {
        var last = "Case" + ServerFixture.Unique();
        var id = ServerFixture.Id(await server.CreateUserAsync(lastName: last));
        Assert.Equal([id], await AllIdsAsync($"/api/v1/users?filter={Q($"profile.lastName eq \"{last}\"")}"));
        Assert.Empty(await AllIdsAsync($"/api/v1/users?filter={Q($"profile.lastName eq \"{last.ToLowerInvariant()}\"")}"));
    }

    [Fact]
    public async Task A_filter_on_an_attribute_the_users_filter_does_not_support_is_refused()
    {
        var response = await Api.GetAsync($"/api/v1/users?filter={Q("profile.nickName eq \"x\"")}");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("application/json", response.ContentType?.MediaType);
    }

    [Fact]
    public async Task Search_with_starts_with_on_last_name_ignores_case()
    {
        var suffix = ServerFixture.Unique();
        var match1 = ServerFixture.Id(await server.CreateUserAsync(lastName: $"Sw{suffix}Alpha"));
        var match2 = ServerFixture.Id(await server.CreateUserAsync(lastName: $"sW{suffix}beta"));
        await server.CreateUserAsync(lastName: $"Other{suffix}");
        var found = await AllIdsAsync($"/api/v1/users?search={Q($"profile.lastName sw \"SW{suffix.ToUpperInvariant()}\"")}");
        Assert.Equal(new[] { match1, match2 }.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Search_finds_users_by_a_custom_profile_attribute()
    {
        var color = "teal-" + ServerFixture.Unique();
        var match = ServerFixture.Id(await server.CreateUserAsync(extraProfile: new JsonObject { ["favoriteColor"] = color }));
        await server.CreateUserAsync(extraProfile: new JsonObject { ["favoriteColor"] = color + "-not" });
        Assert.Equal([match], await AllIdsAsync($"/api/v1/users?search={Q($"profile.favoriteColor eq \"{color}\"")}"));
        Assert.Equal([match], await AllIdsAsync($"/api/v1/users?search={Q($"profile.favoriteColor eq \"{color.ToUpperInvariant()}\"")}"));
    }

    [Fact]
    public async Task Search_combines_a_custom_attribute_with_a_status()
    {
        var team = "team-" + ServerFixture.Unique();
        var active = ServerFixture.Id(await server.CreateUserAsync(extraProfile: new JsonObject { ["team"] = team }));
        await server.CreateUserAsync(activate: false, extraProfile: new JsonObject { ["team"] = team });
        Assert.Equal([active], await AllIdsAsync($"/api/v1/users?search={Q($"profile.team eq \"{team}\" and status eq \"ACTIVE\"")}"));
    }

    [Fact]
    public async Task A_malformed_search_is_a_400_error()
    {
        var response = await Api.GetAsync($"/api/v1/users?search={Q("profile.lastName sw")}");
        response.Expect(HttpStatusCode.BadRequest);
        Assert.Contains((string?)response.Object["errorCode"], SearchErrorCodes);
    }

    [Fact]
    public async Task Q_returns_at_most_ten_prefix_matches_and_no_next_link()
    {
        var prefix = "Qq" + ServerFixture.Unique();
        var created = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            created.Add(ServerFixture.Id(await server.CreateUserAsync(firstName: $"{prefix}{i}")));
        }

        var response = (await Api.GetAsync($"/api/v1/users?q={prefix.ToLowerInvariant()}")).Expect(HttpStatusCode.OK);
        var users = response.Array;
        Assert.Equal(10, users.Count);
        Assert.All(users, u => Assert.StartsWith(prefix, (string?)u!["profile"]!["firstName"], StringComparison.Ordinal));
        Assert.Null(response.Next);

        var limited = (await Api.GetAsync($"/api/v1/users?q={prefix}&limit=3")).Expect(HttpStatusCode.OK);
        Assert.Equal(3, limited.Array.Count);
        Assert.Null(limited.Next);
    }

    [Fact]
    public async Task Q_omits_deprovisioned_users()
    {
        var prefix = "Qd" + ServerFixture.Unique();
        var id = ServerFixture.Id(await server.CreateUserAsync(firstName: prefix));
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty((await Api.GetAsync($"/api/v1/users?q={prefix}")).Expect(HttpStatusCode.OK).Array);
    }

    [Fact]
    public async Task Paging_with_limit_two_follows_absolute_next_links_that_keep_the_search()
    {
        var last = "Page" + ServerFixture.Unique();
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(ServerFixture.Id(await server.CreateUserAsync(lastName: last)));
        }

        var search = $"profile.lastName eq \"{last}\"";
        var pages = await Api.GetAllPagesAsync($"/api/v1/users?search={Q(search)}&limit=2");
        Assert.Equal([2, 2, 2, 1], pages.Select(p => p.Array.Count));
        var seen = pages.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)).ToList();
        Assert.Equal(created.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        foreach (var page in pages.SkipLast(1))
        {
            var next = page.Next!;
            Assert.True(Uri.TryCreate(next, UriKind.Absolute, out var uri), $"next {next} is not absolute");
            Assert.Equal(Api.BaseAddress.GetLeftPart(UriPartial.Authority), uri.GetLeftPart(UriPartial.Authority));
            Assert.Equal("/api/v1/users", uri.AbsolutePath);
            var query = QueryHelpers.ParseQuery(uri.Query);
            Assert.Equal("2", query["limit"].ToString());
            Assert.Equal(search, query["search"].ToString());
            Assert.False(string.IsNullOrEmpty(query["after"].ToString()));
            Assert.NotNull(page.Link("self"));
        }

        Assert.Null(pages[^1].Next);
    }

    [Fact]
    public async Task Paging_the_plain_list_with_limit_two_returns_every_user_exactly_once()
    {
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(ServerFixture.Id(await server.CreateUserAsync()));
        }

        var pages = await Api.GetAllPagesAsync("/api/v1/users?limit=2", maxPages: 1000);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(2, p.Array.Count));
        Assert.All(pages.SkipLast(1), p => Assert.Contains("limit=2", p.Next!, StringComparison.Ordinal));
        var seen = pages.SelectMany(p => p.Array).Select(u => ServerFixture.Id(u!)).ToList();
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.All(created, id => Assert.Contains(id, seen));
        Assert.Contains(server.Admin.Id, seen);
    }

    [Fact]
    public async Task Paging_a_filter_keeps_the_filter_in_the_next_link()
    {
        var last = "Pf" + ServerFixture.Unique();
        for (var i = 0; i < 3; i++)
        {
            await server.CreateUserAsync(lastName: last);
        }

        var filter = $"profile.lastName eq \"{last}\" and status eq \"ACTIVE\"";
        var pages = await Api.GetAllPagesAsync($"/api/v1/users?filter={Q(filter)}&limit=2");
        Assert.Equal([2, 1], pages.Select(p => p.Array.Count));
        var query = QueryHelpers.ParseQuery(new Uri(pages[0].Next!).Query);
        Assert.Equal(filter, query["filter"].ToString());
    }

    [Fact]
    public async Task A_limit_above_the_maximum_is_capped_not_refused()
    {
        var response = (await Api.GetAsync("/api/v1/users?limit=100000")).Expect(HttpStatusCode.OK);
        Assert.InRange(response.Array.Count, 1, 200);
    }

    [Fact]
    public async Task Filtering_on_last_updated_finds_users_changed_after_a_moment()
    {
        var last = "Lu" + ServerFixture.Unique();
        var old = ServerFixture.Id(await server.CreateUserAsync(lastName: last));
        await Task.Delay(20, TestContext.Current.CancellationToken);
        var moment = DateTimeOffset.UtcNow;
        await Task.Delay(20, TestContext.Current.CancellationToken);
        var fresh = ServerFixture.Id(await server.CreateUserAsync(lastName: last));
        var stamp = moment.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var found = await AllIdsAsync($"/api/v1/users?filter={Q($"lastUpdated gt \"{stamp}\" and profile.lastName eq \"{last}\"")}");
        Assert.Equal([fresh], found);
        Assert.DoesNotContain(old, found);
    }
}
