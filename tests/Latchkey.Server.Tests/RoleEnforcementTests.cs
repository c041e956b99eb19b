using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 item 4: every Management API route declares the admin permission it needs, and a token whose owner's roles
/// lack it is refused with 403 E0000006 before anything happens. The routes are read from the server's own route table,
/// so a route added later is covered (and one that declares nothing fails here, and is refused to everyone).
/// </summary>
public sealed class RoleEnforcementTests(RoleEnforcementTests.Fixture server) : IClassFixture<RoleEnforcementTests.Fixture>
{
    /// <summary>One token per standard role, made once for the class.</summary>
    public sealed class Fixture : ServerFixture, IAsyncLifetime
    {
        public Dictionary<string, TestAdmin> ByRole { get; } = new(StringComparer.Ordinal);

        async ValueTask IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            foreach (var role in AdminRole.All)
            {
                ByRole[role] = await this.AdminAsync(role);
            }
        }
    }

    /// <summary>A method and route under /api/v1, with its endpoint.</summary>
    public sealed record Route(string Method, string Pattern, RouteEndpoint Endpoint)
    {
        public override string ToString() => $"{Method} {Pattern}";
    }

    /// <summary>Values that name nothing: an allowed call reaches its handler and finds nothing to change.</summary>
    private static readonly Dictionary<string, string> Nothing = new(StringComparer.Ordinal)
    {
        ["id"] = "00uNoSuchUser0000000", ["userId"] = "00uNoSuchUser0000000", ["groupId"] = "00gNoSuchGroup000000",
        ["appId"] = "0oaNoSuchApp00000000", ["tokenId"] = "00TNoSuchToken000000", ["roleAssignmentId"] = "irbNoSuchRole0000000",
        ["operation"] = "unlock", ["authenticatorId"] = "autNoSuchAuthentic00", ["methodType"] = "totp", ["factorId"] = "ostNoSuchFactor00000", ["transactionId"] = "v2mNoSuchPush0000000",
        ["integrationId"] = "dinNoSuchIntegration", ["certificateId"] = "dmcNoSuchCertificate",
        ["zoneId"] = "nzoNoSuchZone0000000",
        ["deviceId"] = "guoNoSuchDevice00000", ["policyId"] = "rstNoSuchPolicy00000", ["ruleId"] = "rulNoSuchRule0000000",
        ["mappingId"] = "mapNoSuchMapping0000", ["aaguid"] = "00000000-0000-0000-0000-000000000001",
    };

    private List<Route> ApiRoutes() =>
        server.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.OrdinalIgnoreCase) == true
                || e.RoutePattern.RawText?.StartsWith(Features.DesktopMfa.DesktopMfaApi.SettingsPrefix, StringComparison.OrdinalIgnoreCase) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new Route(m, e.RoutePattern.RawText!.TrimEnd('/'), e)))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToList();

    /// <summary>The routes that declare a permission: every /api/v1 route but the token-free ones.</summary>
    private List<Route> GuardedRoutes() => ApiRoutes().Where(r => r.Endpoint.Metadata.GetMetadata<NoAdminPermission>() is null).ToList();

    private static string Fill(Route route) => "/" + string.Join('/', route.Endpoint.RoutePattern.PathSegments.Select(s => s.Parts switch
    {
        [RoutePatternLiteralPart literal] => literal.Content,
        [RoutePatternParameterPart parameter] => Nothing.TryGetValue(parameter.Name, out var value)
            ? value
            : throw new InvalidOperationException($"{route}: give the test a value for {{{parameter.Name}}}."),
        _ => throw new InvalidOperationException($"{route}: a complex segment; extend the test."),
    }));

    private static IReadOnlyList<AdminPermission> Required(Route route) =>
        route.Endpoint.Metadata.GetOrderedMetadata<RequiredPermission>().Select(r => r.Permission).ToList();

    private static ApiCaller Caller(AdminGrant grant) => new("org", "00u", "someone@example.com", "Some One", "00T", grant);

    [Fact]
    public void Every_api_route_declares_a_permission_or_is_one_of_the_token_free_routes()
    {
        var routes = ApiRoutes();
        Assert.True(routes.Count >= 50, $"Expected the whole Management API, found {routes.Count}: {string.Join(", ", routes)}");
        var undeclared = routes.Where(r => Required(r).Count == 0 && r.Endpoint.Metadata.GetMetadata<NoAdminPermission>() is null).ToList();
        Assert.True(undeclared.Count == 0, $"Routes that declare no permission (.Requires(...)): {string.Join(", ", undeclared)}");

        // Only the routes that take no API token may go without a permission.
        var tokenFree = routes.Where(r => r.Endpoint.Metadata.GetMetadata<NoAdminPermission>() is not null).ToList();
        Assert.All(tokenFree, r => Assert.True(SessionsApi.IsTokenFree(new PathString(Fill(r))), $"{r} needs no permission but takes a token"));
        Assert.Equal(
            ["DELETE /api/v1/sessions/me", "GET /api/v1/sessions/me", "GET /api/v1/users/me/appLinks", "POST /api/v1/authn", "POST /api/v1/authn/credentials/change_password",
                "POST /api/v1/sessions/me/lifecycle/refresh"],
            tokenFree.Select(r => r.ToString()).Order(StringComparer.Ordinal));
        Assert.All(tokenFree, r => Assert.Empty(Required(r)));
    }

    [Fact]
    public void The_check_fails_closed_for_a_route_that_declares_nothing_even_for_a_super_admin()
    {
        var superAdmin = Caller(new AdminGrant([AdminRole.SuperAdmin]));
        var bare = new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(), "undeclared");
        Assert.False(AdminPermissionCheck.IsAllowed(bare, superAdmin));
        Assert.False(AdminPermissionCheck.IsAllowed(null, superAdmin));

        var guarded = new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(new RequiredPermission(AdminPermission.LogsRead)), "guarded");
        Assert.True(AdminPermissionCheck.IsAllowed(guarded, superAdmin));
        Assert.True(AdminPermissionCheck.IsAllowed(guarded, Caller(new AdminGrant([AdminRole.ReadOnlyAdmin]))));
        Assert.False(AdminPermissionCheck.IsAllowed(guarded, Caller(new AdminGrant([AdminRole.HelpDeskAdmin, AdminRole.AppAdmin]))));
        Assert.False(AdminPermissionCheck.IsAllowed(guarded, Caller(AdminGrant.None)));
        Assert.False(AdminPermissionCheck.IsAllowed(guarded, null));

        // Two declarations: both must hold.
        var both = new Endpoint(_ => Task.CompletedTask,
            new EndpointMetadataCollection(new RequiredPermission(AdminPermission.AppsRead), new RequiredPermission(AdminPermission.UsersManage)), "both");
        Assert.False(AdminPermissionCheck.IsAllowed(both, Caller(new AdminGrant([AdminRole.AppAdmin]))));
        Assert.False(AdminPermissionCheck.IsAllowed(both, Caller(new AdminGrant([AdminRole.UserAdmin]))));
        Assert.True(AdminPermissionCheck.IsAllowed(both, Caller(new AdminGrant([AdminRole.AppAdmin, AdminRole.UserAdmin]))));
    }

    [Fact]
    public void On_the_real_route_table_no_grant_passes_without_a_role_and_a_super_admin_passes_everywhere()
    {
        var superAdmin = Caller(new AdminGrant([AdminRole.SuperAdmin]));
        var nobody = Caller(AdminGrant.None);
        foreach (var route in GuardedRoutes())
        {
            Assert.True(AdminPermissionCheck.IsAllowed(route.Endpoint, superAdmin), $"{route} refuses a super admin");
            Assert.False(AdminPermissionCheck.IsAllowed(route.Endpoint, nobody), $"{route} lets a caller without roles in");
        }
    }

    [Fact]
    public async Task Every_guarded_route_answers_403_E0000006_to_each_role_that_lacks_its_permission_and_lets_the_others_through()
    {
        var problems = new List<string>();
        var refusals = 0;
        foreach (var route in GuardedRoutes())
        {
            var required = Required(route);
            Assert.NotEmpty(required);
            foreach (var role in AdminRole.All)
            {
                var allowed = required.All(AdminPermissions.Of(role).Contains);
                var body = route.Method is "POST" or "PUT" ? new JsonObject() : null;
                var response = await server.ByRole[role].Api.SendAsync(new HttpMethod(route.Method), Fill(route), body);
                var refused = response.Status == HttpStatusCode.Forbidden && (string?)response.Json?["errorCode"] == "E0000006";
                if (!allowed)
                {
                    refusals++;
                    if (!refused || (string?)response.Json?["errorSummary"] != "You do not have permission to perform the requested action")
                    {
                        problems.Add($"{role} {route}: expected 403 E0000006: {response.Describe()}");
                    }
                }
                else if (refused || (int)response.Status >= 500 || response.Status == HttpStatusCode.Unauthorized)
                {
                    problems.Add($"{role} {route}: allowed ({string.Join(", ", required)}) but got {response.Describe()}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(refusals >= 100, $"Only {refusals} refusals checked: the matrix is too thin to prove anything.");
    }

    /// <summary>
    /// The matrix above refuses a route only to a role that lacks its permission; the permissions every role holds are
    /// proved closed by the route-table check without a role. This pins which those are.
    /// </summary>
    [Fact]
    public void The_only_permissions_every_role_holds_are_reading_people_and_groups_and_managing_ones_own_tokens()
    {
        var needed = GuardedRoutes().SelectMany(Required).Distinct().ToList();
        var heldByAll = needed.Where(p => AdminRole.All.All(role => AdminPermissions.Of(role).Contains(p)));
        Assert.Equal([AdminPermission.UsersRead, AdminPermission.GroupsRead, AdminPermission.OwnApiTokens], heldByAll.Order());
    }

    [Fact]
    public void A_read_only_admin_may_call_every_get_route_but_the_secret_bearing_profile_and_no_other_but_revoking_their_own_token_and_simulating_policies()
    {
        var readOnly = AdminPermissions.Of(AdminRole.ReadOnlyAdmin);
        foreach (var route in GuardedRoutes())
        {
            var allowed = Required(route).All(readOnly.Contains);
            if (route.ToString() == "GET /api/v1/apps/{appId}/desktop-mfa/profile")
            {
                // The profile holds the Desktop MFA app's client secret: reading it takes managing apps.
                Assert.False(allowed, $"{route} is allowed to READ_ONLY_ADMIN");
            }
            else if (route.Method == "GET")
            {
                Assert.True(allowed, $"{route} is refused to READ_ONLY_ADMIN");
            }
            else if (route.ToString() is not "DELETE /api/v1/api-tokens/{tokenId}" and not "POST /api/v1/policies/simulate")
            {
                Assert.False(allowed, $"{route} is allowed to READ_ONLY_ADMIN");
            }
        }
    }

    [Fact]
    public async Task A_read_only_admin_reads_everything_and_changes_nothing()
    {
        var api = server.ByRole[AdminRole.ReadOnlyAdmin].Api;
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        foreach (var path in new[]
        {
            "/api/v1/users", $"/api/v1/users/{user}", $"/api/v1/users/{user}/groups", $"/api/v1/users/{user}/roles", "/api/v1/groups",
            $"/api/v1/groups/{group}/users", $"/api/v1/groups/{group}/roles", "/api/v1/apps", $"/api/v1/apps/{app}/users", "/api/v1/logs?limit=5",
            "/api/v1/api-tokens", "/api/v1/devices", $"/api/v1/users/{user}/devices",
        })
        {
            (await api.GetAsync(path)).Expect(HttpStatusCode.OK);
        }

        (await api.PostAsync($"/api/v1/users/{user}/lifecycle/suspend")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.PutAsync($"/api/v1/groups/{group}/users/{user}")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.PostAsync($"/api/v1/apps/{app}/lifecycle/deactivate")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.PostAsync($"/api/v1/users/{user}/roles", new JsonObject { ["type"] = AdminRole.SuperAdmin })).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.DeleteAsync($"/api/v1/users/{user}/sessions")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        Assert.Equal("ACTIVE", (string?)(await server.Api.GetAsync($"/api/v1/users/{user}")).Object["status"]);
        Assert.Empty((await server.Api.GetAsync($"/api/v1/groups/{group}/users")).Array);
        Assert.Empty((await server.Api.GetAsync($"/api/v1/users/{user}/roles")).Array);
    }

    [Fact]
    public async Task A_help_desk_admin_unlocks_and_resets_a_user_but_cannot_create_users_or_apps_or_read_the_log()
    {
        var api = server.ByRole[AdminRole.HelpDeskAdmin].Api;
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        var login = (string)user["profile"]!["login"]!;
        for (var i = 0; i < 10; i++)
        {
            await server.Api.SendRawAsync(HttpMethod.Post, "/api/v1/authn",
                new JsonObject { ["username"] = login, ["password"] = "Wr0ngPassword!" }.ToJsonString(), auth: null);
        }

        Assert.Equal("LOCKED_OUT", (string?)(await api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object["status"]);
        (await api.PostAsync($"/api/v1/users/{id}/lifecycle/unlock")).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", (string?)(await api.GetAsync($"/api/v1/users/{id}")).Object["status"]);
        var reset = (await api.PostAsync($"/api/v1/users/{id}/lifecycle/reset_password?sendEmail=false")).Expect(HttpStatusCode.OK).Object;
        Assert.Contains("/reset_password/", (string?)reset["resetPasswordUrl"], StringComparison.Ordinal);
        (await api.PostAsync($"/api/v1/users/{id}/lifecycle/reset_factors")).Expect(HttpStatusCode.OK);
        (await api.DeleteAsync($"/api/v1/users/{id}/sessions")).Expect(HttpStatusCode.NoContent);

        var login2 = $"helpdesk.{ServerFixture.Unique()}@example.com";
        (await api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = ServerFixture.Profile(login2) })).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await server.Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login2)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody())).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.GetAsync("/api/v1/logs?limit=1")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.PostAsync($"/api/v1/users/{id}", new JsonObject { ["profile"] = new JsonObject { ["firstName"] = "Changed" } }))
            .ExpectError(HttpStatusCode.Forbidden, "E0000006");
        Assert.Equal("Test", (string?)(await server.Api.GetAsync($"/api/v1/users/{id}")).Object["profile"]!["firstName"]);
    }

    [Fact]
    public async Task An_app_admin_manages_apps_and_their_assignments_but_not_users_or_groups()
    {
        var api = server.ByRole[AdminRole.AppAdmin].Api;
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var app = ServerFixture.Id((await api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody())).Expect(HttpStatusCode.OK).Object);
        (await api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = user })).Expect(HttpStatusCode.OK);
        (await api.PutAsync($"/api/v1/apps/{app}/groups/{group}")).Expect(HttpStatusCode.OK);
        (await api.PostAsync($"/api/v1/apps/{app}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        (await api.DeleteAsync($"/api/v1/apps/{app}")).Expect(HttpStatusCode.NoContent);
        (await api.GetAsync($"/api/v1/users/{user}")).Expect(HttpStatusCode.OK);

        (await api.PostAsync($"/api/v1/users/{user}/lifecycle/suspend")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.DeleteAsync($"/api/v1/users/{user}")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.PutAsync($"/api/v1/groups/{group}/users/{user}")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["name"] = "G " + ServerFixture.Unique() } }))
            .ExpectError(HttpStatusCode.Forbidden, "E0000006");
        Assert.Equal("ACTIVE", (string?)(await server.Api.GetAsync($"/api/v1/users/{user}")).Object["status"]);
    }

    [Fact]
    public async Task A_refusal_carries_the_request_id_and_the_rate_limit_headers_and_writes_nothing_to_the_log()
    {
        var api = server.ByRole[AdminRole.ReadOnlyAdmin].Api;
        var before = await server.WithDbAsync(db => db.LogEvents.LongCountAsync());
        var response = await api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["name"] = "G " + ServerFixture.Unique() } });
        response.ExpectError(HttpStatusCode.Forbidden, "E0000006");
        Assert.NotNull(response.Header("X-Okta-Request-Id"));
        Assert.NotNull(response.Header("X-Rate-Limit-Remaining"));
        Assert.Equal(before, await server.WithDbAsync(db => db.LogEvents.LongCountAsync()));
    }
}
