using System.Net;
using System.Text.Json.Nodes;
using System.Xml;
using Latchkey.Core.Security;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 13 items 1 and 2: the Desktop MFA app of the catalog (an OAuth client whose secret is shown once and kept
/// hashed and sealed, hidden from dashboards, with its own access policy bound), its configuration profile as JSON and
/// as a property list, secret rotation, and the org's Desktop MFA settings under /device-access.
/// </summary>
public sealed class DesktopMfaAppTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] AllFactors = ["OV_Push", "OV_TOTP", "Offline_TOTP", "FIDO2_USB_key"];

    private async Task<JsonObject> CreateAsync(JsonObject? appSettings = null, string label = "Desktop MFA")
    {
        var body = new JsonObject { ["name"] = "desktop_mfa", ["label"] = $"{label} {Guid.NewGuid():N}"[..40] };
        if (appSettings is not null)
        {
            body["settings"] = new JsonObject { ["app"] = appSettings };
        }

        return (await server.Api.PostAsync("/api/v1/apps", body)).Expect(HttpStatusCode.OK).Object;
    }

    [Fact]
    public async Task Creating_it_makes_a_client_whose_secret_is_shown_once_and_kept_only_hashed_and_sealed_with_its_own_policy()
    {
        var app = await CreateAsync();
        var id = ServerFixture.Id(app);
        Assert.Equal("OPENID_CONNECT", (string?)app["signOnMode"]);
        Assert.Equal(id, (string?)app["credentials"]!["oauthClient"]!["client_id"]);
        var secret = (string)app["credentials"]!["oauthClient"]!["client_secret"]!;
        Assert.True(secret.Length >= 40);
        Assert.True((bool)app["visibility"]!["hide"]!["web"]!);
        Assert.Equal(AllFactors, app["settings"]!["app"]!["allowedFactors"]!.AsArray().Select(f => (string?)f));
        Assert.Equal(168, (int)app["settings"]!["app"]!["loginPeriodWithOfflineFactor"]!);

        var read = (await server.Api.GetAsync($"/api/v1/apps/{id}")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, read.Body, StringComparison.Ordinal);
        Assert.Null(read.Object["credentials"]!["oauthClient"]!["client_secret"]);

        var stored = await server.WithDbAsync(db => db.AppClients.SingleAsync(c => c.AppId == id, Ct));
        Assert.Equal(SecretHasher.Hash(secret), stored.SecretHash);
        Assert.DoesNotContain(secret, stored.SealedSecret, StringComparison.Ordinal);

        var policyHref = (string)read.Object["_links"]!["accessPolicy"]!["href"]!;
        var policy = (await server.Api.GetAsync(new Uri(policyHref).AbsolutePath)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACCESS_POLICY", (string?)policy["type"]);
        Assert.StartsWith("Desktop MFA", (string)policy["name"]!, StringComparison.Ordinal);
        Assert.False((bool)policy["system"]!);
        var bound = (await server.Api.GetAsync($"/api/v1/policies/{policy["id"]}/app")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([id], bound.Select(a => (string?)a!["id"]));

        var second = await CreateAsync();
        var secondPolicy = (await server.Api.GetAsync(new Uri((string)second["_links"]!["accessPolicy"]!["href"]!).AbsolutePath)).Expect(HttpStatusCode.OK).Object;
        Assert.NotEqual((string?)policy["id"], (string?)secondPolicy["id"]);
        Assert.NotEqual((string?)policy["name"], (string?)secondPolicy["name"]);
    }

    [Theory]
    [InlineData("allowedFactors", "[\"OV_Push\",\"SMS\"]")]
    [InlineData("allowedFactors", "[]")]
    [InlineData("allowedFactors", "\"OV_Push\"")]
    [InlineData("allowedFactors", "[\"OV_Push\",\"OV_Push\"]")]
    [InlineData("loginPeriodWithOfflineFactor", "-1")]
    [InlineData("loginPeriodWithOfflineFactor", "\"168\"")]
    [InlineData("loginPeriodWithNoOfflineFactor", "9000")]
    public async Task Bad_profile_settings_are_refused_naming_the_field(string key, string json)
    {
        var response = await server.Api.PostAsync("/api/v1/apps", new JsonObject
        {
            ["name"] = "desktop_mfa", ["label"] = $"Bad {Guid.NewGuid():N}",
            ["settings"] = new JsonObject { ["app"] = new JsonObject { [key] = JsonNode.Parse(json) } },
        });
        var error = response.ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(error["errorCauses"]!.AsArray(), c => ((string)c!["errorSummary"]!).StartsWith($"settings.app.{key}:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_profile_carries_the_org_url_the_credentials_and_the_settings_as_json_and_as_a_property_list_and_its_reading_is_logged()
    {
        var app = await CreateAsync(new JsonObject { ["allowedFactors"] = new JsonArray("OV_TOTP", "Offline_TOTP"), ["loginPeriodWithOfflineFactor"] = 72 });
        var id = ServerFixture.Id(app);
        var secret = (string)app["credentials"]!["oauthClient"]!["client_secret"]!;
        var orgUrl = server.Api.Http.BaseAddress!.GetLeftPart(UriPartial.Authority);

        var json = (await server.Api.GetAsync($"/api/v1/apps/{id}/desktop-mfa/profile")).Expect(HttpStatusCode.OK);
        Assert.Equal("no-store", json.Headers.CacheControl?.ToString());
        Assert.Equal(orgUrl, (string?)json.Object["DMFAOrgURL"]);
        Assert.Equal(id, (string?)json.Object["DMFAClientID"]);
        Assert.Equal(secret, (string?)json.Object["DMFAClientSecret"]);
        Assert.Equal(["OV_TOTP", "Offline_TOTP"], json.Object["AllowedFactors"]!.AsArray().Select(f => (string?)f));
        Assert.Equal(72, (int)json.Object["LoginPeriodWithOfflineFactor"]!);
        Assert.Equal(48, (int)json.Object["LoginPeriodWithNoOfflineFactor"]!);

        var plist = (await server.Api.GetAsync($"/api/v1/apps/{id}/desktop-mfa/profile?format=plist")).Expect(HttpStatusCode.OK);
        Assert.StartsWith("application/x-plist", plist.ContentType?.ToString(), StringComparison.Ordinal);
        var document = new XmlDocument();
        document.LoadXml(plist.Body);
        var dict = document.SelectSingleNode("/plist/dict")!;
        string? Value(string key) => dict.SelectSingleNode($"key[text()='{key}']/following-sibling::*[1]")?.InnerText;
        Assert.Equal(orgUrl, Value("DMFAOrgURL"));
        Assert.Equal(secret, Value("DMFAClientSecret"));
        Assert.Equal("72", Value("LoginPeriodWithOfflineFactor"));
        Assert.Equal("integer", dict.SelectSingleNode("key[text()='LoginPeriodWithOfflineFactor']/following-sibling::*[1]")!.Name);
        Assert.Equal(["OV_TOTP", "Offline_TOTP"], dict.SelectNodes("key[text()='AllowedFactors']/following-sibling::array[1]/string")!.Cast<XmlNode>().Select(n => n.InnerText));

        (await server.Api.GetAsync($"/api/v1/apps/{id}/desktop-mfa/profile?format=yaml")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var bookmark = await server.CreateBookmarkAppAsync();
        (await server.Api.GetAsync($"/api/v1/apps/{ServerFixture.Id(bookmark)}/desktop-mfa/profile")).ExpectError(HttpStatusCode.NotFound, "E0000007");

        var reads = (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"app.oauth2.client.read_client_secret\" and target.id eq \"{id}\"")}"))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task Rotating_the_secret_replaces_it_at_once()
    {
        var app = await CreateAsync();
        var id = ServerFixture.Id(app);
        var old = (string)app["credentials"]!["oauthClient"]!["client_secret"]!;
        var rotated = (await server.Api.PostAsync($"/api/v1/apps/{id}/desktop-mfa/secret", null)).Expect(HttpStatusCode.OK).Object;
        var secret = (string)rotated["client_secret"]!;
        Assert.NotEqual(old, secret);
        Assert.Equal(id, (string?)rotated["client_id"]);
        Assert.Equal(secret, (string?)(await server.Api.GetAsync($"/api/v1/apps/{id}/desktop-mfa/profile")).Expect(HttpStatusCode.OK).Object["DMFAClientSecret"]);
        Assert.Equal(SecretHasher.Hash(secret), (await server.WithDbAsync(db => db.AppClients.SingleAsync(c => c.AppId == id, Ct))).SecretHash);
        Assert.Single((await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"app.oauth2.credentials.lifecycle.create\" and target.id eq \"{id}\"")}"))
            .Expect(HttpStatusCode.OK).Array);
    }

    [Theory]
    [InlineData("recovery-pin-settings", "desktopMFARecoveryPinEnabled")]
    [InlineData("enforce-number-matching-challenge-settings", "desktopMFAEnforceNumberMatchingChallengeEnabled")]
    public async Task The_org_settings_start_off_are_changed_with_put_and_the_change_is_logged(string path, string key)
    {
        var url = $"/device-access/api/v1/desktop-mfa/{path}";
        (await server.Api.PutAsync(url, new JsonObject { [key] = false })).Expect(HttpStatusCode.OK);
        Assert.False((bool)(await server.Api.GetAsync(url)).Expect(HttpStatusCode.OK).Object[key]!);
        Assert.True((bool)(await server.Api.PutAsync(url, new JsonObject { [key] = true })).Expect(HttpStatusCode.OK).Object[key]!);
        Assert.True((bool)(await server.Api.GetAsync(url)).Expect(HttpStatusCode.OK).Object[key]!);
        (await server.Api.PutAsync(url, new JsonObject { [key] = "yes" })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var changes = (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode("eventType eq \"device.desktop_mfa.configuration.update\"")}&sortOrder=DESCENDING"))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Contains(changes, e => e!["target"]![0]!["changeDetails"]?["to"]?[key] is JsonValue v && v.GetValue<bool>());
        (await server.Api.PutAsync(url, new JsonObject { [key] = false })).Expect(HttpStatusCode.OK);
    }
}
