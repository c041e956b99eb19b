using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 12 item 3: opening an app from the dashboard evaluates its access policy against the session (who, the device
/// that signed in, the factors proven and when): SCENARIOS.md B1's "Require Managed Device" refuses a password session
/// and says which condition failed; a rule that allows but asks for a factor the session lacks refuses with what is
/// missing (CHALLENGE); the default policy lets the person through. Each evaluation is logged with its trace.
/// </summary>
public sealed class AppLaunchPolicyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private async Task<(string AppId, string Launch, string UserId, PageClient Person)> AssignedBookmarkAsync()
    {
        var app = await server.CreateBookmarkAppAsync("Managed Device Check " + ServerFixture.Unique());
        var user = await server.CreateUserAsync();
        var userId = ServerFixture.Id(user);
        (await Api.PostAsync($"/api/v1/apps/{ServerFixture.Id(app)}/users", new JsonObject { ["id"] = userId })).Expect(HttpStatusCode.OK);
        var person = new PageClient(server);
        var signedIn = await person.SignInAsync((string)user["profile"]!["login"]!, ServerFixture.Password);
        Assert.True(signedIn.Status == HttpStatusCode.Redirect, signedIn.Describe());
        return (ServerFixture.Id(app), new Uri((string)app["_links"]!["appLinks"]![0]!["href"]!).AbsolutePath, userId, person);
    }

    private async Task<string> PolicyAsync(string appId, string catchAllAccess, JsonObject? rule)
    {
        var policy = ServerFixture.Id((await Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "ACCESS_POLICY", ["name"] = "Require Managed Device " + ServerFixture.Unique(),
        })).Expect(HttpStatusCode.OK).Object);
        var catchAll = (JsonObject)(await Api.GetAsync($"/api/v1/policies/{policy}/rules")).Expect(HttpStatusCode.OK).Array.Single(r => (bool)r!["system"]!)!;
        catchAll["actions"]!["appSignOn"]!["access"] = catchAllAccess;
        (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{catchAll["id"]}", catchAll)).Expect(HttpStatusCode.OK);
        if (rule is not null)
        {
            (await Api.PostAsync($"/api/v1/policies/{policy}/rules", rule)).Expect(HttpStatusCode.OK);
        }

        (await Api.PutAsync($"/api/v1/apps/{appId}/policies/{policy}")).Expect(HttpStatusCode.NoContent);
        return policy;
    }

    private static JsonObject Rule(string name, JsonObject? conditions, string reauthenticateIn, string constraints = "[]") => new()
    {
        ["type"] = "ACCESS_POLICY", ["name"] = name, ["conditions"] = conditions,
        ["actions"] = new JsonObject
        {
            ["appSignOn"] = new JsonObject
            {
                ["access"] = "ALLOW",
                ["verificationMethod"] = new JsonObject
                {
                    ["type"] = "ASSURANCE", ["factorMode"] = "1FA", ["reauthenticateIn"] = reauthenticateIn, ["constraints"] = JsonNode.Parse(constraints),
                },
            },
        },
    };

    private async Task<JsonNode> LastEventAsync(string type, string userId) =>
        (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"{type}\" and actor.id eq \"{userId}\"")}&sortOrder=DESCENDING&limit=1"))
            .Expect(HttpStatusCode.OK).Array.Single()!;

    [Fact]
    public async Task B1_a_password_session_is_refused_by_the_catch_all_and_the_page_and_the_log_say_the_device_condition_failed()
    {
        var (appId, launch, userId, person) = await AssignedBookmarkAsync();
        using var _ = person;
        await PolicyAsync(appId, "DENY", Rule("Managed Device Allowed",
            new JsonObject { ["device"] = new JsonObject { ["registered"] = true, ["managed"] = true } }, "PT0S",
            """[{"possession":{"deviceBound":"REQUIRED","authenticationMethods":[{"key":"okta_verify","method":"signed_nonce"}]}}]"""));

        // First the device is asked (a FastPass step-up), since a rule that could allow looks at it.
        var challenged = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, challenged.Status);
        Assert.Equal("CHALLENGE", challenged.Headers.GetValues("Latchkey-Access").Single());
        Assert.Contains("sign in with FastPass", challenged.Alert, StringComparison.Ordinal);

        // Carried on without it (still a password session, no device): the catch-all denies and says which condition failed.
        var refused = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Null(refused.Location);
        Assert.Contains("Denied by the rule \"Catch-all Rule\"", refused.Alert, StringComparison.Ordinal);
        Assert.Contains("\"Managed Device Allowed\" did not apply", refused.Alert, StringComparison.Ordinal);
        Assert.Contains("no device the org knows", refused.Alert, StringComparison.Ordinal);
        Assert.Contains("tell your administrator what this page says", refused.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("/admin/access-testing", refused.Html, StringComparison.Ordinal);

        var evaluation = await LastEventAsync("policy.evaluate_sign_on", userId);
        Assert.Equal("DENY", (string?)evaluation["outcome"]!["result"]);
        var debug = evaluation["debugContext"]!["debugData"]!;
        Assert.Equal("Catch-all Rule", (string?)debug["matchedRule"]);
        Assert.Contains("Managed Device Allowed: NOT_MATCH; device.registered UNDEFINED", (string?)debug["trace"], StringComparison.Ordinal);
        Assert.Contains(evaluation["target"]!.AsArray(), t => (string?)t!["type"] == "Rule" && (string?)t["displayName"] == "Catch-all Rule");
        var sso = await LastEventAsync("user.authentication.sso", userId);
        Assert.Equal("FAILURE", (string?)sso["outcome"]!["result"]);
        Assert.Contains("did not apply", (string?)sso["outcome"]!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_that_prompts_every_time_asks_for_a_factor_proven_for_this_launch_and_says_which()
    {
        var (appId, launch, userId, person) = await AssignedBookmarkAsync();
        using var _ = person;
        await PolicyAsync(appId, "DENY", Rule("Everyone, fresh password", null, "PT0S", """[{"knowledge":{"types":["password"]}}]"""));

        var challenged = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, challenged.Status);
        Assert.Contains("The rule asks for a knowledge factor (PASSWORD), verified during this request.", challenged.Alert, StringComparison.Ordinal);
        Assert.Equal("CHALLENGE", (string?)(await LastEventAsync("policy.evaluate_sign_on", userId))["outcome"]!["result"]);
        Assert.Equal("CHALLENGE", challenged.Headers.GetValues("Latchkey-Access").Single());
        Assert.Contains("/?prompt=login&amp;fromURI=", challenged.Html, StringComparison.Ordinal);

        // Trying again without verifying is the same: the session's password came before the launch began.
        Assert.Equal(HttpStatusCode.Forbidden, (await person.GetAsync(launch)).Status);

        // The step-up: sign in again although signed in (prompt=login), back to the launch, which now counts as the same request.
        var again = await person.GetAsync("/?prompt=login&fromURI=" + Uri.EscapeDataString(launch));
        Assert.True(again.IsUsernameStep, again.Describe());
        var login = (string)(await Api.GetAsync($"/api/v1/users/{userId}")).Expect(HttpStatusCode.OK).Object["profile"]!["login"]!;
        var identify = await person.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login, ["fromURI"] = launch });
        var signedIn = await person.PostAsync("/?handler=Password", new Dictionary<string, string?>
        {
            ["stateHandle"] = identify.Field("stateHandle"), ["password"] = ServerFixture.Password, ["fromURI"] = launch,
        });
        Assert.Equal(launch, signedIn.Location);
        var opened = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Redirect, opened.Status);
        Assert.Equal("ALLOW", (string?)(await LastEventAsync("policy.evaluate_sign_on", userId))["outcome"]!["result"]);

        // The step-up is used once: the next launch asks again.
        Assert.Equal(HttpStatusCode.Forbidden, (await person.GetAsync(launch)).Status);
    }

    [Fact]
    public async Task The_same_rule_with_an_interval_lets_a_fresh_password_session_through_and_the_default_policy_allows_too()
    {
        var (appId, launch, userId, person) = await AssignedBookmarkAsync();
        using var _ = person;
        Assert.Equal(HttpStatusCode.Redirect, (await person.GetAsync(launch)).Status);
        Assert.Equal("ALLOW", (string?)(await LastEventAsync("policy.evaluate_sign_on", userId))["outcome"]!["result"]);

        await PolicyAsync(appId, "DENY", Rule("Everyone, password this hour", null, "PT1H", """[{"knowledge":{"types":["password"]}}]"""));
        var opened = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Redirect, opened.Status);
        Assert.StartsWith("https://", opened.Location, StringComparison.Ordinal);

        // A possession factor the session never proved: refused, with what is missing.
        await PolicyAsync(appId, "DENY", Rule("Everyone, FastPass", null, "PT1H", """[{"possession":{"deviceBound":"REQUIRED"}}]"""));
        var refused = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("a possession factor that is device-bound", refused.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_network_zone_condition_matches_the_zone_that_holds_the_client_address()
    {
        var (appId, launch, _, person) = await AssignedBookmarkAsync();
        using var _ = person;
        var zone = ServerFixture.Id((await Api.PostAsync("/api/v1/zones", new JsonObject
        {
            ["type"] = "IP", ["name"] = "Loopback " + ServerFixture.Unique(), ["usage"] = "POLICY",
            ["gateways"] = new JsonArray(new JsonObject { ["type"] = "CIDR", ["value"] = "127.0.0.1/32" }, new JsonObject { ["type"] = "CIDR", ["value"] = "::1/128" }),
        })).Expect(HttpStatusCode.OK).Object);

        JsonObject Network(string list) => new() { ["network"] = new JsonObject { ["connection"] = "ZONE", [list] = new JsonArray(zone) } };
        await PolicyAsync(appId, "DENY", Rule("From the office", Network("include"), "PT1H"));
        Assert.Equal(HttpStatusCode.Redirect, (await person.GetAsync(launch)).Status);

        await PolicyAsync(appId, "DENY", Rule("Not from the office", Network("exclude"), "PT1H"));
        var refused = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("a network zone the rule excludes", refused.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_signed_in_person_reads_their_app_links_with_the_session_cookie_and_a_visitor_is_refused()
    {
        var (appId, launch, _, person) = await AssignedBookmarkAsync();
        using var _ = person;
        var links = await person.GetAsync("/api/v1/users/me/appLinks");
        Assert.Equal(HttpStatusCode.OK, links.Status);
        var link = JsonNode.Parse(links.Html)!.AsArray().Single(l => (string?)l!["appInstanceId"] == appId)!;
        Assert.EndsWith(launch, (string?)link["linkUrl"], StringComparison.Ordinal);

        using var visitor = new PageClient(server);
        var refused = await visitor.GetAsync("/api/v1/users/me/appLinks");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("E0000005", (string?)JsonNode.Parse(refused.Html)!["errorCode"]);
    }

    [Fact]
    public async Task An_admin_refused_an_app_gets_a_link_to_access_testing_filled_in_with_them_and_the_app_and_an_end_user_does_not()
    {
        var (appId, launch, userId, person) = await AssignedBookmarkAsync();
        using var _ = person;
        await PolicyAsync(appId, "DENY", null);
        var asUser = await person.GetAsync(launch);
        Assert.Equal("DENY", asUser.Headers.GetValues("Latchkey-Access").Single());
        Assert.DoesNotContain("Access testing", asUser.Html, StringComparison.Ordinal);

        (await Api.PostAsync($"/api/v1/users/{userId}/roles", new JsonObject { ["type"] = "READ_ONLY_ADMIN" })).Expect(HttpStatusCode.Created);
        var asAdmin = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, asAdmin.Status);
        var href = System.Text.RegularExpressions.Regex.Match(asAdmin.Html, @"<a href=""(/admin/access-testing[^""]*)"">Test this in Access testing</a>").Groups[1].Value;
        Assert.StartsWith("/admin/access-testing?user=", href, StringComparison.Ordinal);
        Assert.Contains($"&amp;app={appId}", href, StringComparison.Ordinal);
        Assert.DoesNotContain("registered=true", href, StringComparison.Ordinal);

        var test = await person.GetAsync(WebUtility.HtmlDecode(href));
        Assert.Equal(HttpStatusCode.OK, test.Status);
        Assert.Contains("<dt>Decision</dt><dd><span class=\"badge DENY\">DENY</span></dd>", test.Html, StringComparison.Ordinal);
        Assert.Contains("<dt>Matched rule</dt><dd>Catch-all Rule</dd>", test.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_page_for_an_app_link_lets_its_forms_redirect_to_that_app_s_origin_and_no_other()
    {
        var (appId, launch, _, person) = await AssignedBookmarkAsync();
        using var _ = person;
        var url = new Uri((string)(await Api.GetAsync($"/api/v1/apps/{appId}")).Expect(HttpStatusCode.OK).Object["settings"]!["app"]!["url"]!);

        static string FormAction(PageResponse page) =>
            page.Headers.GetValues("Content-Security-Policy").Single().Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("form-action", StringComparison.Ordinal));

        var forApp = await person.GetAsync("/?prompt=login&fromURI=" + Uri.EscapeDataString(launch));
        Assert.Equal(HttpStatusCode.OK, forApp.Status);
        Assert.Equal($"form-action 'self' {url.GetLeftPart(UriPartial.Authority)}", FormAction(forApp));
        Assert.Equal("form-action 'self'", FormAction(await person.GetAsync("/?prompt=login&fromURI=%2Fapp%2FUserHome")));
        Assert.Equal("form-action 'self'", FormAction(await person.GetAsync("/?prompt=login&fromURI=" + Uri.EscapeDataString("/home/bookmark/0oaNoSuchApp/0ua1"))));
    }
}
