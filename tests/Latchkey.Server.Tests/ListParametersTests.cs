using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// One rule for the parameters of every list, over every GET list route of the route table (so a list added
/// later is covered, and a GET route that looks like a list but is not declared as one fails the test):
/// the documented values work, anything else is 400 E0000001 naming the parameter; cursors the server
/// issued page through the whole list, cursors it did not issue (or issued for another list) are refused.
/// </summary>
public sealed class ListParametersTests(ListParametersTests.Fixture server) : IClassFixture<ListParametersTests.Fixture>
{
    /// <summary>A user, a group and an app with at least two items in every list, so every list has a second page.</summary>
    public sealed class Fixture : ServerFixture, IAsyncLifetime
    {
        public Dictionary<string, string> RouteValues { get; } = new(StringComparer.Ordinal);

        async ValueTask IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            var first = Id(await CreateUserAsync());
            var second = Id(await CreateUserAsync());
            var group = Id(await CreateGroupAsync());
            var otherGroup = Id(await CreateGroupAsync());
            var app = Id(await CreateBookmarkAppAsync());
            var otherApp = Id(await CreateBookmarkAppAsync());
            foreach (var (g, u) in new[] { (group, first), (group, second), (otherGroup, first) })
            {
                (await Api.PutAsync($"/api/v1/groups/{g}/users/{u}")).Expect(HttpStatusCode.NoContent);
            }

            foreach (var u in new[] { first, second })
            {
                (await Api.PostAsync($"/api/v1/apps/{app}/users", new JsonObject { ["id"] = u })).Expect(HttpStatusCode.OK);
            }

            foreach (var (a, g) in new[] { (app, group), (app, otherGroup), (otherApp, group) })
            {
                (await Api.PutAsync($"/api/v1/apps/{a}/groups/{g}")).Expect(HttpStatusCode.OK);
            }

            // A second API token (tokens are not created by API): a row like the one the first start writes.
            await WithDbAsync(async db =>
            {
                var token = await db.ApiTokens.OrderBy(t => t.Id).FirstAsync();
                var now = IsoTime.Truncate(DateTimeOffset.UtcNow);
                db.ApiTokens.Add(new ApiTokenEntity
                {
                    Id = RandomIds.NewId(IdPrefix.ApiToken, now), OrgId = token.OrgId, UserId = token.UserId, Name = "Second token",
                    TokenHash = SecretHasher.Hash(RandomIds.NewBase62(40)), ClientName = "Okta API", Created = now, LastUpdated = now,
                    ExpiresAt = now.AddDays(30),
                });
                return await db.SaveChangesAsync();
            });

            // Two people on a computer with the Desktop MFA agent (online sign-ins through the agent protocol leave these rows).
            var desktopApp = Id((await Api.PostAsync("/api/v1/apps", new JsonObject { ["name"] = "desktop_mfa", ["label"] = "Desktop MFA" })).Expect(HttpStatusCode.OK).Object);
            await WithDbAsync(async db =>
            {
                var org = await db.Apps.Where(a => a.Id == desktopApp).Select(a => a.OrgId).FirstAsync();
                var now = IsoTime.Truncate(DateTimeOffset.UtcNow);
                var computer = new DesktopMfaComputerEntity
                {
                    Id = RandomIds.NewId(IdPrefix.DesktopMfaComputer, now), OrgId = org, AppId = desktopApp, AgentId = "cmp-list-test", Name = "List Mac",
                    Created = now, LastSeen = now,
                };
                db.DesktopMfaComputers.Add(computer);
                foreach (var u in new[] { first, second })
                {
                    db.DesktopMfaSeats.Add(new DesktopMfaSeatEntity { ComputerId = computer.Id, UserId = u, OrgId = org, FirstSeen = now, LastOnlineSignIn = now });
                }

                return await db.SaveChangesAsync();
            });

            // Two devices (the authenticator app's enrollment registers them; seeded as it leaves them).
            await this.SeedDeviceAsync([first]);
            await this.SeedDeviceAsync([second]);

            // A second access policy (a new org has one of each type), with a rule before its catch-all.
            var policy = Id((await Api.PostAsync("/api/v1/policies", new JsonObject { ["type"] = "ACCESS_POLICY", ["name"] = "Second policy" }))
                .Expect(HttpStatusCode.OK).Object);
            (await Api.PostAsync($"/api/v1/policies/{policy}/rules", new JsonObject
            {
                ["type"] = "ACCESS_POLICY", ["name"] = "Deny everyone", ["actions"] = new JsonObject { ["appSignOn"] = new JsonObject { ["access"] = "DENY" } },
            })).Expect(HttpStatusCode.OK);

            RouteValues["id"] = first;
            RouteValues["userId"] = first;
            RouteValues["groupId"] = group;
            RouteValues["appId"] = app;
            RouteValues["policyId"] = policy;
        }
    }

    /// <summary>
    /// GET routes whose last segment is a literal but which are single resources, or lists the real service does not page
    /// (a user's or a group's admin roles: at most one assignment per standard role, no <c>limit</c> or <c>after</c>).
    /// </summary>
    private static readonly HashSet<string> NotLists = new(StringComparer.Ordinal)
    {
        "/api/v1/sessions/me", "/api/v1/users/{userId}/roles", "/api/v1/groups/{groupId}/roles",
        // One document: the Desktop MFA app's configuration profile (docs/desktop-mfa.md).
        "/api/v1/apps/{appId}/desktop-mfa/profile",
        // The real service answers these whole, without paging (a dozen authenticators, a user's few factors).
        "/api/v1/authenticators", "/api/v1/authenticators/{authenticatorId}/methods", "/api/v1/users/{userId}/factors",
        "/api/v1/users/{userId}/factors/catalog",
        // The spec gives a device's users and a user's devices no paging parameters (a handful each).
        "/api/v1/devices/{deviceId}/users", "/api/v1/users/{userId}/devices",
        // The spec gives the custom AAGUIDs of an authenticator no paging parameters (an allow-list of a few models).
        "/api/v1/authenticators/{authenticatorId}/aaguids",
        // Latchkey's own (docs/device-integrations.md): an org's few MDMs, and (not paged yet) the certificates one issued.
        "/api/v1/device-integrations", "/api/v1/device-integrations/{integrationId}/certificates",
        // The apps bound to a policy, and its mappings (the spec gives them no paging parameters; docs/policies.md).
        "/api/v1/policies/{policyId}/app", "/api/v1/policies/{policyId}/mappings",
        // The signed-in person's app links (the spec's listAppLinks has no paging parameters; a dashboard's tiles).
        "/api/v1/users/me/appLinks",
    };

    /// <summary>Query parameters a list requires (the policies list is read by type).</summary>
    private static readonly Dictionary<string, string> RequiredQuery = new(StringComparer.Ordinal)
    {
        ["/api/v1/policies"] = "type=ACCESS_POLICY",
    };

    /// <summary>The list's path ready for one more query parameter (after its required ones).</summary>
    private static string Q(string path) => path.Contains('?', StringComparison.Ordinal) ? path + "&" : path + "?";

    /// <summary>The real service's documented values that are not errors: route, parameter, value, what they mean.</summary>
    private static readonly HashSet<(string Route, string Parameter, string Value)> Documented =
    [
        ("/api/v1/apps", "limit", "-1"), // the apps list documents -1 as "the server's default page size"
        ("/api/v1/zones", "limit", "-1"), // so does the network zones list (its default)
        ("/api/v1/logs", "limit", "0"), // the System Log takes a limit from 0 to 1000
    ];

    private static readonly (string Parameter, string Value)[] BadValues =
    [
        ("limit", "-1"), ("limit", "0"), ("limit", "2147483648"), ("limit", "abc"), ("limit", "1.5"),
        ("after", "garbage"), ("sortOrder", "sideways"), ("sortBy", "sideways"),
    ];

    private ApiClient Api => server.Api;

    private List<(string Route, string Path)> ListRoutes()
    {
        var routes = new List<(string, string)>();
        var undeclared = new List<string>();
        var endpoints = server.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.OrdinalIgnoreCase) == true);
        foreach (var endpoint in endpoints)
        {
            var route = endpoint.RoutePattern.RawText!.TrimEnd('/');
            var last = endpoint.RoutePattern.PathSegments[^1];
            var endsWithLiteral = last.Parts is [RoutePatternLiteralPart];
            if (endpoint.Metadata.GetMetadata<ListSpec>() is null)
            {
                if (endsWithLiteral && !NotLists.Contains(route))
                {
                    undeclared.Add(route);
                }

                continue;
            }

            var path = string.Join('/', endpoint.RoutePattern.PathSegments.Select(s => s.Parts switch
            {
                [RoutePatternLiteralPart literal] => literal.Content,
                [RoutePatternParameterPart parameter] => server.RouteValues.TryGetValue(parameter.Name, out var value)
                    ? value
                    : throw new InvalidOperationException($"{route}: give the fixture a value for {{{parameter.Name}}}."),
                _ => throw new InvalidOperationException($"{route}: a complex segment; extend the test."),
            }));
            routes.Add((route, "/" + path + (RequiredQuery.TryGetValue(route, out var query) ? "?" + query : "")));
        }

        Assert.True(undeclared.Count == 0,
            $"GET routes that look like lists but are not declared with Paging.AsList (or listed in NotLists): {string.Join(", ", undeclared)}");
        Assert.True(routes.Count >= 10, $"Expected every list route, found {routes.Count}: {string.Join(", ", routes.Select(r => r.Item1))}");
        return routes;
    }

    [Fact]
    public async Task Every_list_refuses_a_bad_parameter_with_400_E0000001_naming_it_except_where_the_value_is_documented()
    {
        var routes = ListRoutes();
        var problems = new List<string>();
        foreach (var (route, path) in routes)
        {
            foreach (var (parameter, value) in BadValues)
            {
                var response = await Api.GetAsync($"{Q(path)}{parameter}={Uri.EscapeDataString(value)}");
                if (Documented.Contains((route, parameter, value)))
                {
                    if (response.Status != HttpStatusCode.OK)
                    {
                        problems.Add($"{route} {parameter}={value} is documented, expected 200: {response.Describe()}");
                    }

                    continue;
                }

                if (!IsValidationErrorNaming(response, parameter))
                {
                    problems.Add($"{route} {parameter}={value}: expected 400 E0000001 naming {parameter}: {response.Describe()}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Every_list_refuses_a_cursor_issued_for_another_list_and_accepts_its_own()
    {
        var routes = ListRoutes();
        var cursors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (route, path) in routes)
        {
            var next = (await Api.GetAsync($"{Q(path)}limit=1")).Expect(HttpStatusCode.OK).Next;
            Assert.True(next is not null, $"{route}: the fixture gives every list a second page, but limit=1 gave no next link");
            cursors[route] = QueryHelpers.ParseQuery(new Uri(next).Query)["after"].ToString();
        }

        var problems = new List<string>();
        foreach (var (route, path) in routes)
        {
            var own = await Api.GetAsync($"{Q(path)}limit=1&after={cursors[route]}");
            if (own.Status != HttpStatusCode.OK)
            {
                problems.Add($"{route}: its own cursor was refused: {own.Describe()}");
            }

            foreach (var (other, cursor) in cursors.Where(c => c.Key != route))
            {
                var response = await Api.GetAsync($"{Q(path)}limit=1&after={cursor}");
                if (!IsValidationErrorNaming(response, "after"))
                {
                    problems.Add($"{route} with a cursor of {other}: expected 400 E0000001 naming after: {response.Describe()}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Every_list_pages_through_the_whole_list_with_the_cursors_it_issues()
    {
        foreach (var (route, path) in ListRoutes())
        {
            var key = route == "/api/v1/logs" ? "uuid" : "id";
            var whole = (await Api.GetAsync($"{Q(path)}limit=1000")).Expect(HttpStatusCode.OK).Array.Select(i => (string)i![key]!).ToList();
            var paged = new List<string>();
            string? next = $"{Q(path)}limit=1";
            // The System Log polls: its next link never ends, so the walk stops at the first empty page.
            for (var pages = 0; next is not null && pages <= whole.Count; pages++)
            {
                var page = (await Api.GetAsync(next)).Expect(HttpStatusCode.OK);
                if (page.Array.Count == 0)
                {
                    break;
                }

                paged.AddRange(page.Array.Select(i => (string)i![key]!));
                next = page.Next;
            }

            Assert.True(whole.Count >= 2, $"{route}: the fixture should give at least two items");
            Assert.Equal(whole, paged);
        }
    }

    [Fact]
    public async Task A_limit_above_the_maximum_is_served_as_the_maximum_on_every_list()
    {
        foreach (var (route, path) in ListRoutes())
        {
            var key = route == "/api/v1/logs" ? "uuid" : "id";
            var atMost = (await Api.GetAsync($"{Q(path)}limit=1000")).Expect(HttpStatusCode.OK).Array.Select(i => (string)i![key]!);
            var huge = (await Api.GetAsync($"{Q(path)}limit=2147483647")).Expect(HttpStatusCode.OK).Array.Select(i => (string)i![key]!);
            Assert.Equal(atMost, huge);
        }
    }

    private static bool IsValidationErrorNaming(ApiResponse response, string parameter) =>
        response.Status == HttpStatusCode.BadRequest
        && response.Json is JsonObject error
        && (string?)error["errorCode"] == "E0000001"
        && (string?)error["errorSummary"] == $"Api validation failed: {parameter}"
        && ApiResponse.Causes(error).Any(c => c.StartsWith($"{parameter}: ", StringComparison.Ordinal));
}
