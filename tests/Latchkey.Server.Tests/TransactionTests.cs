using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>A request either changes everything it set out to change, with its events, or nothing.</summary>
public sealed class TransactionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    [Fact]
    public async Task Creating_a_user_with_an_unknown_group_id_fails_and_leaves_no_user_membership_or_event()
    {
        var known = ServerFixture.Id(await server.CreateGroupAsync());
        var login = $"atomic.{ServerFixture.Unique()}@example.com";
        var body = new JsonObject
        {
            ["profile"] = ServerFixture.Profile(login),
            ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = ServerFixture.Password } },
            ["groupIds"] = new JsonArray(known, "00gDoesNotExist00000"),
        };
        var error = (await Api.PostAsync("/api/v1/users", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("groupIds", (string?)error["errorSummary"], StringComparison.Ordinal);

        (await Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        var search = await Api.GetAsync($"/api/v1/users?search={ServerFixture.Encode($"profile.login eq \"{login}\"")}");
        Assert.Empty(search.Expect(HttpStatusCode.OK).Array);
        Assert.Empty((await Api.GetAsync($"/api/v1/groups/{known}/users")).Expect(HttpStatusCode.OK).Array);

        var events = (await Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"target.alternateId eq \"{login}\""))).Expect(HttpStatusCode.OK).Array;
        Assert.Empty(events);
        var creates = (await Api.GetAsync("/api/v1/logs?limit=1000&filter=" + ServerFixture.Encode("eventType eq \"user.lifecycle.create\""))).Array;
        Assert.DoesNotContain(creates, e => e!["target"]!.AsArray().Any(t => (string?)t!["alternateId"] == login));

        var stored = await server.WithDbAsync(async db => new
        {
            Users = await db.Users.CountAsync(u => u.LoginKey == login),
            Members = await db.GroupMembers.CountAsync(m => m.GroupId == known),
            Events = (await db.LogEvents.Select(e => e.Json).ToListAsync()).Count(j => j.Contains(login, StringComparison.Ordinal)),
        });
        Assert.Equal(0, stored.Users);
        Assert.Equal(0, stored.Members);
        Assert.Equal(0, stored.Events);

        var retried = await server.CreateUserAsync(login);
        Assert.Equal(login, (string?)retried["profile"]!["login"]);
    }

    [Fact]
    public async Task A_failed_write_does_not_break_the_log_chain_for_the_next_write()
    {
        var login = $"chain.{ServerFixture.Unique()}@example.com";
        var body = new JsonObject { ["profile"] = ServerFixture.Profile(login), ["groupIds"] = new JsonArray("00gDoesNotExist00000") };
        (await Api.PostAsync("/api/v1/users", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var user = ServerFixture.Id(await server.CreateUserAsync(login));
        var events = (await Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"target.id eq \"{user}\""))).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(2, events.Count);
        await LogChain.AssertValidAsync(server);
    }

    [Fact]
    public async Task Concurrent_writes_all_succeed_and_each_logs_its_events()
    {
        var logins = Enumerable.Range(0, 12).Select(_ => $"conc.{ServerFixture.Unique()}@example.com").ToList();
        var results = await Task.WhenAll(logins.Select(login => Api.PostAsync("/api/v1/users", new JsonObject
        {
            ["profile"] = ServerFixture.Profile(login),
            ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = ServerFixture.Password } },
        })));
        Assert.All(results, r => r.Expect(HttpStatusCode.OK));
        foreach (var r in results)
        {
            var id = ServerFixture.Id(r.Object);
            var events = (await Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"target.id eq \"{id}\""))).Array;
            Assert.Equal(2, events.Count);
        }

        await LogChain.AssertValidAsync(server);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_login_make_exactly_one_user()
    {
        var login = $"race.{ServerFixture.Unique()}@example.com";
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Api.PostAsync("/api/v1/users?activate=false",
            new JsonObject { ["profile"] = ServerFixture.Profile(login) })));
        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            var error = r.ExpectError(HttpStatusCode.BadRequest, "E0000001");
            Assert.Equal(["login: An object with this field already exists in the current organization"], ApiResponse.Causes(error));
        });
    }
}
