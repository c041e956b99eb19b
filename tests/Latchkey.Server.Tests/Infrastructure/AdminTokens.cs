using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>An admin made for a test: the user, and an API client calling with a token of their own.</summary>
public sealed record TestAdmin(string UserId, ApiClient Api);

/// <summary>
/// Admins with chosen roles, made the way an operator would: a user, roles granted through the roles API with the
/// bootstrap (super admin) token, and a token issued by <see cref="ApiTokenIssuer"/> (as the console will).
/// </summary>
public static class AdminTokens
{
    public static async Task<TestAdmin> AdminAsync(this ServerFixture server, params string[] roles)
    {
        var userId = ServerFixture.Id(await server.CreateUserAsync());
        foreach (var role in roles)
        {
            await server.GrantAsync(userId, role);
        }

        return new TestAdmin(userId, await server.TokenForAsync(userId));
    }

    /// <summary>POST /users/{id}/roles with the bootstrap token; returns the assignment.</summary>
    public static async Task<JsonObject> GrantAsync(this ServerFixture server, string userId, string role) =>
        (await server.Api.PostAsync($"/api/v1/users/{userId}/roles", new JsonObject { ["type"] = role })).Expect(HttpStatusCode.Created).Object;

    /// <summary>POST /groups/{id}/roles with the bootstrap token; returns the assignment.</summary>
    public static async Task<JsonObject> GrantToGroupAsync(this ServerFixture server, string groupId, string role) =>
        (await server.Api.PostAsync($"/api/v1/groups/{groupId}/roles", new JsonObject { ["type"] = role })).Expect(HttpStatusCode.OK).Object;

    /// <summary>A new token of <paramref name="userId"/> (who must be an admin), from the server's own issuer.</summary>
    public static async Task<ApiClient> TokenForAsync(this ServerFixture server, string userId) =>
        new(server.Api.Http, (await server.IssueAsync(userId, $"Test token {ServerFixture.Unique()}")).Value);

    public static async Task<IssuedApiToken> IssueAsync(this ServerFixture server, string userId, string name)
    {
        await using var scope = server.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var orgId = await db.Users.Where(u => u.Id == userId).Select(u => u.OrgId).SingleAsync(TestContext.Current.CancellationToken);
        return await scope.ServiceProvider.GetRequiredService<ApiTokenIssuer>().CreateAsync(orgId, userId, name, TestContext.Current.CancellationToken);
    }
}
