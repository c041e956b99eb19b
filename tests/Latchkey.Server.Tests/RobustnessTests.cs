using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>Edge cases found in review: odd inputs, logged changes, and contract details.</summary>
public sealed class RobustnessTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static string Q(string expression) => ServerFixture.Encode(expression);

    private async Task<JsonArray> EventsForAsync(string targetId, string eventType) =>
        (await Api.GetAsync($"/api/v1/logs?filter={Q($"target.id eq \"{targetId}\" and eventType eq \"{eventType}\"")}"))
            .Expect(HttpStatusCode.OK).Array;

    [Fact]
    public async Task A_forged_bounded_log_cursor_far_in_the_future_is_400_not_500()
    {
        // Sealed as the server seals its cursors (the seal is a check, not a secret), so the position itself is tried.
        var cursor = Latchkey.Core.Security.CursorSeal.Seal("logs", "999999999999999_1");
        (await Api.GetAsync($"/api/v1/logs?until=2030-01-01T00:00:00Z&after={cursor}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task A_log_query_until_the_year_one_finds_nothing_instead_of_failing()
    {
        var page = (await Api.GetAsync("/api/v1/logs?until=0001-01-01T00:00:00Z")).Expect(HttpStatusCode.OK);
        Assert.Empty(page.Array);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Polling_from_a_since_in_the_future_answers_an_empty_page_with_a_next_link()
    {
        var page = (await Api.GetAsync("/api/v1/logs?since=2099-01-01T00:00:00Z")).Expect(HttpStatusCode.OK);
        Assert.Empty(page.Array);
        Assert.NotNull(page.Next);
    }

    [Fact]
    public async Task The_rate_limit_bucket_does_not_change_with_the_case_of_the_path()
    {
        var first = (await Api.GetAsync("/api/v1/logs?limit=1")).Expect(HttpStatusCode.OK);
        var upper = (await Api.GetAsync("/API/V1/LOGS?limit=1")).Expect(HttpStatusCode.OK);
        var remaining = int.Parse(first.Header("X-Rate-Limit-Remaining")!, CultureInfo.InvariantCulture);
        Assert.Equal(remaining - 1, int.Parse(upper.Header("X-Rate-Limit-Remaining")!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Changing_an_app_group_assignment_is_logged_and_an_unchanged_one_is_not()
    {
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}", new JsonObject())).Expect(HttpStatusCode.OK);
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}", new JsonObject { ["priority"] = 7 })).Expect(HttpStatusCode.OK);
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}", new JsonObject { ["priority"] = 7 })).Expect(HttpStatusCode.OK);

        Assert.Single(await EventsForAsync(group, "group.application_assignment.update"));
    }

    [Fact]
    public async Task Changing_the_recovery_question_is_logged_and_an_empty_update_changes_nothing()
    {
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        var before = (string?)user["lastUpdated"];
        var same = (await Api.PostAsync($"/api/v1/users/{id}", new JsonObject())).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(before, (string?)same["lastUpdated"]);
        Assert.Empty(await EventsForAsync(id, "user.account.update_profile"));

        var body = new JsonObject
        {
            ["credentials"] = new JsonObject
            {
                ["recovery_question"] = new JsonObject { ["question"] = "First pet?", ["answer"] = "Rex the dog" },
            },
        };
        var changed = (await Api.PostAsync($"/api/v1/users/{id}", body)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("First pet?", (string?)changed["credentials"]!["recovery_question"]!["question"]);
        Assert.Null(changed["credentials"]!["recovery_question"]!["answer"]);
        Assert.Single(await EventsForAsync(id, "user.account.update_profile"));
    }

    [Fact]
    public async Task Case_insensitive_search_folds_letters_beyond_ascii()
    {
        var last = "Özdemir" + ServerFixture.Unique();
        var user = ServerFixture.Id(await server.CreateUserAsync(firstName: "Émile", lastName: last));
        var found = (await Api.GetAsync($"/api/v1/users?search={Q($"profile.lastName eq \"{last.ToLowerInvariant()}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Contains(user, found.Select(u => ServerFixture.Id(u!)));
        var exact = (await Api.GetAsync($"/api/v1/users?search={Q($"profile.lastName eq \"{last}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Contains(user, exact.Select(u => ServerFixture.Id(u!)));
    }

    [Fact]
    public async Task Group_search_on_a_custom_profile_attribute_finds_the_group()
    {
        var cost = "cc-" + ServerFixture.Unique();
        var body = new JsonObject { ["profile"] = new JsonObject { ["name"] = "Costed " + ServerFixture.Unique(), ["costCenter"] = cost } };
        var group = ServerFixture.Id((await Api.PostAsync("/api/v1/groups", body)).Expect(HttpStatusCode.OK).Object);
        var found = (await Api.GetAsync($"/api/v1/groups?search={Q($"profile.costCenter eq \"{cost}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([group], found.Select(g => ServerFixture.Id(g!)));
    }

    [Fact]
    public async Task Expire_password_with_a_temporary_password_returns_it_once_and_expires_the_password()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var result = (await Api.PostAsync($"/api/v1/users/{id}/lifecycle/expire_password_with_temp_password")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("PASSWORD_EXPIRED", (string?)result["status"]);
        var temporary = (string?)result["tempPassword"];
        Assert.False(string.IsNullOrEmpty(temporary));
        var again = (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(temporary!, again.Body, StringComparison.Ordinal);
        Assert.Single(await EventsForAsync(id, "user.account.expire_password"));
    }

    [Fact]
    public async Task A_second_app_with_the_same_label_is_400_E0000040()
    {
        var label = "Twin " + ServerFixture.Unique();
        await server.CreateBookmarkAppAsync(label);
        (await Api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody(label.ToUpperInvariant())))
            .ExpectError(HttpStatusCode.BadRequest, "E0000040");
    }

    [Fact]
    public async Task Search_with_sort_by_pages_through_every_match_once()
    {
        var last = "Sorted" + ServerFixture.Unique();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(ServerFixture.Id(await server.CreateUserAsync(firstName: $"N{i}", lastName: last, withPassword: false)));
        }

        var pages = await Api.GetAllPagesAsync($"/api/v1/users?search={Q($"profile.lastName eq \"{last}\"")}&sortBy=profile.firstName&sortOrder=desc&limit=2");
        var seen = pages.SelectMany(p => p.Array).Select(u => (string)u!["profile"]!["firstName"]!).ToList();
        Assert.Equal(["N4", "N3", "N2", "N1", "N0"], seen);
        Assert.Equal(3, pages.Count);
    }

    [Fact]
    public async Task An_update_with_a_stale_if_match_is_412_E0000231_and_changes_nothing()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync(lastName: "Before"));
        var read = (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK);
        var etag = read.Headers.ETag!.ToString();
        var change = new JsonObject { ["profile"] = new JsonObject { ["lastName"] = "After" } };

        (await Api.SendWithHeaderAsync(HttpMethod.Post, $"/api/v1/users/{id}", change, "If-Match", etag)).Expect(HttpStatusCode.OK);

        var stale = await Api.SendWithHeaderAsync(HttpMethod.Post, $"/api/v1/users/{id}",
            new JsonObject { ["profile"] = new JsonObject { ["lastName"] = "Lost" } }, "If-Match", etag);
        stale.ExpectError(HttpStatusCode.PreconditionFailed, "E0000231");
        var now = (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("After", (string?)now["profile"]!["lastName"]);
    }
}
