using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>The stored System Log is a hash chain: each row hashes its predecessor's hash, its sequence and its JSON.</summary>
public sealed class HashChainTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_stored_log_events_form_a_valid_hash_chain_after_many_kinds_of_change()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        (await server.Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await server.Api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        (await server.Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = user })).Expect(HttpStatusCode.OK);
        (await server.Api.PostAsync($"/api/v1/users/{user}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        (await server.Api.DeleteAsync($"/api/v1/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await server.Api.DeleteAsync($"/api/v1/users/{user}")).Expect(HttpStatusCode.NoContent);
        await LogChain.AssertValidAsync(server);
    }

    [Fact]
    public async Task Every_event_served_by_the_api_is_a_stored_chain_row_verbatim()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var served = (await server.Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"target.id eq \"{user}\""))).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(2, served.Count);
        var stored = await server.WithDbAsync(async db =>
            await db.LogEvents.AsNoTracking().Where(e => e.EventType.StartsWith("user.lifecycle.")).ToListAsync());
        foreach (var e in served)
        {
            var row = Assert.Single(stored, r => r.Uuid == (string?)e!["uuid"]);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(row.Json), e), $"served {ApiResponse.Compact(e)} differs from stored {row.Json}");
        }
    }
}
