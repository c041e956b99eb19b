using System.Net;
using Latchkey.Core.Admin;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md section 0.9: listing, reading and revoking API tokens.</summary>
public sealed class ApiTokensTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    /// <summary>A second token for the admin, written straight to the store (tokens are never created by API).</summary>
    private async Task<(string Id, string Secret)> AddTokenAsync(string name, string? userId = null)
    {
        var secret = "00" + ServerFixture.Unique(40);
        var id = "00T" + ServerFixture.Unique(17);
        await server.WithDbAsync(async db =>
        {
            var admin = await db.Users.AsNoTracking().SingleAsync(u => u.Id == (userId ?? server.Admin.Id));
            var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            db.ApiTokens.Add(new ApiTokenEntity
            {
                Id = id, OrgId = admin.OrgId, UserId = admin.Id, Name = name, TokenHash = SecretHasher.Hash(secret),
                ClientName = "Okta API", Created = now, LastUpdated = now, ExpiresAt = now.AddDays(30),
            });
            return await db.SaveChangesAsync();
        });
        return (id, secret);
    }

    [Fact]
    public async Task The_list_includes_the_bootstrap_token_with_the_okta_shape()
    {
        var tokens = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array;
        var token = Assert.Single(tokens, t => (string?)t!["name"] == "Bootstrap token")!;
        Wire.AssertId((string?)token["id"], "00T");
        Assert.Equal(server.Admin.Id, (string?)token["userId"]);
        Assert.Equal("Okta API", (string?)token["clientName"]);
        Assert.Equal("P30D", (string?)token["tokenWindow"]);
        Assert.False(string.IsNullOrEmpty((string?)token["network"]?["connection"]));
        Wire.AssertDate(token["expiresAt"], "expiresAt");
        Wire.AssertSelf(token, Api.BaseAddress, $"/api/v1/api-tokens/{ServerFixture.Id(token)}");
        Assert.EndsWith($"/api/v1/users/{server.Admin.Id}", (string?)token["_links"]!["user"]!["href"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_can_be_read_by_id_and_as_current()
    {
        var listed = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array;
        var bootstrap = ServerFixture.Id(listed.Single(t => (string?)t!["name"] == "Bootstrap token")!);
        var byId = (await Api.GetAsync($"/api/v1/api-tokens/{bootstrap}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(bootstrap, ServerFixture.Id(byId));
        var current = (await Api.GetAsync("/api/v1/api-tokens/current")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(bootstrap, ServerFixture.Id(current));
        (await Api.GetAsync("/api/v1/api-tokens/00TNoSuchToken000000")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Revoking_the_current_token_makes_its_next_call_401_and_leaves_other_tokens_working()
    {
        var (id, secret) = await AddTokenAsync("Revoke me " + ServerFixture.Unique());
        var second = new ApiClient(Api.Http, secret);
        (await second.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);
        Assert.Contains((await Api.GetAsync("/api/v1/api-tokens")).Array, t => ServerFixture.Id(t!) == id);

        (await second.DeleteAsync("/api/v1/api-tokens/current")).Expect(HttpStatusCode.NoContent);

        (await second.GetAsync("/api/v1/users/me")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
        (await second.GetAsync("/api/v1/api-tokens")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
        (await Api.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain((await Api.GetAsync("/api/v1/api-tokens")).Array, t => ServerFixture.Id(t!) == id);
        (await Api.GetAsync($"/api/v1/api-tokens/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Revoking_a_token_by_id_makes_it_401_at_once()
    {
        var (id, secret) = await AddTokenAsync("Revoke by id " + ServerFixture.Unique());
        var other = new ApiClient(Api.Http, secret);
        (await other.GetAsync("/api/v1/groups")).Expect(HttpStatusCode.OK);
        (await Api.DeleteAsync($"/api/v1/api-tokens/{id}")).Expect(HttpStatusCode.NoContent);
        (await other.GetAsync("/api/v1/groups")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }

    [Fact]
    public async Task Revoking_a_token_is_logged()
    {
        var (id, secret) = await AddTokenAsync("Logged " + ServerFixture.Unique());
        (await new ApiClient(Api.Http, secret).DeleteAsync("/api/v1/api-tokens/current")).Expect(HttpStatusCode.NoContent);
        var events = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"target.id eq \"{id}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(["system.api_token.revoke"], events.Select(e => (string?)e!["eventType"]));
    }

    [Fact]
    public async Task The_token_of_a_removed_user_stops_working_at_once()
    {
        var owner = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(owner, AdminRole.ReadOnlyAdmin); // a token works only while its owner is an admin
        var (_, secret) = await AddTokenAsync("Owner token " + ServerFixture.Unique(), owner);
        var client = new ApiClient(Api.Http, secret);
        (await client.GetAsync("/api/v1/groups")).Expect(HttpStatusCode.OK);
        (await Api.DeleteAsync($"/api/v1/users/{owner}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{owner}")).Expect(HttpStatusCode.NoContent);
        (await client.GetAsync("/api/v1/groups")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }

    [Fact]
    public async Task The_token_of_a_deactivated_user_stops_working_within_the_token_cache_lifetime()
    {
        var owner = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(owner, AdminRole.ReadOnlyAdmin); // a token works only while its owner is an admin
        var (_, secret) = await AddTokenAsync("Owner token " + ServerFixture.Unique(), owner);
        var client = new ApiClient(Api.Http, secret);
        (await client.GetAsync("/api/v1/groups")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/users/{owner}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        var deadline = DateTimeOffset.UtcNow + Latchkey.Server.Features.ApiTokens.ApiTokenCache.Lifetime + TimeSpan.FromSeconds(1);
        ApiResponse response;
        do
        {
            response = await client.GetAsync("/api/v1/groups");
            if (response.Status == HttpStatusCode.Unauthorized)
            {
                break;
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        while (DateTimeOffset.UtcNow < deadline);
        response.ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }
}
