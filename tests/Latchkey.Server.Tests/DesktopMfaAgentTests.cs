using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 13 item 3 and scenarios A1/A2 over real HTTP: the agent's protocol authenticated as the Desktop MFA app.
/// Wrong profile values are <c>invalid_client</c> naming the key; a person not assigned, not allowed the method, denied
/// by the app's policy or without the factor is refused with that precise reason (never "expired"), and each refusal
/// is in the System Log as <c>user.authentication.auth_via_mfa</c> FAILURE with it; a push (with the number when the org
/// enforces number matching) and a code from the org account succeed, and a code is taken once.
/// </summary>
public sealed class DesktopMfaAgentTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private const string Agent = "/device-access/desktop-mfa/v1";
    private static readonly JsonObject Computer = new() { ["name"] = "Build Mac", ["serialNumber"] = "C02XK1", ["platform"] = "MACOS" };

    private sealed record DesktopApp(string Id, string Secret, string PolicyId);

    private async Task<DesktopApp> AppAsync(JsonObject? settings = null)
    {
        var app = await DesktopMfaKit.CreateAppAsync(server, settings);
        return new DesktopApp(ServerFixture.Id(app), (string)app["credentials"]!["oauthClient"]!["client_secret"]!,
            new Uri((string)app["_links"]!["accessPolicy"]!["href"]!).AbsolutePath.Split('/')[^1]);
    }

    private Task<(string Login, string UserId)> AssignedUserAsync(DesktopApp app) => DesktopMfaKit.AssignedUserAsync(server, app.Id);

    private Task<ApiResponse> CallAsync(DesktopApp app, string path, JsonObject? body, string? secret = null, string? clientId = null)
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId ?? app.Id}:{secret ?? app.Secret}"));
        return server.Api.SendRawAsync(body is null ? HttpMethod.Get : HttpMethod.Post, Agent + path, body?.ToJsonString(), basic, scheme: "Basic");
    }

    private static JsonObject For(string login, string? code = null)
    {
        var body = new JsonObject { ["login"] = login, ["computer"] = Computer.DeepClone() };
        if (code is not null)
        {
            body["code"] = code;
        }

        return body;
    }

    private static JsonObject Refused(ApiResponse response, HttpStatusCode status, string reason)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal(reason, (string?)response.Object["error"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)response.Object["error_description"]));
        Assert.DoesNotContain("expired", (string)response.Object["error_description"]!, StringComparison.OrdinalIgnoreCase);
        return response.Object;
    }

    private Task<JsonObject> LastDesktopEventAsync(string userId) => DesktopMfaKit.LastDesktopEventAsync(server, userId);

    private string CodeNow(string secret) => DesktopMfaKit.CodeNow(server, secret);

    [Fact]
    public async Task A_wrong_profile_is_invalid_client_naming_the_key_and_a_wrong_secret_is_logged()
    {
        var app = await AppAsync();
        var (login, _) = await AssignedUserAsync(app);

        var none = await server.Api.SendRawAsync(HttpMethod.Post, $"{Agent}/methods", For(login).ToJsonString(), auth: null);
        Assert.Contains("DMFAClientID", (string)Refused(none, HttpStatusCode.Unauthorized, "invalid_client")["error_description"]!, StringComparison.Ordinal);
        var wrongId = await CallAsync(app, "/methods", For(login), clientId: "0oaNoSuchApp00000000");
        Assert.Contains("DMFAClientID", (string)Refused(wrongId, HttpStatusCode.Unauthorized, "invalid_client")["error_description"]!, StringComparison.Ordinal);
        var wrongSecret = await CallAsync(app, "/methods", For(login), secret: app.Secret[..^1] + (app.Secret[^1] == 'a' ? 'b' : 'a'));
        Assert.Contains("DMFAClientSecret", (string)Refused(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client")["error_description"]!, StringComparison.Ordinal);

        var logged = (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"user.authentication.auth_via_mfa\" and target.id eq \"{app.Id}\"")}"))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Contains(logged, e => (string?)e!["outcome"]!["reason"] == "invalid_client" && (string?)e["actor"]!["id"] == app.Id);

        (await server.Api.PostAsync($"/api/v1/apps/{app.Id}/lifecycle/deactivate", null)).Expect(HttpStatusCode.OK);
        var inactive = await CallAsync(app, "/methods", For(login));
        Assert.Contains("deactivated", (string)Refused(inactive, HttpStatusCode.Unauthorized, "invalid_client")["error_description"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A1_a_person_not_assigned_gets_user_not_assigned_whether_or_not_they_exist_and_it_is_logged()
    {
        var app = await AppAsync();
        var stranger = await server.CreateUserAsync();
        var strangerLogin = (string)stranger["profile"]!["login"]!;
        var refused = Refused(await CallAsync(app, "/push", For(strangerLogin)), HttpStatusCode.Forbidden, "user_not_assigned");
        Assert.Contains("not assigned", (string)refused["error_description"]!, StringComparison.Ordinal);
        var nobody = "nobody-" + Guid.NewGuid().ToString("N") + "@example.com";
        var unknown = Refused(await CallAsync(app, "/push", For(nobody)), HttpStatusCode.Forbidden, "user_not_assigned");
        Assert.Equal(((string)refused["error_description"]!).Replace(strangerLogin, "X", StringComparison.Ordinal),
            ((string)unknown["error_description"]!).Replace(nobody, "X", StringComparison.Ordinal));

        var e = await LastDesktopEventAsync(ServerFixture.Id(stranger));
        Assert.Equal("FAILURE", (string?)e["outcome"]!["result"]);
        Assert.Equal("user_not_assigned", (string?)e["outcome"]!["reason"]);
        Assert.Contains(e["target"]!.AsArray(), t => (string?)t!["id"] == app.Id);
        Assert.Equal("Build Mac (C02XK1)", (string?)e["debugContext"]!["debugData"]!["computer"]);
    }

    [Fact]
    public async Task A1_push_not_set_up_push_turned_off_and_a_method_the_profile_does_not_allow_are_each_named()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        Refused(await CallAsync(app, "/push", For(login)), HttpStatusCode.Forbidden, "factor_not_enrolled");
        Assert.Equal("factor_not_enrolled", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["reason"]);

        var methods = (await CallAsync(app, "/methods", For(login))).Expect(HttpStatusCode.OK).Object;
        var push = methods["methods"]!.AsArray().Single(m => (string?)m!["factor"] == "OV_Push")!;
        Assert.False((bool)push["available"]!);
        Assert.Equal("factor_not_enrolled", (string?)push["reason"]);

        var codesOnly = await AppAsync(new JsonObject { ["allowedFactors"] = new JsonArray("OV_TOTP", "Offline_TOTP") });
        var (other, _) = await AssignedUserAsync(codesOnly);
        var notAllowed = Refused(await CallAsync(codesOnly, "/push", For(other)), HttpStatusCode.Forbidden, "method_not_allowed");
        Assert.Contains("AllowedFactors", (string)notAllowed["error_description"]!, StringComparison.Ordinal);

        var verify = (await server.Api.GetAsync("/api/v1/authenticators")).Expect(HttpStatusCode.OK).Array.Single(a => (string?)a!["key"] == "okta_verify")!;
        (await server.Api.PostAsync($"/api/v1/authenticators/{verify["id"]}/methods/push/lifecycle/deactivate", null)).Expect(HttpStatusCode.OK);
        try
        {
            using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
            var (enrolled, _) = await AssignedUserAsync(app);
            (await device.EnrollAsync(enrolled)).Expect(HttpStatusCode.OK);
            Refused(await CallAsync(app, "/push", For(enrolled)), HttpStatusCode.Forbidden, "push_not_enabled");
        }
        finally
        {
            (await server.Api.PostAsync($"/api/v1/authenticators/{verify["id"]}/methods/push/lifecycle/activate", null)).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_apps_access_policy_can_deny_a_group_and_the_refusal_names_the_rule()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await server.Api.PutAsync($"/api/v1/groups/{group}/users/{userId}", null)).Expect(HttpStatusCode.NoContent);
        (await server.Api.PostAsync($"/api/v1/policies/{app.PolicyId}/rules", new JsonObject
        {
            ["type"] = "ACCESS_POLICY", ["name"] = "No contractors at the login window",
            ["conditions"] = new JsonObject { ["people"] = new JsonObject { ["groups"] = new JsonObject { ["include"] = new JsonArray(group) } } },
            ["actions"] = new JsonObject { ["appSignOn"] = new JsonObject { ["access"] = "DENY" } },
        })).Expect(HttpStatusCode.OK);

        var refused = Refused(await CallAsync(app, "/methods", For(login)), HttpStatusCode.Forbidden, "policy_denied");
        Assert.Equal("No contractors at the login window", (string?)refused["rule"]);
        var e = await LastDesktopEventAsync(userId);
        Assert.Equal("policy_denied", (string?)e["outcome"]!["reason"]);
        Assert.Equal("No contractors at the login window", (string?)e["debugContext"]!["debugData"]!["rule"]);
    }

    [Fact]
    public async Task A_push_shows_the_number_when_the_org_enforces_number_matching_and_succeeds_once_approved_with_it()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        const string numberMatching = "/device-access/api/v1/desktop-mfa/enforce-number-matching-challenge-settings";
        (await server.Api.PutAsync(numberMatching, new JsonObject { ["desktopMFAEnforceNumberMatchingChallengeEnabled"] = true })).Expect(HttpStatusCode.OK);
        try
        {
            var sent = (await CallAsync(app, "/push", For(login))).Expect(HttpStatusCode.Created).Object;
            var number = (int)sent["correctAnswer"]!;
            var challengeId = (string)sent["challengeId"]!;
            Assert.Equal("WAITING", (string?)(await CallAsync(app, $"/push/{challengeId}", null)).Expect(HttpStatusCode.OK).Object["status"]);

            var pending = (JsonObject)(await device.PendingAsync()).Single(p => (string?)p!["transactionId"] == challengeId)!;
            Assert.Equal("Build Mac (C02XK1)", (string?)pending["context"]!["computer"]);
            (await device.AnswerAsync(pending, approve: true, number: number)).Expect(HttpStatusCode.OK);
            Assert.Equal("SUCCESS", (string?)(await CallAsync(app, $"/push/{challengeId}", null)).Expect(HttpStatusCode.OK).Object["status"]);
            var e = await LastDesktopEventAsync(userId);
            Assert.Equal("SUCCESS", (string?)e["outcome"]!["result"]);
            Assert.Equal("OV_Push", (string?)e["debugContext"]!["debugData"]!["factor"]);

            // Another Desktop MFA app cannot follow this push.
            var other = await AppAsync();
            Refused(await CallAsync(other, $"/push/{challengeId}", null), HttpStatusCode.NotFound, "invalid_request");
        }
        finally
        {
            (await server.Api.PutAsync(numberMatching, new JsonObject { ["desktopMFAEnforceNumberMatchingChallengeEnabled"] = false })).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A2_a_code_from_the_org_account_works_once_a_wrong_one_says_which_account_to_use_and_bad_input_is_refused()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        Refused(await CallAsync(app, "/code", For(login, "123456")), HttpStatusCode.Forbidden, "factor_not_enrolled");

        var secret = await DesktopMfaKit.CodeFactorAsync(server, userId);

        var code = CodeNow(secret);
        var ok = (await CallAsync(app, "/code", For(login, code))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("SUCCESS", (string?)ok["status"]);
        Assert.Equal("SUCCESS", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["result"]);
        Refused(await CallAsync(app, "/code", For(login, code)), HttpStatusCode.Unauthorized, "code_already_used");

        var wrong = Refused(await CallAsync(app, "/code", For(login, code == "000000" ? "111111" : "000000")), HttpStatusCode.Unauthorized, "invalid_code");
        Assert.Contains("org account", (string)wrong["error_description"]!, StringComparison.Ordinal);
        Assert.Equal("invalid_code", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["reason"]);

        Refused(await CallAsync(app, "/code", For(login, "12a456")), HttpStatusCode.BadRequest, "invalid_request");
        Refused(await CallAsync(app, "/code", For(login, new string('1', 5000))), HttpStatusCode.BadRequest, "invalid_request");
        Refused(await CallAsync(app, "/code", new JsonObject { ["login"] = login }), HttpStatusCode.BadRequest, "invalid_request");
    }

    /// <summary>A person assigned to <paramref name="app"/> with an active Google Authenticator factor; returns its secret.</summary>
    private async Task<(string Login, string UserId, string Secret)> WithCodeFactorAsync(DesktopApp app)
    {
        var (login, userId) = await AssignedUserAsync(app);
        return (login, userId, await DesktopMfaKit.CodeFactorAsync(server, userId));
    }

    [Fact]
    public async Task A3_a_device_access_code_is_registered_after_an_online_sign_in_confirmed_with_one_code_and_recognised_when_typed_online()
    {
        var app = await AppAsync();
        var (login, userId, orgSecret) = await WithCodeFactorAsync(app);
        var offlineSecret = Base32Encoding.ToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        JsonObject Register(string? token) => new()
        {
            ["login"] = login, ["computer"] = Computer.DeepClone(), ["secret"] = offlineSecret, ["loginToken"] = token,
        };

        Refused(await CallAsync(app, "/offline-enrollments", Register(null)), HttpStatusCode.Unauthorized, "login_required");
        var online = (await CallAsync(app, "/code", For(login, CodeNow(orgSecret)))).Expect(HttpStatusCode.OK).Object;
        var token = (string)online["loginToken"]!;
        var other = new JsonObject { ["login"] = login, ["computer"] = new JsonObject { ["name"] = "Other Mac" }, ["secret"] = offlineSecret, ["loginToken"] = token };
        Refused(await CallAsync(app, "/offline-enrollments", other), HttpStatusCode.Unauthorized, "login_required");

        var pending = (await CallAsync(app, "/offline-enrollments", Register(token))).Expect(HttpStatusCode.Created).Object;
        Assert.Equal("PENDING", (string?)pending["status"]);
        Assert.Equal("Device access code C02XK1", (string?)pending["label"]);
        var id = (string)pending["id"]!;
        var stored = await server.WithDbAsync(db => Task.FromResult(db.DesktopMfaEnrollments.Single(e => e.Id == id)));
        Assert.DoesNotContain(offlineSecret, stored.SealedSecret, StringComparison.Ordinal);

        Refused(await CallAsync(app, $"/offline-enrollments/{id}/confirm", For(login, CodeNow(orgSecret))), HttpStatusCode.Unauthorized, "invalid_code");
        var confirmed = (await CallAsync(app, $"/offline-enrollments/{id}/confirm", For(login, CodeNow(offlineSecret)))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)confirmed["status"]);
        var until = Uri.EscapeDataString(server.Time.GetUtcNow().AddSeconds(1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        var created = (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"device.desktop_mfa.enrollment.create\" and actor.id eq \"{userId}\"")}&until={until}"))
            .Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Contains(created["target"]!.AsArray(), t => (string?)t!["id"] == id);

        // A2: the device access code typed where the org account's code is expected.
        server.Time.Advance(TimeSpan.FromSeconds(30));
        var wrongAccount = Refused(await CallAsync(app, "/code", For(login, CodeNow(offlineSecret))), HttpStatusCode.Unauthorized, "device_access_code_used_online");
        Assert.Contains("device access code of Build Mac (C02XK1)", (string)wrongAccount["error_description"]!, StringComparison.Ordinal);
        Assert.Contains("org account", (string)wrongAccount["error_description"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A3_an_offline_enrollment_not_confirmed_within_five_minutes_expires()
    {
        var app = await AppAsync();
        var (login, _, orgSecret) = await WithCodeFactorAsync(app);
        var token = (string)(await CallAsync(app, "/code", For(login, CodeNow(orgSecret)))).Expect(HttpStatusCode.OK).Object["loginToken"]!;
        var secret = Base32Encoding.ToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        var body = new JsonObject { ["login"] = login, ["computer"] = Computer.DeepClone(), ["secret"] = secret, ["loginToken"] = token };
        var id = (string)(await CallAsync(app, "/offline-enrollments", body)).Expect(HttpStatusCode.Created).Object["id"]!;
        server.Time.Advance(TimeSpan.FromMinutes(5));
        Refused(await CallAsync(app, $"/offline-enrollments/{id}/confirm", For(login, CodeNow(secret))), HttpStatusCode.Gone, "enrollment_expired");
        var tooShort = new JsonObject { ["login"] = login, ["computer"] = Computer.DeepClone(), ["secret"] = "JBSWY3DP", ["loginToken"] = token };
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(app, "/offline-enrollments", tooShort)).Status); // the token expired with the five minutes too
    }

    [Fact]
    public async Task Push_fatigue_more_than_five_pushes_a_minute_to_one_person_are_refused_with_the_seconds_to_wait()
    {
        var app = await AppAsync();
        var (login, userId) = await AssignedUserAsync(app);
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        // A fresh window, whatever second of the minute the test starts in.
        server.Time.Advance(TimeSpan.FromSeconds(60 - server.Time.GetUtcNow().Second));
        for (var i = 0; i < 5; i++)
        {
            (await CallAsync(app, "/push", For(login))).Expect(HttpStatusCode.Created);
        }

        var refused = Refused(await CallAsync(app, "/push", For(login)), HttpStatusCode.TooManyRequests, "rate_limited");
        var wait = (long)refused["retryAfterSeconds"]!;
        Assert.InRange(wait, 1, 60);
        Assert.Contains($"Wait {wait} seconds", (string)refused["error_description"]!, StringComparison.Ordinal);
        Assert.Equal("rate_limited", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["reason"]);

        server.Time.Advance(TimeSpan.FromSeconds(wait));
        (await CallAsync(app, "/push", For(login))).Expect(HttpStatusCode.Created);
    }
}

