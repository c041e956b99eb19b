using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 items 1 and 8: replacing an authenticator (<c>PUT /api/v1/authenticators/{id}</c>: name and settings) and a
/// method's settings (<c>PUT .../methods/{type}</c>) with the spec's enums, refusing what Latchkey would not honour, logging
/// each change; and the Okta Verify number challenge setting deciding whether a push carries the number.
/// </summary>
public sealed class AuthenticatorSettingsTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private ApiClient Api => server.Api;

    private async Task<JsonObject> AuthenticatorAsync(string key) =>
        (JsonObject)(await Api.GetAsync("/api/v1/authenticators")).Expect(HttpStatusCode.OK).Array.Single(a => (string?)a!["key"] == key)!;

    private static JsonObject Settings(string json) => new() { ["settings"] = JsonNode.Parse(json) };

    /// <summary>The refusal of <paramref name="body"/>: 400 E0000001 with a cause naming <paramref name="field"/> (and saying <paramref name="says"/>).</summary>
    private async Task RefusedAsync(string path, JsonObject body, string field, string? says = null)
    {
        var refused = (await Api.PutAsync(path, body)).Expect(HttpStatusCode.BadRequest);
        Assert.Equal("E0000001", refused.ErrorCode);
        var cause = Assert.Single(ApiResponse.Causes(refused.Object), c => c.StartsWith(field + ":", StringComparison.Ordinal));
        if (says is not null)
        {
            Assert.Contains(says, cause, StringComparison.Ordinal);
        }
    }

    private async Task<int> UpdatesAsync(string id) => (await IdxSignInTests.EventsAsync(server, "security.authenticator.lifecycle.update", id)).Count;

    [Fact]
    public async Task Replacing_okta_verify_changes_its_name_and_number_challenge_logs_the_change_and_a_round_trip_changes_nothing()
    {
        var verify = await AuthenticatorAsync("okta_verify");
        var id = (string)verify["id"]!;
        var path = $"/api/v1/authenticators/{id}";
        var before = await UpdatesAsync(id);

        var body = Settings("""{"channelBinding":{"style":"NUMBER_CHALLENGE","required":"NEVER"}}""");
        body["name"] = "Latchkey Verify";
        var replaced = (await Api.PutAsync(path, body)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Latchkey Verify", (string?)replaced["name"]);
        Assert.Equal("NEVER", (string?)replaced["settings"]!["channelBinding"]!["required"]);
        Assert.Equal("PREFERRED", (string?)replaced["settings"]!["userVerification"]); // left out: kept
        Assert.Equal("ACTIVE", (string?)replaced["status"]);
        Assert.Equal(before + 1, await UpdatesAsync(id));
        Assert.Contains(await IdxSignInTests.EventsAsync(server, "security.authenticator.lifecycle.update", id),
            e => (string?)e!["debugContext"]!["debugData"]!["changed"] == "name,settings.channelBinding.required");

        // GET, PUT back as it is: nothing changes, nothing is logged.
        var again = (await Api.GetAsync(path)).Expect(HttpStatusCode.OK).Object;
        var same = (await Api.PutAsync(path, again.DeepClone())).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)again["lastUpdated"], (string?)same["lastUpdated"]);
        Assert.Equal(before + 1, await UpdatesAsync(id));

        // The Node SDK sends the dates back without milliseconds: read-only, so ignored, whatever they say.
        var sdkStyle = again.DeepClone().AsObject();
        (sdkStyle["created"], sdkStyle["lastUpdated"]) = ("2001-02-03T04:05:06Z", "2001-02-03T04:05:06Z");
        var ignored = (await Api.PutAsync(path, sdkStyle)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)again["created"], (string?)ignored["created"]);
        Assert.Equal((string?)again["lastUpdated"], (string?)ignored["lastUpdated"]);
        Assert.Equal(before + 1, await UpdatesAsync(id));

        var restore = Settings("""{"channelBinding":{"required":"ALWAYS"}}""");
        restore["name"] = "Okta Verify";
        (await Api.PutAsync(path, restore)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_or_unhonoured_values_and_unchangeable_members_are_refused_naming_the_field_and_nothing_changes()
    {
        var verify = await AuthenticatorAsync("okta_verify");
        var id = (string)verify["id"]!;
        var path = $"/api/v1/authenticators/{id}";
        var before = await UpdatesAsync(id);

        await RefusedAsync(path, Settings("""{"channelBinding":{"required":"SOMETIMES"}}"""), "settings.channelBinding.required", "ALWAYS, HIGH_RISK_ONLY, NEVER");
        await RefusedAsync(path, Settings("""{"channelBinding":{"style":"EMOJI"}}"""), "settings.channelBinding.style");
        await RefusedAsync(path, Settings("""{"compliance":{"fips":"REQUIRED"}}"""), "settings.compliance.fips", "FIPS");
        await RefusedAsync(path, Settings("""{"userVerification":"REQUIRED"}"""), "settings.userVerification", "only DISCOURAGED, PREFERRED");
        await RefusedAsync(path, Settings("""{"userVerification":"ALWAYS"}"""), "settings.userVerification", "DISCOURAGED, PREFERRED, REQUIRED");
        await RefusedAsync(path, Settings("""{"appInstanceId":"0oa1"}"""), "settings.appInstanceId");
        await RefusedAsync(path, new JsonObject { ["key"] = "webauthn" }, "key");
        await RefusedAsync(path, new JsonObject { ["type"] = "security_key" }, "type");
        await RefusedAsync(path, new JsonObject { ["status"] = "INACTIVE" }, "status");
        await RefusedAsync(path, new JsonObject { ["name"] = "" }, "name");
        await RefusedAsync(path, new JsonObject { ["name"] = new string('n', 129) }, "name");

        // Several wrong fields at once: each is named, and the right one beside them is not applied.
        var mixed = Settings("""{"channelBinding":{"required":"NEVER"},"compliance":{"fips":"MAYBE"}}""");
        mixed["status"] = "INACTIVE";
        var refused = (await Api.PutAsync(path, mixed)).Expect(HttpStatusCode.BadRequest);
        Assert.Equal(2, ApiResponse.Causes(refused.Object).Count);
        Assert.Equal("ALWAYS", (string?)(await AuthenticatorAsync("okta_verify"))["settings"]!["channelBinding"]!["required"]);
        Assert.Equal(before, await UpdatesAsync(id));

        var google = await AuthenticatorAsync("google_otp");
        await RefusedAsync($"/api/v1/authenticators/{google["id"]}", Settings("""{"userVerification":"REQUIRED"}"""), "settings.userVerification");
        Assert.Equal("E0000007", (await Api.PutAsync("/api/v1/authenticators/autNoSuchAuthentic00", new JsonObject { ["name"] = "x" }))
            .Expect(HttpStatusCode.NotFound).ErrorCode);
    }

    [Fact]
    public async Task Totp_method_settings_accept_only_what_latchkey_verifies_and_webauthn_user_verification_is_set_and_logged()
    {
        var verify = await AuthenticatorAsync("okta_verify");
        var totp = $"/api/v1/authenticators/{verify["id"]}/methods/totp";
        var method = (await Api.GetAsync(totp)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(30, (int)method["settings"]!["timeIntervalInSeconds"]!);

        (await Api.PutAsync(totp, Settings("""{"timeIntervalInSeconds":30,"algorithm":"HMacSHA1","passCodeLength":6,"encoding":"base32"}""")))
            .Expect(HttpStatusCode.OK);
        await RefusedAsync(totp, Settings("""{"passCodeLength":8}"""), "settings.passCodeLength", "6-digit");
        await RefusedAsync(totp, Settings("""{"passCodeLength":7}"""), "settings.passCodeLength", "6, 8, 10");
        await RefusedAsync(totp, Settings("""{"algorithm":"HMacSHA256"}"""), "settings.algorithm", "HMAC-SHA1");
        await RefusedAsync(totp, Settings("""{"timeIntervalInSeconds":60}"""), "settings.timeIntervalInSeconds", "30-second");
        await RefusedAsync(totp, Settings("""{"timeIntervalInSeconds":"thirty"}"""), "settings.timeIntervalInSeconds", "whole number");
        await RefusedAsync(totp, Settings("""{"encoding":"hexadecimal"}"""), "settings.encoding", "base32");
        await RefusedAsync(totp, new JsonObject { ["type"] = "push" }, "type");
        await RefusedAsync(totp, new JsonObject { ["status"] = "INACTIVE" }, "status");

        var webauthn = await AuthenticatorAsync("webauthn");
        var id = (string)webauthn["id"]!;
        var path = $"/api/v1/authenticators/{id}/methods/webauthn";
        var before = await UpdatesAsync(id);
        var set = (await Api.PutAsync(path, Settings("""{"userVerification":"REQUIRED","attachment":"ROAMING"}"""))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("REQUIRED", (string?)set["settings"]!["userVerification"]);
        Assert.Equal("ROAMING", (string?)set["settings"]!["attachment"]);
        Assert.Equal("REQUIRED", (string?)(await Api.GetAsync(path)).Expect(HttpStatusCode.OK).Object["settings"]!["userVerification"]);
        Assert.Equal(before + 1, await UpdatesAsync(id));
        await RefusedAsync(path, Settings("""{"attachment":"USB"}"""), "settings.attachment", "ANY, BUILT_IN, ROAMING");
        await RefusedAsync(path, Settings("""{"rpId":"evil.example"}"""), "settings.rpId");
        (await Api.PutAsync(path, Settings("""{"userVerification":"DISCOURAGED","attachment":"ANY"}"""))).Expect(HttpStatusCode.OK);

        Assert.Equal("E0000007", (await Api.PutAsync($"/api/v1/authenticators/{id}/methods/sms", Settings("{}"))).Expect(HttpStatusCode.NotFound).ErrorCode);
    }

    [Fact]
    public async Task With_the_number_challenge_never_or_high_risk_only_a_push_has_no_number_and_with_always_it_has_one()
    {
        var verify = await AuthenticatorAsync("okta_verify");
        var path = $"/api/v1/authenticators/{verify["id"]}";
        var user = await server.CreateUserAsync();
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync((string)user["profile"]!["login"]!)).Expect(HttpStatusCode.OK);
        var verifyPush = $"/api/v1/users/{device.UserId}/factors/{device.MethodId("push")}/verify";

        try
        {
            foreach (var (required, numbered) in new[] { ("NEVER", false), ("HIGH_RISK_ONLY", false), ("ALWAYS", true) })
            {
                (await Api.PutAsync(path, Settings($$$"""{"channelBinding":{"style":"NUMBER_CHALLENGE","required":"{{{required}}}"}}"""))).Expect(HttpStatusCode.OK);
                var sent = (await Api.PostAsync(verifyPush, new JsonObject())).Expect(HttpStatusCode.Created).Object;
                Assert.Equal("WAITING", (string?)sent["factorResult"]);
                Assert.Equal(numbered, sent["_embedded"]?["challenge"]?["correctAnswer"] is not null);
                var pending = Assert.Single(await device.PendingAsync())!.AsObject();
                Assert.Equal(numbered, (bool)pending["numberChallenge"]!);
                var number = numbered ? (int?)sent["_embedded"]!["challenge"]!["correctAnswer"] : null;
                Assert.Equal("SUCCESS", (string?)(await device.AnswerAsync(pending, approve: true, number)).Expect(HttpStatusCode.OK).Object["factorResult"]);
            }

            // NEVER still lets a caller ask for the number.
            (await Api.PutAsync(path, Settings("""{"channelBinding":{"required":"NEVER"}}"""))).Expect(HttpStatusCode.OK);
            var asked = (await Api.PostAsync(verifyPush, new JsonObject { ["useNumberMatchingChallenge"] = true })).Expect(HttpStatusCode.Created).Object;
            Assert.NotNull(asked["_embedded"]?["challenge"]?["correctAnswer"]);
        }
        finally
        {
            (await Api.PutAsync(path, Settings("""{"channelBinding":{"required":"ALWAYS"}}"""))).Expect(HttpStatusCode.OK);
        }
    }
}
