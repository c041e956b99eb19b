using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md section 1: what every /api/v1 response looks like, whatever the endpoint.</summary>
public sealed class ConventionsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static readonly string[] RateLimitHeaders = ["X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"];

    private async Task<List<ApiResponse>> VariedAuthenticatedResponsesAsync()
    {
        var user = await server.CreateUserAsync();
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        return
        [
            await Api.GetAsync("/api/v1/users"),
            await Api.GetAsync($"/api/v1/users/{ServerFixture.Id(user)}"),
            await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = new JsonObject() }),
            await Api.GetAsync("/api/v1/groups"),
            await Api.GetAsync($"/api/v1/groups/{ServerFixture.Id(group)}"),
            await Api.GetAsync("/api/v1/apps"),
            await Api.GetAsync($"/api/v1/apps/{ServerFixture.Id(app)}"),
            await Api.GetAsync("/api/v1/api-tokens"),
            await Api.GetAsync("/api/v1/logs?limit=5"),
            await Api.GetAsync("/api/v1/users/00u00000000000000000"),
            await Api.GetAsync("/api/v1/no-such-thing"),
            await Api.SendAsync(HttpMethod.Patch, "/api/v1/users"),
            await Api.SendRawAsync(HttpMethod.Post, "/api/v1/groups", "{\"profile\":", Api.Token),
            await Api.PostAsync($"/api/v1/users/{ServerFixture.Id(user)}/lifecycle/activate"),
        ];
    }

    [Fact]
    public async Task Every_api_response_with_a_body_is_application_json()
    {
        foreach (var response in await VariedAuthenticatedResponsesAsync())
        {
            Assert.True(response.ContentType?.MediaType == "application/json", $"Content-Type {response.ContentType}: {response.Describe()}");
            Assert.NotNull(response.Json);
        }
    }

    [Fact]
    public async Task Every_api_response_carries_a_request_id_and_the_rate_limit_headers()
    {
        var responses = await VariedAuthenticatedResponsesAsync();
        var group = await server.CreateGroupAsync();
        responses.Add((await Api.DeleteAsync($"/api/v1/groups/{ServerFixture.Id(group)}")).Expect(HttpStatusCode.NoContent));
        var requestIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var response in responses)
        {
            var requestId = response.Header("X-Okta-Request-Id");
            Assert.False(string.IsNullOrEmpty(requestId), $"No X-Okta-Request-Id: {response.Describe()}");
            Assert.True(requestIds.Add(requestId), $"Request id {requestId} repeated");
            foreach (var name in RateLimitHeaders)
            {
                var value = response.Header(name);
                Assert.True(long.TryParse(value, out var number) && number >= 0, $"{name} = {value ?? "missing"}: {response.Describe()}");
            }

            Assert.True(response.Headers.Date is not null, $"No Date header (the Node SDK's retry needs it): {response.Describe()}");
        }
    }

    [Fact]
    public async Task The_rate_limit_reset_is_an_epoch_second_within_the_next_minute()
    {
        var response = (await Api.GetAsync("/api/v1/users?limit=1")).Expect(HttpStatusCode.OK);
        var reset = long.Parse(response.Header("X-Rate-Limit-Reset")!, System.Globalization.CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(reset, now, now + 61);
    }

    [Fact]
    public async Task Unauthenticated_error_responses_also_carry_a_request_id_and_the_rate_limit_headers()
    {
        var responses = new[]
        {
            await Api.SendRawAsync(HttpMethod.Get, "/api/v1/users", null, auth: null),
            await Api.SendRawAsync(HttpMethod.Get, "/api/v1/users", null, auth: "not-a-token"),
        };
        foreach (var response in responses)
        {
            Assert.False(string.IsNullOrEmpty(response.Header("X-Okta-Request-Id")), response.Describe());
            Assert.Equal("application/json", response.ContentType?.MediaType);
            foreach (var name in RateLimitHeaders)
            {
                Assert.True(response.Header(name) is not null, $"{name} missing (okta-api.md 1.5: every response carries it): {response.Describe()}");
            }
        }
    }

    [Fact]
    public async Task A_request_without_an_authorization_header_is_refused_with_403_E0000005()
    {
        var response = await Api.SendRawAsync(HttpMethod.Get, "/api/v1/users", null, auth: null);
        var error = response.ExpectError(HttpStatusCode.Forbidden, "E0000005");
        Assert.Equal("Invalid session", (string?)error["errorSummary"]);
    }

    [Theory]
    [InlineData("SSWS", "00not-a-real-token")]
    [InlineData("SSWS", "")]
    [InlineData("Bearer", "00not-a-real-token")]
    public async Task A_bad_token_is_refused_with_401_E0000011(string scheme, string token)
    {
        var response = await Api.SendRawAsync(HttpMethod.Get, "/api/v1/users", null, auth: token, scheme: scheme);
        var error = response.ExpectError(HttpStatusCode.Unauthorized, "E0000011");
        Assert.Equal("Invalid token provided", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task A_bad_token_is_refused_even_on_an_unknown_route()
    {
        var response = await Api.SendRawAsync(HttpMethod.Get, "/api/v1/no-such-thing", null, auth: "00nope");
        response.ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }

    [Theory]
    [InlineData("/api/v1/no-such-thing")]
    [InlineData("/api/v1/users/someone/no-such-thing")]
    public async Task An_unknown_route_is_404_E0000007(string path)
    {
        var response = await Api.GetAsync(path);
        response.ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Theory]
    [InlineData("GET", "/device-access/no-such-thing")]
    [InlineData("PUT", "/device-access/desktop-mfa/no-such-version")]
    [InlineData("GET", "/no/such/page")]
    [InlineData("GET", "/favicon.ico")]
    [InlineData("POST", "/no/such/page")]
    [InlineData("DELETE", "/healthz/extra")]
    public async Task Any_unmatched_path_is_404_E0000007_with_the_json_error_body(string method, string path)
    {
        foreach (var auth in new[] { Api.Token, null })
        {
            var response = await Api.SendRawAsync(new HttpMethod(method), path, null, auth);
            response.ExpectError(HttpStatusCode.NotFound, "E0000007");
            Assert.NotNull(response.Header("X-Okta-Request-Id"));
        }
    }

    [Fact]
    public async Task The_health_check_and_the_org_document_still_answer_beside_the_fallback()
    {
        (await Api.SendRawAsync(HttpMethod.Get, "/healthz", null, null)).Expect(HttpStatusCode.OK);
        var org = (await Api.SendRawAsync(HttpMethod.Get, "/.well-known/okta-organization", null, null)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("idx", (string?)org["pipeline"]);
    }

    [Fact]
    public async Task A_method_a_path_does_not_support_names_the_methods_it_does_in_allow()
    {
        var response = await Api.SendAsync(HttpMethod.Delete, "/api/v1/users");
        response.ExpectError(HttpStatusCode.MethodNotAllowed, "E0000022");
        Assert.Equal(["GET", "POST"], response.Header("Allow")!.Split(',', StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_unknown_resource_id_is_404_E0000007_naming_the_id()
    {
        var response = await Api.GetAsync("/api/v1/groups/00gDoesNotExist12345");
        var error = response.ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Contains("00gDoesNotExist12345", (string?)error["errorSummary"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PATCH", "/api/v1/users")]
    [InlineData("DELETE", "/api/v1/users")]
    [InlineData("POST", "/api/v1/logs")]
    [InlineData("PUT", "/api/v1/api-tokens")]
    public async Task A_method_the_route_does_not_support_is_405_E0000022(string method, string path)
    {
        var response = await Api.SendAsync(new HttpMethod(method), path, method is "PATCH" or "POST" or "PUT" ? new JsonObject() : null);
        response.ExpectError(HttpStatusCode.MethodNotAllowed, "E0000022");
    }

    [Theory]
    [InlineData("/api/v1/users", "{\"profile\": {\"login\": ")]
    [InlineData("/api/v1/groups", "not json at all")]
    [InlineData("/api/v1/apps", "[1, 2,")]
    [InlineData("/api/v1/users", "[]")]
    public async Task A_malformed_json_body_is_400_E0000003(string path, string body)
    {
        var response = await Api.SendRawAsync(HttpMethod.Post, path, body, Api.Token);
        var error = response.ExpectError(HttpStatusCode.BadRequest, "E0000003");
        Assert.Equal("The request body was not well-formed.", (string?)error["errorSummary"]);
    }

    private static readonly string[] Leaks = ["Exception", "   at ", "System.", "Microsoft.", "Latchkey.", ".cs:line", "SQLite", "Npgsql", "SELECT "];

    private static void AssertNoLeak(ApiResponse response)
    {
        foreach (var leak in Leaks)
        {
            Assert.False(response.Body.Contains(leak, StringComparison.Ordinal), $"Error body leaks '{leak}': {response.Describe()}");
        }
    }

    [Fact]
    public async Task Error_bodies_never_show_stack_traces_or_exception_types()
    {
        var errors = (await VariedAuthenticatedResponsesAsync()).Where(r => (int)r.Status >= 400).ToList();
        Assert.True(errors.Count >= 5);
        foreach (var response in errors)
        {
            Assert.NotNull(response.Json?["errorCode"]);
            AssertNoLeak(response);
        }
    }

    [Theory]
    [InlineData("POST", "/api/v1/users", "{\"profile\": 5}")]
    [InlineData("POST", "/api/v1/users", "{\"profile\": {\"login\": 5}}")]
    [InlineData("POST", "/api/v1/users", "{\"profile\": {\"login\": \"a@example.com\", \"email\": \"a@example.com\", \"firstName\": \"A\", \"lastName\": \"B\"}, \"credentials\": []}")]
    [InlineData("POST", "/api/v1/users", "{\"profile\": {\"login\": \"a@example.com\", \"email\": \"a@example.com\", \"firstName\": \"A\", \"lastName\": \"B\"}, \"credentials\": {\"password\": {\"value\": 12345678}}}")]
    [InlineData("POST", "/api/v1/users", "{\"profile\": {\"login\": \"\\uD800@example.com\"}}")]
    [InlineData("POST", "/api/v1/users", "{\"profile\": {\"login\": \"a@example.com\", \"email\": \"a@example.com\", \"firstName\": \"A\", \"lastName\": \"B\", \"login\": \"b@example.com\"}}")]
    [InlineData("POST", "/api/v1/groups", "{\"profile\": {\"name\": \"a\"}, \"profile\": {\"name\": \"b\"}}")]
    [InlineData("POST", "/api/v1/users", "{\"profile\": {\"login\": \"a@example.com\"}, \"groupIds\": \"00g\"}")]
    [InlineData("POST", "/api/v1/users?activate=maybe", "{}")]
    [InlineData("GET", "/api/v1/users?limit=abc", null)]
    [InlineData("GET", "/api/v1/users?after=%25%25%25", null)]
    [InlineData("GET", "/api/v1/users?filter=status%20eq", null)]
    [InlineData("GET", "/api/v1/users?search=profile.login%20eq%205%20and%20(", null)]
    [InlineData("GET", "/api/v1/users?search=profile.login%20gt%20true", null)]
    [InlineData("GET", "/api/v1/users?search=lastUpdated%20gt%20%22yesterday%22", null)]
    [InlineData("GET", "/api/v1/users?search=profile.lastName%20eq%20%22x%22&sortBy=nope", null)]
    [InlineData("GET", "/api/v1/groups?filter=lastUpdated%20gt%20%22yesterday%22", null)]
    [InlineData("GET", "/api/v1/apps?filter=status%20eq%20%22ACTIVE%22%20or%20name%20eq%20%22x%22", null)]
    [InlineData("GET", "/api/v1/logs?since=yesterday", null)]
    [InlineData("GET", "/api/v1/logs?after=garbage", null)]
    [InlineData("GET", "/api/v1/logs?filter=published%20gt%20%222020-01-01T00:00:00Z%22", null)]
    [InlineData("POST", "/api/v1/groups", "{\"profile\": {\"name\": [1]}}")]
    [InlineData("POST", "/api/v1/groups", "{\"profile\": {\"name\": \"\\uDC00 lone low surrogate\"}}")]
    [InlineData("POST", "/api/v1/apps", "{\"signOnMode\": \"BOOKMARK\", \"label\": \"x\", \"settings\": {\"app\": {\"url\": 5}}}")]
    [InlineData("POST", "/api/v1/apps", "{\"signOnMode\": \"SAML_2_0\", \"label\": \"x\"}")]
    [InlineData("PUT", "/api/v1/apps/0oaNope/groups/00gNope", "{\"priority\": 1e400}")]
    [InlineData("PUT", "/api/v1/apps/0oaNope/groups/00gNope", "{\"priority\": \"high\"}")]
    [InlineData("POST", "/api/v1/apps/0oaNope/users", "{\"id\": 5}")]
    public async Task A_client_mistake_is_a_4xx_json_error_never_a_500(string method, string path, string? body)
    {
        var response = await Api.SendRawAsync(new HttpMethod(method), path, body, Api.Token);
        Assert.True((int)response.Status is >= 400 and < 500, $"A client mistake answered {(int)response.Status}: {response.Describe()}");
        Assert.Equal("application/json", response.ContentType?.MediaType);
        Assert.StartsWith("E0000", (string?)response.Object["errorCode"], StringComparison.Ordinal);
        AssertNoLeak(response);
    }

    [Fact]
    public async Task Ids_have_twenty_characters_and_the_okta_type_prefix()
    {
        var user = await server.CreateUserAsync();
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        var tokens = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array;
        Wire.AssertId((string?)user["id"], "00u");
        Wire.AssertId((string?)group["id"], "00g");
        Wire.AssertId((string?)app["id"], "0oa");
        Assert.NotEmpty(tokens);
        foreach (var token in tokens)
        {
            Wire.AssertId((string?)token!["id"], "00T");
        }
    }

    [Fact]
    public async Task Self_links_are_absolute_urls_of_the_resource()
    {
        var user = await server.CreateUserAsync();
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        Wire.AssertSelf(user, Api.BaseAddress, $"/api/v1/users/{ServerFixture.Id(user)}");
        Wire.AssertSelf(group, Api.BaseAddress, $"/api/v1/groups/{ServerFixture.Id(group)}");
        Wire.AssertSelf(app, Api.BaseAddress, $"/api/v1/apps/{ServerFixture.Id(app)}");
        var listed = (await Api.GetAsync("/api/v1/users?limit=200")).Expect(HttpStatusCode.OK).Array;
        foreach (var item in listed)
        {
            Wire.AssertSelf(item!, Api.BaseAddress, $"/api/v1/users/{ServerFixture.Id(item!)}");
        }

        var token = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array[0]!;
        Wire.AssertSelf(token, Api.BaseAddress, $"/api/v1/api-tokens/{ServerFixture.Id(token)}");
    }

    [Fact]
    public async Task Timestamps_are_iso_8601_utc_with_milliseconds()
    {
        var user = await server.CreateUserAsync();
        foreach (var field in new[] { "created", "activated", "statusChanged", "lastUpdated", "passwordChanged" })
        {
            Wire.AssertDate(user[field], $"user.{field}");
        }

        var group = await server.CreateGroupAsync();
        foreach (var field in new[] { "created", "lastUpdated", "lastMembershipUpdated" })
        {
            Wire.AssertDate(group[field], $"group.{field}");
        }

        var app = await server.CreateBookmarkAppAsync();
        Wire.AssertDate(app["created"], "app.created");
        Wire.AssertDate(app["lastUpdated"], "app.lastUpdated");

        var token = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array[0]!;
        foreach (var field in new[] { "created", "lastUpdated", "expiresAt" })
        {
            Wire.AssertDate(token[field], $"token.{field}");
        }

        var events = (await Api.GetAsync("/api/v1/logs?limit=20")).Expect(HttpStatusCode.OK).Array;
        Assert.NotEmpty(events);
        foreach (var e in events)
        {
            Wire.AssertDate(e!["published"], "logEvent.published");
        }
    }

    [Fact]
    public async Task Null_timestamps_of_a_staged_user_are_null_or_absent_never_a_default_date()
    {
        var user = await server.CreateUserAsync(activate: false, withPassword: false);
        Assert.Equal("STAGED", (string?)user["status"]);
        Assert.True(user["activated"] is null, ApiResponse.Compact(user));
        Assert.True(user["lastLogin"] is null, ApiResponse.Compact(user));
        Assert.True(user["passwordChanged"] is null, ApiResponse.Compact(user));
    }

    [Fact]
    public async Task Responses_to_an_api_token_never_reveal_the_token()
    {
        var tokens = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(Api.Token, tokens.Body, StringComparison.Ordinal);
    }
}
