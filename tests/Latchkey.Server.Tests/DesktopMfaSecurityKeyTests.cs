using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;

namespace Latchkey.Server.Tests;

/// <summary>
/// Scenario A4 over real HTTP: the Desktop MFA app looks up a person's roaming security keys with a challenge (rate
/// limited per person and computer) and has the key's answer checked; platform authenticators are refused as such
/// (<c>no_roaming_keys</c>), a challenge answers once, every refusal is logged with its reason and a success gives the
/// login token.
/// </summary>
public sealed class DesktopMfaSecurityKeyTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private const string Agent = "/device-access/desktop-mfa/v1";
    private static readonly JsonObject Computer = new() { ["name"] = "Build Mac", ["serialNumber"] = "C02XK1", ["platform"] = "MACOS" };

    private string Origin => server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);

    private sealed record DesktopApp(string Id, string Secret);

    private async Task<DesktopApp> AppAsync(JsonObject? settings = null)
    {
        var app = await DesktopMfaKit.CreateAppAsync(server, settings);
        return new DesktopApp(ServerFixture.Id(app), (string)app["credentials"]!["oauthClient"]!["client_secret"]!);
    }

    private Task<ApiResponse> CallAsync(DesktopApp app, string path, JsonObject body)
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{app.Id}:{app.Secret}"));
        return server.Api.SendRawAsync(HttpMethod.Post, Agent + path, body.ToJsonString(), basic, scheme: "Basic");
    }

    private static JsonObject For(string login, JsonObject? computer = null) => new() { ["login"] = login, ["computer"] = (computer ?? Computer).DeepClone() };

    /// <summary>The key's answer to <paramref name="lookup"/>'s challenge, with its ticket, from <paramref name="computer"/> (default: the Build Mac).</summary>
    private static JsonObject Answer(string login, JsonObject lookup, JsonObject credential, JsonObject? computer = null)
    {
        var body = For(login, computer);
        body["credential"] = credential.DeepClone();
        body["challengeTicket"] = lookup["challengeTicket"]?.DeepClone();
        return body;
    }

    private Task<SoftwareSecurityKey> RegisteredKeyAsync(string login, string attachment = "cross-platform") =>
        DesktopMfaKit.RegisterSecurityKeyAsync(server, login, attachment);

    private static JsonObject Refused(ApiResponse response, HttpStatusCode status, string reason)
    {
        Assert.True(status == response.Status, response.Body);
        Assert.Equal(reason, (string?)response.Object["error"]);
        Assert.DoesNotContain("expired", (string)response.Object["error_description"]!, StringComparison.OrdinalIgnoreCase);
        return response.Object;
    }

    private async Task<JsonObject> LastDesktopEventAsync(string userId)
    {
        var e = await DesktopMfaKit.LastDesktopEventAsync(server, userId);
        Assert.Equal("FIDO2_USB_key", (string?)e["debugContext"]!["debugData"]!["factor"]);
        return e;
    }

    [Fact]
    public async Task A4_the_lookup_lists_only_roaming_keys_with_a_challenge_and_a_right_answer_signs_in_once()
    {
        var app = await AppAsync();
        var (login, userId) = await DesktopMfaKit.AssignedUserAsync(server, app.Id);
        var roaming = await RegisteredKeyAsync(login);
        await RegisteredKeyAsync(login, "platform");

        var lookup = (await CallAsync(app, "/security-keys", For(login))).Expect(HttpStatusCode.OK).Object;

        var listed = Assert.Single(lookup["keys"]!.AsArray())!;
        var credential = roaming.Record.Credentials.Single();
        Assert.Equal(credential.Id, (string?)listed["credentialId"]);
        Assert.Equal("cross-platform key", (string?)listed["name"]);
        Assert.Equal(0, (long)listed["signCount"]!);
        using (var publicKey = SoftwareKey.FromPkcs8(credential.PrivateKey))
        {
            Assert.Equal(Base64Url.EncodeToString(SoftwareSecurityKey.CoseKey(publicKey)), (string?)listed["publicKey"]);
        }

        Assert.Equal(credential.Id, (string?)Assert.Single(lookup["options"]!["allowCredentials"]!.AsArray())!["id"]);
        Assert.Equal((string?)lookup["challenge"], (string?)lookup["options"]!["challenge"]);
        var answer = roaming.Assert(lookup["options"]!.ToJsonString(), Origin);

        var signedIn = (await CallAsync(app, "/security-keys/assertion", Answer(login, lookup, answer))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("SUCCESS", (string?)signedIn["status"]);
        Assert.Equal(1, (long)signedIn["signCount"]!);
        Assert.False(string.IsNullOrEmpty((string?)signedIn["loginToken"]));
        Assert.Equal("SUCCESS", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["result"]);

        // The same answer again: its challenge was used.
        Refused(await CallAsync(app, "/security-keys/assertion", Answer(login, lookup, answer)), HttpStatusCode.Unauthorized, "invalid_challenge");
        var logged = await LastDesktopEventAsync(userId);
        Assert.Equal(("FAILURE", "invalid_challenge"), ((string?)logged["outcome"]!["result"], (string?)logged["outcome"]!["reason"]));
    }

    [Fact]
    public async Task A4_with_only_platform_authenticators_the_refusal_says_so_and_with_none_it_is_factor_not_enrolled()
    {
        var app = await AppAsync();
        var (login, userId) = await DesktopMfaKit.AssignedUserAsync(server, app.Id);

        Refused(await CallAsync(app, "/security-keys", For(login)), HttpStatusCode.Forbidden, "factor_not_enrolled");
        await RegisteredKeyAsync(login, "platform");
        var refused = Refused(await CallAsync(app, "/security-keys", For(login)), HttpStatusCode.Forbidden, "no_roaming_keys");

        Assert.Contains("built into a computer or bound to a browser", (string)refused["error_description"]!, StringComparison.Ordinal);
        Assert.Contains("roaming security key", (string)refused["error_description"]!, StringComparison.Ordinal);
        Assert.Equal("no_roaming_keys", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["reason"]);
        var methods = (await CallAsync(app, "/methods", For(login))).Expect(HttpStatusCode.OK).Object["methods"]!.AsArray();
        Assert.Equal("no_roaming_keys", (string?)methods.Single(m => (string?)m!["factor"] == "FIDO2_USB_key")!["reason"]);
    }

    [Fact]
    public async Task A4_more_than_five_lookups_a_minute_for_one_person_on_one_computer_are_refused_with_the_seconds_to_wait()
    {
        var app = await AppAsync();
        var (login, userId) = await DesktopMfaKit.AssignedUserAsync(server, app.Id);
        await RegisteredKeyAsync(login);
        server.Time.Advance(TimeSpan.FromSeconds(60 - server.Time.GetUtcNow().Second));
        for (var i = 0; i < 5; i++)
        {
            (await CallAsync(app, "/security-keys", For(login))).Expect(HttpStatusCode.OK);
        }

        var limited = await CallAsync(app, "/security-keys", For(login));
        var refused = Refused(limited, HttpStatusCode.TooManyRequests, "rate_limited");
        var wait = (long)refused["retryAfterSeconds"]!;
        Assert.InRange(wait, 1, 60);
        Assert.Equal(wait.ToString(System.Globalization.CultureInfo.InvariantCulture), limited.Header("Retry-After"));
        Assert.Contains($"Wait {wait} seconds", (string)refused["error_description"]!, StringComparison.Ordinal);
        Assert.Equal("rate_limited", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["reason"]);

        // Another computer has its own count; after the wait this one may look up again.
        (await CallAsync(app, "/security-keys", For(login, new JsonObject { ["name"] = "Other Mac" }))).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(wait));
        (await CallAsync(app, "/security-keys", For(login))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A4_the_gate_refuses_a_profile_without_FIDO2_USB_key_an_unknown_key_and_a_challenge_not_given_to_this_computer_or_too_old()
    {
        var pushOnly = await AppAsync(new JsonObject { ["allowedFactors"] = new JsonArray("OV_Push") });
        var (other, _) = await DesktopMfaKit.AssignedUserAsync(server, pushOnly.Id);
        Refused(await CallAsync(pushOnly, "/security-keys", For(other)), HttpStatusCode.Forbidden, "method_not_allowed");

        var app = await AppAsync();
        var (login, userId) = await DesktopMfaKit.AssignedUserAsync(server, app.Id);
        var key = await RegisteredKeyAsync(login);
        var lookup = (await CallAsync(app, "/security-keys", For(login))).Expect(HttpStatusCode.OK).Object;
        var options = lookup["options"]!.DeepClone().AsObject();
        options.Remove("allowCredentials");
        var stranger = new SoftwareSecurityKey(new SecurityKeyRecord { Name = "stranger", Aaguid = Guid.NewGuid(), Created = server.Time.GetUtcNow() }, server.Time);
        var registration = new JsonObject { ["challenge"] = "AAAA", ["rp"] = new JsonObject { ["id"] = new Uri(Origin).Host }, ["user"] = new JsonObject { ["id"] = "dXNlcg" } };
        stranger.Register(registration.ToJsonString(), Origin);
        var unknown = stranger.Assert(options.ToJsonString(), Origin);
        Refused(await CallAsync(app, "/security-keys/assertion", Answer(login, lookup, unknown)), HttpStatusCode.Unauthorized, "key_not_registered");
        Assert.Equal("key_not_registered", (string?)(await LastDesktopEventAsync(userId))["outcome"]!["reason"]);

        Refused(await CallAsync(app, "/security-keys/assertion", For(login)), HttpStatusCode.BadRequest, "invalid_request");

        // A challenge given to another computer does not count here, nor one the dashboard gave (no ticket), and any lives 5 minutes.
        var elsewhere = key.Assert(lookup["options"]!.ToJsonString(), Origin);
        Refused(await CallAsync(app, "/security-keys/assertion", Answer(login, lookup, elsewhere, new JsonObject { ["name"] = "Other Mac" })),
            HttpStatusCode.Unauthorized, "invalid_challenge");
        using (var client = new SignInClient(server))
        {
            (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
            var dashboard = (await client.PostJsonAsync("/idp/webauthn/assertion/options", new JsonObject())).Expect(HttpStatusCode.OK).Object;
            Refused(await CallAsync(app, "/security-keys/assertion", Answer(login, lookup, key.Assert(dashboard.ToJsonString(), Origin))),
                HttpStatusCode.Unauthorized, "invalid_challenge");
        }

        var late = (await CallAsync(app, "/security-keys", For(login))).Expect(HttpStatusCode.OK).Object;
        server.Time.Advance(TimeSpan.FromMinutes(5));
        Refused(await CallAsync(app, "/security-keys/assertion", Answer(login, late, key.Assert(late["options"]!.ToJsonString(), Origin))),
            HttpStatusCode.Unauthorized, "invalid_challenge");
    }
}
