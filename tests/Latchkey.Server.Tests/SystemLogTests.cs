using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Time;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md sections 0.11, 1.8 and 8: events of admin changes and the two query modes of /api/v1/logs.</summary>
public sealed class SystemLogTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static string F(string expression) => "filter=" + ServerFixture.Encode(expression);

    private static string Date(DateTimeOffset value) => ServerFixture.Encode(IsoTime.Write(value));

    private async Task<JsonArray> EventsAsync(string query) => (await Api.GetAsync($"/api/v1/logs?{query}")).Expect(HttpStatusCode.OK).Array;

    private async Task<List<JsonObject>> EventsForTargetAsync(string targetId) =>
        (await EventsAsync(F($"target.id eq \"{targetId}\""))).Select(e => e!.AsObject()).ToList();

    private void AssertAdminActor(JsonNode e)
    {
        var actor = e["actor"]!;
        Assert.Equal(server.Admin.Id, (string?)actor["id"]);
        Assert.Equal("User", (string?)actor["type"]);
        Assert.Equal(server.Admin.Login, (string?)actor["alternateId"]);
        Assert.Equal(server.Admin.DisplayName, (string?)actor["displayName"]);
    }

    /// <summary>A user with five events: create, activate, profile update, suspend, unsuspend.</summary>
    private async Task<(string Id, string Login)> UserWithFiveEventsAsync()
    {
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        (await Api.PostAsync($"/api/v1/users/{id}", new JsonObject { ["profile"] = new JsonObject { ["title"] = "Changed" } })).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/users/{id}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/users/{id}/lifecycle/unsuspend")).Expect(HttpStatusCode.OK);
        return (id, (string)user["profile"]!["login"]!);
    }

    [Fact]
    public async Task Creating_a_user_logs_create_and_activate_with_the_admin_as_actor_and_the_user_as_target()
    {
        var created = await Api.PostAsync("/api/v1/users", new JsonObject
        {
            ["profile"] = ServerFixture.Profile($"log.{ServerFixture.Unique()}@example.com", "Logan", "Event"),
            ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = ServerFixture.Password } },
        });
        var user = created.Expect(HttpStatusCode.OK).Object;
        var id = ServerFixture.Id(user);
        var events = await EventsForTargetAsync(id);
        Assert.Equal(["user.lifecycle.create", "user.lifecycle.activate"], events.Select(e => (string?)e["eventType"]));
        foreach (var e in events)
        {
            AssertAdminActor(e);
            var target = Assert.Single(e["target"]!.AsArray())!;
            Assert.Equal(id, (string?)target["id"]);
            Assert.Equal("User", (string?)target["type"]);
            Assert.Equal((string?)user["profile"]!["login"], (string?)target["alternateId"]);
            Assert.Equal("Logan Event", (string?)target["displayName"]);
            Assert.Equal("SUCCESS", (string?)e["outcome"]!["result"]);
            Assert.Equal("INFO", (string?)e["severity"]);
            Assert.Equal("0", (string?)e["version"]);
            Assert.False(string.IsNullOrEmpty((string?)e["displayMessage"]));
            Assert.True(Guid.TryParse((string?)e["uuid"], out _), (string?)e["uuid"]);
            Wire.AssertDate(e["published"], "published");
            Assert.Equal(created.Header("X-Okta-Request-Id"), (string?)e["transaction"]!["id"]);
            Assert.Equal(created.Header("X-Okta-Request-Id"), (string?)e["debugContext"]!["debugData"]!["requestId"]);
        }
    }

    [Fact]
    public async Task Adding_and_removing_a_group_member_logs_membership_events_targeting_user_and_group()
    {
        var user = await server.CreateUserAsync();
        var group = await server.CreateGroupAsync();
        var userId = ServerFixture.Id(user);
        var groupId = ServerFixture.Id(group);
        (await Api.PutAsync($"/api/v1/groups/{groupId}/users/{userId}")).Expect(HttpStatusCode.NoContent);
        (await Api.PutAsync($"/api/v1/groups/{groupId}/users/{userId}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/groups/{groupId}/users/{userId}")).Expect(HttpStatusCode.NoContent);

        var events = (await EventsAsync(F($"target.id eq \"{groupId}\" and eventType sw \"group.user_membership\""))).ToList();
        Assert.Equal(["group.user_membership.add", "group.user_membership.remove"], events.Select(e => (string?)e!["eventType"]));
        foreach (var e in events)
        {
            AssertAdminActor(e!);
            Assert.Equal("SUCCESS", (string?)e!["outcome"]!["result"]);
            var targets = e["target"]!.AsArray();
            var userTarget = Assert.Single(targets, t => (string?)t!["type"] == "User")!;
            Assert.Equal(userId, (string?)userTarget["id"]);
            var groupTarget = Assert.Single(targets, t => (string?)t!["type"] == "UserGroup")!;
            Assert.Equal(groupId, (string?)groupTarget["id"]);
            Assert.Equal((string?)group["profile"]!["name"], (string?)groupTarget["displayName"]);
        }
    }

    [Fact]
    public async Task Group_and_app_changes_log_their_event_types()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        (await Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/apps/{app}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        (await Api.DeleteAsync($"/api/v1/apps/{app}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/groups/{group}")).Expect(HttpStatusCode.NoContent);

        var groupEvents = (await EventsForTargetAsync(group)).Select(e => (string?)e["eventType"]).ToList();
        Assert.Equal(["group.lifecycle.create", "group.application_assignment.add", "group.lifecycle.delete"], groupEvents);
        var appEvents = (await EventsForTargetAsync(app)).Select(e => (string?)e["eventType"]).ToList();
        Assert.Equal(["application.lifecycle.create", "application.lifecycle.activate", "group.application_assignment.add",
            "application.lifecycle.deactivate", "application.lifecycle.delete"], appEvents);
    }

    [Fact]
    public async Task User_changes_log_their_event_types_in_order()
    {
        var (id, _) = await UserWithFiveEventsAsync();
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        var types = (await EventsForTargetAsync(id)).Select(e => (string?)e["eventType"]).ToList();
        Assert.Equal(["user.lifecycle.create", "user.lifecycle.activate", "user.account.update_profile", "user.lifecycle.suspend",
            "user.lifecycle.unsuspend", "user.lifecycle.deactivate", "user.lifecycle.delete.initiated", "user.lifecycle.delete.completed"], types);
    }

    [Fact]
    public async Task A_refused_change_logs_nothing()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var before = (await EventsForTargetAsync(user)).Count;
        (await Api.PostAsync($"/api/v1/users/{user}/lifecycle/activate")).ExpectError(HttpStatusCode.Forbidden, "E0000016");
        (await Api.PostAsync($"/api/v1/users/{user}/lifecycle/unsuspend")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal(before, (await EventsForTargetAsync(user)).Count);
    }

    [Fact]
    public async Task Filters_on_event_type_actor_target_and_outcome_combine_with_and_and_or()
    {
        var (id, _) = await UserWithFiveEventsAsync();
        var suspendOrUnsuspend = await EventsAsync(F(
            $"target.id eq \"{id}\" and (eventType eq \"user.lifecycle.suspend\" or eventType eq \"user.lifecycle.unsuspend\")"));
        Assert.Equal(["user.lifecycle.suspend", "user.lifecycle.unsuspend"], suspendOrUnsuspend.Select(e => (string?)e!["eventType"]));

        var byActor = await EventsAsync(F($"actor.id eq \"{server.Admin.Id}\" and target.id eq \"{id}\" and outcome.result eq \"SUCCESS\""));
        Assert.Equal(5, byActor.Count);

        var upperCaseOperators = await EventsAsync(F($"target.id eq \"{id}\" AND eventType eq \"user.lifecycle.create\""));
        Assert.Single(upperCaseOperators);

        var otherActor = await EventsAsync(F($"actor.id eq \"00uSomebodyElse00000\" and target.id eq \"{id}\""));
        Assert.Empty(otherActor);

        var failures = await EventsAsync(F($"target.id eq \"{id}\" and outcome.result eq \"FAILURE\""));
        Assert.Empty(failures);

        var either = await EventsAsync(F($"eventType eq \"user.lifecycle.suspend\" and target.id eq \"{id}\" or eventType eq \"user.lifecycle.create\" and target.id eq \"{id}\""));
        Assert.Equal(["user.lifecycle.create", "user.lifecycle.suspend"], either.Select(e => (string?)e!["eventType"]));
    }

    [Theory]
    [InlineData("eventType eq")]
    [InlineData("eventType eq \"user.lifecycle.create\" and")]
    [InlineData("(eventType eq \"user.lifecycle.create\"")]
    [InlineData("eventType \"user.lifecycle.create\"")]
    [InlineData("eventType eq \"unterminated")]
    public async Task A_malformed_filter_is_400_E0000053(string filter)
    {
        (await Api.GetAsync($"/api/v1/logs?{F(filter)}")).ExpectError(HttpStatusCode.BadRequest, "E0000053");
    }

    [Fact]
    public async Task A_filter_on_an_unknown_field_is_400_E0000053()
    {
        (await Api.GetAsync($"/api/v1/logs?{F("noSuchField eq \"x\"")}")).ExpectError(HttpStatusCode.BadRequest, "E0000053");
    }

    [Theory]
    [InlineData("since=yesterday")]
    [InlineData("until=2024-13-45T00:00:00Z")]
    [InlineData("since=not-a-date&until=2024-01-01T00:00:00Z")]
    public async Task A_bad_date_is_400_E0000001(string query)
    {
        var error = (await Api.GetAsync($"/api/v1/logs?{query}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("Api validation failed", (string?)error["errorSummary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dates_without_milliseconds_or_with_offsets_are_accepted()
    {
        var until = DateTimeOffset.UtcNow.AddMinutes(1).ToOffset(TimeSpan.FromHours(2));
        var since = until.AddDays(-1);
        (await Api.GetAsync($"/api/v1/logs?since={ServerFixture.Encode(since.ToString("yyyy-MM-ddTHH:mm:sszzz"))}" +
            $"&until={ServerFixture.Encode(until.ToString("yyyy-MM-ddTHH:mm:sszzz"))}")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Polling_always_answers_a_next_link_even_on_an_empty_page()
    {
        var response = (await Api.GetAsync($"/api/v1/logs?{F("target.id eq \"00uNobodyAtAll000000\"")}")).Expect(HttpStatusCode.OK);
        Assert.Empty(response.Array);
        Assert.NotNull(response.Link("self"));
        var next = response.Next;
        Assert.True(Uri.IsWellFormedUriString(next, UriKind.Absolute), next);
        var again = (await Api.GetAsync(next!)).Expect(HttpStatusCode.OK);
        Assert.Empty(again.Array);
        Assert.NotNull(again.Next);
    }

    [Fact]
    public async Task New_events_appear_on_the_next_poll()
    {
        var login = $"poll.{ServerFixture.Unique()}@example.com";
        var first = (await Api.GetAsync($"/api/v1/logs?{F($"target.alternateId eq \"{login}\"")}")).Expect(HttpStatusCode.OK);
        Assert.Empty(first.Array);
        Assert.NotNull(first.Next);

        var user = ServerFixture.Id(await server.CreateUserAsync(login));
        var second = (await Api.GetAsync(first.Next!)).Expect(HttpStatusCode.OK);
        Assert.Equal(["user.lifecycle.create", "user.lifecycle.activate"], second.Array.Select(e => (string?)e!["eventType"]));
        Assert.NotNull(second.Next);

        var third = (await Api.GetAsync(second.Next!)).Expect(HttpStatusCode.OK);
        Assert.Empty(third.Array);
        (await Api.PostAsync($"/api/v1/users/{user}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        var fourth = (await Api.GetAsync(third.Next!)).Expect(HttpStatusCode.OK);
        Assert.Equal(["user.lifecycle.suspend"], fourth.Array.Select(e => (string?)e!["eventType"]));
    }

    [Fact]
    public async Task Polling_pages_by_limit_and_keeps_answering_next_after_the_last_event()
    {
        var (id, _) = await UserWithFiveEventsAsync();
        var counts = new List<int>();
        var uuids = new List<string>();
        string? path = $"/api/v1/logs?{F($"target.id eq \"{id}\"")}&limit=2";
        for (var i = 0; i < 6; i++)
        {
            var page = (await Api.GetAsync(path!)).Expect(HttpStatusCode.OK);
            counts.Add(page.Array.Count);
            uuids.AddRange(page.Array.Select(e => (string)e!["uuid"]!));
            Assert.True(page.Next is not null, $"polling page {i} has no next link");
            var query = QueryHelpers.ParseQuery(new Uri(page.Next).Query);
            Assert.Equal("2", query["limit"].ToString());
            Assert.Equal($"target.id eq \"{id}\"", query["filter"].ToString());
            path = page.Next;
            if (page.Array.Count == 0)
            {
                break;
            }
        }

        Assert.Equal([2, 2, 1, 0], counts);
        Assert.Equal(5, uuids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task A_bounded_query_pages_by_limit_and_ends_without_a_next_link()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (id, _) = await UserWithFiveEventsAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(1);
        var pages = await Api.GetAllPagesAsync($"/api/v1/logs?since={Date(since)}&until={Date(until)}&{F($"target.id eq \"{id}\"")}&limit=2");
        Assert.Equal([2, 2, 1], pages.Select(p => p.Array.Count));
        Assert.Null(pages[^1].Next);
        var types = pages.SelectMany(p => p.Array).Select(e => (string?)e!["eventType"]).ToList();
        Assert.Equal(["user.lifecycle.create", "user.lifecycle.activate", "user.account.update_profile", "user.lifecycle.suspend",
            "user.lifecycle.unsuspend"], types);
        var published = pages.SelectMany(p => p.Array).Select(e => (string)e!["published"]!).ToList();
        Assert.Equal(published.Order(StringComparer.Ordinal), published);
    }

    [Fact]
    public async Task A_bounded_query_without_more_events_than_the_limit_has_no_next_link()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (id, _) = await UserWithFiveEventsAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(1);
        var page = (await Api.GetAsync($"/api/v1/logs?since={Date(since)}&until={Date(until)}&{F($"target.id eq \"{id}\"")}")).Expect(HttpStatusCode.OK);
        Assert.Equal(5, page.Array.Count);
        Assert.Null(page.Next);
        Assert.NotNull(page.Link("self"));
    }

    [Fact]
    public async Task A_bounded_query_excludes_events_outside_the_window()
    {
        var (id, _) = await UserWithFiveEventsAsync();
        var past = DateTimeOffset.UtcNow.AddDays(-3);
        var page = (await Api.GetAsync($"/api/v1/logs?since={Date(past.AddDays(-1))}&until={Date(past)}&{F($"target.id eq \"{id}\"")}"))
            .Expect(HttpStatusCode.OK);
        Assert.Empty(page.Array);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task Descending_order_returns_the_newest_event_first_and_pages_to_the_end()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (id, _) = await UserWithFiveEventsAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(1);
        var window = $"since={Date(since)}&until={Date(until)}&{F($"target.id eq \"{id}\"")}";
        var ascending = (await EventsAsync(window)).Select(e => (string)e!["uuid"]!).ToList();
        var pages = await Api.GetAllPagesAsync($"/api/v1/logs?{window}&sortOrder=DESCENDING&limit=2");
        Assert.Equal([2, 2, 1], pages.Select(p => p.Array.Count));
        var descending = pages.SelectMany(p => p.Array).ToList();
        Assert.Equal(Enumerable.Reverse(ascending), descending.Select(e => (string)e!["uuid"]!));
        Assert.Equal("user.lifecycle.unsuspend", (string?)descending[0]!["eventType"]);
        var published = descending.Select(e => (string)e!["published"]!).ToList();
        Assert.Equal(published.OrderDescending(StringComparer.Ordinal), published);
    }

    [Fact]
    public async Task Descending_order_without_a_window_starts_with_the_newest_event()
    {
        var (id, _) = await UserWithFiveEventsAsync();
        var events = await EventsAsync($"{F($"target.id eq \"{id}\"")}&sortOrder=DESCENDING");
        Assert.Equal("user.lifecycle.unsuspend", (string?)events[0]!["eventType"]);
        Assert.Equal("user.lifecycle.create", (string?)events[^1]!["eventType"]);
    }

    [Fact]
    public async Task A_bad_sort_order_is_400()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.GetAsync("/api/v1/logs?sortOrder=SIDEWAYS")).Status);
    }

    [Fact]
    public async Task Keyword_search_with_q_finds_events_mentioning_the_word()
    {
        var word = ServerFixture.Unique(12);
        var user = ServerFixture.Id(await server.CreateUserAsync(lastName: word));
        var events = await EventsAsync($"q={word}");
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Contains(word, ApiResponse.Compact(e), StringComparison.OrdinalIgnoreCase));
        Assert.Contains(events, e => e!["target"]!.AsArray().Any(t => (string?)t!["id"] == user));
    }

    [Fact]
    public async Task The_default_limit_is_one_hundred_and_a_limit_above_one_thousand_is_capped()
    {
        for (var i = 0; i < 60; i++)
        {
            await server.CreateUserAsync();
        }

        Assert.Equal(100, (await EventsAsync("")).Count);
        Assert.InRange((await EventsAsync("limit=5000")).Count, 101, 1000);
    }

    [Fact]
    public async Task Log_filters_support_starts_with_contains_ends_with_and_present()
    {
        var (id, _) = await UserWithFiveEventsAsync();
        var target = $"target.id eq \"{id}\"";
        Assert.Equal(4, (await EventsAsync(F($"{target} and eventType sw \"user.lifecycle.\""))).Count);
        Assert.Equal(2, (await EventsAsync(F($"{target} and eventType co \"suspend\""))).Count);
        Assert.Single(await EventsAsync(F($"{target} and eventType ew \".unsuspend\"")));
        Assert.Equal(5, (await EventsAsync(F($"{target} and actor.alternateId pr"))).Count);
    }

    [Fact]
    public async Task A_polling_query_with_since_still_answers_next()
    {
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var response = (await Api.GetAsync($"/api/v1/logs?since={Date(since)}&{F("target.id eq \"00uNobodyAtAll000000\"")}")).Expect(HttpStatusCode.OK);
        Assert.Empty(response.Array);
        Assert.NotNull(response.Next);
    }
}
