using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Bodies that are not JSON in UTF-8, or that smuggle NUL characters or case-twin attribute names, are refused
/// on every write route before anything is stored. The routes are read from the server's own route table, so a
/// route added later is covered without touching this test.
/// </summary>
public sealed class HostileBodyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    /// <summary>Invalid UTF-8: a lone 0xFF, an overlong '/', a CESU-8 high surrogate, a truncated sequence, a lone continuation byte.</summary>
    public static readonly TheoryData<string> BadSequences = new() { "ff", "c0af", "eda080", "e282", "80" };

    /// <summary>Write routes that read no body: a bad body there is ignored (but never a 500).</summary>
    private static readonly HashSet<string> RoutesWithoutBody = new(StringComparer.Ordinal)
    {
        "POST /api/v1/users/{id}/lifecycle/{operation}",
        "POST /api/v1/apps/{appId}/lifecycle/activate",
        "POST /api/v1/device-integrations/{integrationId}/lifecycle/activate",
        "POST /api/v1/device-integrations/{integrationId}/lifecycle/deactivate",
        "POST /api/v1/device-integrations/{integrationId}/certificates/{certificateId}/lifecycle/revoke",
        "POST /api/v1/apps/{appId}/lifecycle/deactivate",
        "PUT /api/v1/groups/{groupId}/users/{userId}",
        "POST /api/v1/users/{id}/credentials/forgot_password",
        "POST /api/v1/sessions/me/lifecycle/refresh",
        "POST /api/v1/sessions/{id}/lifecycle/refresh",
        "POST /api/v1/authenticators/{authenticatorId}/lifecycle/activate",
        "POST /api/v1/authenticators/{authenticatorId}/lifecycle/deactivate",
        "POST /api/v1/authenticators/{authenticatorId}/methods/{methodType}/lifecycle/activate",
        "POST /api/v1/authenticators/{authenticatorId}/methods/{methodType}/lifecycle/deactivate",
        "POST /api/v1/devices/{deviceId}/lifecycle/activate",
        "POST /api/v1/devices/{deviceId}/lifecycle/deactivate",
        "POST /api/v1/devices/{deviceId}/lifecycle/suspend",
        "POST /api/v1/devices/{deviceId}/lifecycle/unsuspend",
        "POST /api/v1/zones/{zoneId}/lifecycle/activate",
        "POST /api/v1/zones/{zoneId}/lifecycle/deactivate",
        "POST /api/v1/policies/{policyId}/lifecycle/activate",
        "POST /api/v1/policies/{policyId}/lifecycle/deactivate",
        "POST /api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/activate",
        "POST /api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/deactivate",
        "POST /api/v1/policies/{policyId}/clone",
        "PUT /api/v1/apps/{appId}/policies/{policyId}",
        "POST /api/v1/apps/{appId}/desktop-mfa/secret",
    };

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    /// <summary>A body with the bad bytes in every string a write route reads, and in a property name.</summary>
    private static byte[] BodyWith(byte[] bad, bool inName)
    {
        var parts = "{'profile':{'firstName':'A','lastName':'B','email':'@@x@example.com','login':'@@x@example.com','name':'@@','description':'@@'},"
            + "'credentials':{'password':{'value':'Pass@@word1!'},'userName':'@@'},'label':'@@','name':'bookmark','signOnMode':'BOOKMARK','id':'@@',"
            + (inName ? "'cust@@om':'v'}" : "'custom':'@@'}");
        parts = parts.Replace('\'', '"');
        var segments = parts.Split("@@");
        var bytes = new List<byte>();
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                bytes.AddRange(bad);
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(segments[i]));
        }

        return [.. bytes];
    }

    private IReadOnlyList<(string Method, string Pattern)> WriteRoutes()
    {
        var sources = server.Factory.Services.GetRequiredService<EndpointDataSource>();
        return sources.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => m is "POST" or "PUT" or "PATCH")
                .Select(m => (m, "/" + e.RoutePattern.RawText!.Trim('/'))))
            .Distinct().OrderBy(r => r.Item2, StringComparer.Ordinal).ToList();
    }

    private async Task<Func<string, string>> RouteFillerAsync()
    {
        var user = await server.CreateUserAsync();
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        (await Api.PostAsync($"/api/v1/apps/{ServerFixture.Id(app)}/users", new JsonObject { ["id"] = ServerFixture.Id(user) })).Expect(HttpStatusCode.OK);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["{id}"] = ServerFixture.Id(user), ["{userId}"] = ServerFixture.Id(user), ["{groupId}"] = ServerFixture.Id(group),
            ["{appId}"] = ServerFixture.Id(app), ["{operation}"] = "suspend", ["{factorId}"] = "ostNoSuchFactor00000",
            ["{authenticatorId}"] = "autNoSuchAuthentic00", ["{methodType}"] = "totp", ["{transactionId}"] = "v2mNoSuchPush0000000",
            ["{enrollmentId}"] = "pfdNoSuchEnrollment0",
            ["{integrationId}"] = "dinNoSuchIntegration", ["{certificateId}"] = "dmcNoSuchCertificate",
            ["{zoneId}"] = "nzoNoSuchZone0000000",
            ["{deviceId}"] = "guoNoSuchDevice00000", ["{policyId}"] = "rstNoSuchPolicy00000", ["{ruleId}"] = "rulNoSuchRule0000000",
            ["{aaguid}"] = "00000000-0000-0000-0000-000000000001",
        };
        return pattern =>
        {
            foreach (var (name, value) in values)
            {
                pattern = pattern.Replace(name, value, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("{", pattern, StringComparison.Ordinal);
            return pattern;
        };
    }

    private Task<long> EventCountAsync() => server.WithDbAsync(db => db.LogEvents.LongCountAsync());

    [Fact]
    public void The_route_table_has_the_write_routes_this_test_walks()
    {
        var routes = WriteRoutes().Select(r => $"{r.Method} {r.Pattern}").ToList();
        Assert.Contains("POST /api/v1/users", routes);
        Assert.Contains("PUT /api/v1/apps/{appId}/groups/{groupId}", routes);
        Assert.Contains("POST /device-access/desktop-mfa/v1/security-keys", routes);
        Assert.Contains("POST /device-access/desktop-mfa/v1/security-keys/assertion", routes);
        Assert.True(routes.Count >= 12, string.Join(", ", routes));
    }

    [Theory]
    [MemberData(nameof(BadSequences))]
    public async Task Invalid_utf8_in_any_value_or_name_is_400_E0000003_on_every_write_route_and_nothing_is_stored(string hex)
    {
        var fill = await RouteFillerAsync();
        // The Desktop MFA agent's routes take the Desktop MFA app's client credentials (HTTP Basic), not an API token.
        var desktop = (await Api.PostAsync("/api/v1/apps", new JsonObject { ["name"] = "desktop_mfa", ["label"] = $"Hostile {Guid.NewGuid():N}" })).Expect(HttpStatusCode.OK).Object;
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{desktop["id"]}:{desktop["credentials"]!["oauthClient"]!["client_secret"]}"));
        var before = await EventCountAsync();
        foreach (var (method, pattern) in WriteRoutes().Where(r => !RoutesWithoutBody.Contains($"{r.Method} {r.Pattern}")))
        {
            foreach (var inName in new[] { false, true })
            {
                if (pattern.StartsWith("/device-access/desktop-mfa/", StringComparison.Ordinal))
                {
                    // The agent protocol answers in OAuth's error shape (docs/desktop-mfa.md).
                    var refused = await Api.SendBytesAsync(new HttpMethod(method), fill(pattern), BodyWith(Hex(hex), inName), authorization: basic);
                    refused.Expect(HttpStatusCode.BadRequest);
                    Assert.Equal("invalid_request", (string?)refused.Object["error"]);
                    continue;
                }

                var response = await Api.SendBytesAsync(new HttpMethod(method), fill(pattern), BodyWith(Hex(hex), inName));
                // The authenticator app's answers to a push (.../transactions/{id}/verify) use the API's error shape (docs/authenticator-app.md).
                if (pattern.StartsWith("/idp/idx/", StringComparison.Ordinal) && !pattern.Contains("/transactions/", StringComparison.Ordinal))
                {
                    // IDX answers in its own shape: version and messages, with the error code as the message key.
                    response.Expect(HttpStatusCode.BadRequest);
                    Assert.Equal("1.0.0", (string?)response.Object["version"]);
                    Assert.Equal("errors.E0000003", (string?)response.Object["messages"]!["value"]![0]!["i18n"]!["key"]);
                    continue;
                }

                response.ExpectError(HttpStatusCode.BadRequest, "E0000003");
            }
        }

        Assert.Equal(before, await EventCountAsync());
        await AssertNoReplacementCharacterStoredAsync();
    }

    [Fact]
    public async Task Routes_that_read_no_body_never_answer_500_to_invalid_utf8()
    {
        var fill = await RouteFillerAsync();
        foreach (var (method, pattern) in WriteRoutes().Where(r => RoutesWithoutBody.Contains($"{r.Method} {r.Pattern}")))
        {
            var response = await Api.SendBytesAsync(new HttpMethod(method), fill(pattern), BodyWith(Hex("ff"), inName: false));
            Assert.True((int)response.Status < 500, response.Describe());
        }
    }

    private async Task AssertNoReplacementCharacterStoredAsync()
    {
        var stored = await server.WithDbAsync(async db => string.Join('\n',
            (await db.Users.Select(u => u.ProfileJson).ToListAsync()).Concat(await db.Groups.Select(g => g.ProfileJson).ToListAsync())
            .Concat(await db.Apps.Select(a => a.Label + a.BodyJson).ToListAsync()).Concat(await db.AppUsers.Select(a => a.ProfileJson + a.UserName).ToListAsync())
            .Concat(await db.AppGroups.Select(a => a.ProfileJson).ToListAsync())));
        Assert.DoesNotContain('\uFFFD', stored);
        Assert.DoesNotContain("\\uFFFD", stored, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Valid_utf8_outside_ascii_is_stored_as_sent()
    {
        var created = await server.CreateUserAsync(firstName: "Zoë 𝄞 Łukasz");
        Assert.Equal("Zoë 𝄞 Łukasz", (string)created["profile"]!["firstName"]!);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("not a media type")]
    public async Task A_body_that_is_not_json_is_415_with_the_error_body_and_nothing_is_created(string contentType)
    {
        var login = $"ct.{ServerFixture.Unique()}@example.com";
        var body = Encoding.UTF8.GetBytes(new JsonObject { ["profile"] = ServerFixture.Profile(login) }.ToJsonString());
        var error = (await Api.SendBytesAsync(HttpMethod.Post, "/api/v1/users", body, contentType))
            .ExpectError(HttpStatusCode.UnsupportedMediaType, "E0000021");
        Assert.Contains(ApiResponse.Causes(error), c => c.Contains("application/json", StringComparison.Ordinal));
        (await Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/JSON;charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData(null)]
    public async Task Json_with_or_without_a_charset_or_with_no_content_type_is_read(string? contentType)
    {
        var login = $"ct.{ServerFixture.Unique()}@example.com";
        var body = Encoding.UTF8.GetBytes(new JsonObject { ["profile"] = ServerFixture.Profile(login) }.ToJsonString());
        (await Api.SendBytesAsync(HttpMethod.Post, "/api/v1/users?activate=false", body, contentType)).Expect(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/api/v1/users", """{"profile":{"firstName":"A\u0000","lastName":"B","email":"nul@example.com","login":"nul@example.com"}}""", "profile.firstName")]
    [InlineData("/api/v1/groups", """{"profile":{"name":"Team\u0000A"}}""", "profile.name")]
    [InlineData("/api/v1/apps", """{"name":"bookmark","label":"L\u0000","signOnMode":"BOOKMARK","settings":{"app":{"url":"https://example.com"}}}""", "label")]
    public async Task A_nul_character_in_a_value_is_refused_naming_the_field(string path, string body, string field)
    {
        var error = (await Api.SendBytesAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(body))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(error), c => c.StartsWith(field + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_nul_character_in_a_property_name_is_refused()
    {
        var body = """{"profile":{"firstName":"A","lastName":"B","email":"nn@example.com","login":"nn@example.com","cu\u0000st":"x"}}""";
        (await Api.SendBytesAsync(HttpMethod.Post, "/api/v1/users", Encoding.UTF8.GetBytes(body))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Theory]
    [InlineData("Login")]
    [InlineData("EMAIL")]
    [InlineData("firstname")]
    public async Task A_profile_attribute_that_differs_from_a_base_attribute_only_by_case_is_refused(string twin)
    {
        var login = $"twin.{ServerFixture.Unique()}@example.com";
        var profile = ServerFixture.Profile(login);
        profile[twin] = "other@example.com";
        var error = (await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = profile })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(error), c => c.StartsWith(twin + ":", StringComparison.Ordinal));
        (await Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Two_custom_attributes_that_differ_only_by_case_are_refused_and_a_partial_update_cannot_add_one()
    {
        var profile = ServerFixture.Profile($"twin.{ServerFixture.Unique()}@example.com");
        profile["costCentre"] = "a";
        profile["CostCentre"] = "b";
        (await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = profile })).ExpectError(HttpStatusCode.BadRequest, "E0000001");

        var user = await server.CreateUserAsync();
        var update = new JsonObject { ["profile"] = new JsonObject { ["LOGIN"] = "x@example.com" } };
        (await Api.PostAsync($"/api/v1/users/{ServerFixture.Id(user)}", update)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task A_group_profile_attribute_that_differs_from_name_only_by_case_is_refused()
    {
        var body = new JsonObject { ["profile"] = new JsonObject { ["name"] = "Team " + ServerFixture.Unique(), ["Name"] = "Other" } };
        (await Api.PostAsync("/api/v1/groups", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task App_assignment_profiles_refuse_attribute_names_that_differ_only_by_case()
    {
        var user = await server.CreateUserAsync();
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        var twins = new JsonObject { ["k"] = "a", ["K"] = "b" };
        (await Api.PostAsync($"/api/v1/apps/{ServerFixture.Id(app)}/users", new JsonObject { ["id"] = ServerFixture.Id(user), ["profile"] = twins.DeepClone() }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await Api.PutAsync($"/api/v1/apps/{ServerFixture.Id(app)}/groups/{ServerFixture.Id(group)}", new JsonObject { ["profile"] = twins.DeepClone() }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Empty((await Api.GetAsync($"/api/v1/apps/{ServerFixture.Id(app)}/users")).Expect(HttpStatusCode.OK).Array);
    }
}
