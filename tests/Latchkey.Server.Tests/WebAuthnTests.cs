using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 items 1, 2, 6 and Bad input over real HTTP with the software FIDO2 key of <c>latchkey-verify</c>
/// (<see cref="SoftwareSecurityKey"/>: ES256, packed self attestation, a counter): the JSON ceremonies of a signed-in
/// user, the Factors API's <c>webauthn</c> factor, the AAGUID allow-list and <c>userVerification</c>, and every
/// refusal with its reason (wrong challenge, origin, RP id, a counter that went backwards, an unknown credential).
/// </summary>
public sealed class WebAuthnTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private ApiClient Api => server.Api;

    private string Origin => server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);

    private SoftwareSecurityKey NewKey(Guid? aaguid = null) =>
        new(new SecurityKeyRecord { Name = "test key", Aaguid = aaguid ?? Guid.NewGuid(), Created = server.Time.GetUtcNow() }, server.Time);

    private sealed record Person(SignInClient Client, string UserId, string Login) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    private async Task<Person> SignedInAsync()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        var client = new SignInClient(server);
        (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        return new Person(client, ServerFixture.Id(user), login);
    }

    private static async Task<JsonObject> OptionsAsync(Person person, string ceremony) =>
        (await person.Client.PostJsonAsync($"/idp/webauthn/{ceremony}/options", new JsonObject())).Expect(HttpStatusCode.OK).Object;

    private async Task<ApiResponse> RegisterAsync(Person person, SoftwareSecurityKey key, Action<JsonObject>? tamper = null, string? origin = null)
    {
        var options = await OptionsAsync(person, "registration");
        tamper?.Invoke(options);
        var credential = key.Register(options.ToJsonString(), origin ?? Origin);
        return await person.Client.PostJsonAsync("/idp/webauthn/registration", new JsonObject { ["credential"] = credential, ["name"] = "Blue key" });
    }

    private async Task<ApiResponse> AssertAsync(Person person, SoftwareSecurityKey key, Action<JsonObject>? tamper = null, string? origin = null)
    {
        var options = await OptionsAsync(person, "assertion");
        tamper?.Invoke(options);
        return await person.Client.PostJsonAsync("/idp/webauthn/assertion", key.Assert(options.ToJsonString(), origin ?? Origin));
    }

    private static string Cause(ApiResponse response) => (string)response.Object["errorCauses"]![0]!["errorSummary"]!;

    private async Task<JsonObject> LastEventAsync(string eventType, string targetId) =>
        (JsonObject)(await IdxSignInTests.EventsAsync(server, eventType, targetId)).Last()!;

    [Fact]
    public async Task Registering_a_key_stores_the_credential_as_an_active_webauthn_factor_of_the_fido_provider()
    {
        using var person = await SignedInAsync();
        var options = await OptionsAsync(person, "registration");
        Assert.Equal(new Uri(Origin).Host, (string?)options["rp"]!["id"]);
        Assert.Equal(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(person.UserId)), (string?)options["user"]!["id"]);
        Assert.Equal(person.Login, (string?)options["user"]!["name"]);
        Assert.Equal("direct", (string?)options["attestation"]);
        Assert.Equal("discouraged", (string?)options["authenticatorSelection"]!["userVerification"]);
        Assert.Equal([-7, -257], options["pubKeyCredParams"]!.AsArray().Select(p => (int)p!["alg"]!));

        var aaguid = Guid.NewGuid();
        var key = NewKey(aaguid);
        var registered = (await RegisterAsync(person, key)).Expect(HttpStatusCode.OK).Object;
        Wire.AssertId((string?)registered["factorId"], "fwf");
        Assert.Equal(key.Record.Credentials.Single().Id, (string?)registered["credentialId"]);
        Assert.Equal(aaguid.ToString("D"), (string?)registered["aaguid"]);
        Assert.Equal("cross-platform", (string?)registered["attachment"]);
        Assert.Equal("packed", (string?)registered["attestationFormat"]);
        Assert.Equal("Blue key", (string?)registered["name"]);
        Assert.False((bool)registered["userVerified"]!);

        var factor = (await Api.GetAsync($"/api/v1/users/{person.UserId}/factors")).Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Equal("webauthn", (string?)factor["factorType"]);
        Assert.Equal("FIDO", (string?)factor["provider"]);
        Assert.Equal("ACTIVE", (string?)factor["status"]);
        Assert.Equal((string?)registered["factorId"], (string?)factor["id"]);
        Assert.Equal((string?)registered["credentialId"], (string?)factor["profile"]!["credentialId"]);
        Assert.Equal("Blue key", (string?)factor["profile"]!["authenticatorName"]);

        var activated = await LastEventAsync("user.mfa.factor.activate", (string)factor["id"]!);
        Assert.Equal("SUCCESS", (string?)activated["outcome"]!["result"]);
        Assert.Contains(activated["target"]!.AsArray(), t => (string?)t!["id"] == person.UserId);

        // The same key cannot register the same credential twice: the options exclude it.
        var again = await OptionsAsync(person, "registration");
        Assert.Equal((string?)registered["credentialId"], (string?)again["excludeCredentials"]![0]!["id"]);
    }

    [Fact]
    public async Task An_assertion_verifies_moves_the_counter_and_is_logged_and_its_challenge_cannot_be_used_again()
    {
        using var person = await SignedInAsync();
        var key = NewKey();
        var factorId = (string)(await RegisterAsync(person, key)).Expect(HttpStatusCode.OK).Object["factorId"]!;

        var options = await OptionsAsync(person, "assertion");
        Assert.Equal(key.Record.Credentials.Single().Id, (string?)options["allowCredentials"]![0]!["id"]);
        var assertion = key.Assert(options.ToJsonString(), Origin);
        var verified = (await person.Client.PostJsonAsync("/idp/webauthn/assertion", assertion)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("SUCCESS", (string?)verified["factorResult"]);
        Assert.Equal(factorId, (string?)verified["factorId"]);
        var listed = (await person.Client.GetAsync("/idp/webauthn/credentials")).Expect(HttpStatusCode.OK).Array.Single()!;
        Assert.Equal(1, (int)listed["signCount"]!);
        Assert.NotNull((string?)listed["lastUsed"]);
        var verify = await LastEventAsync("user.authentication.verify", factorId);
        Assert.Equal("SUCCESS", (string?)verify["outcome"]!["result"]);

        // Two copies of one answer at once: the challenge is used by exactly one of them.
        var raced = key.Assert((await OptionsAsync(person, "assertion")).ToJsonString(), Origin);
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => person.Client.PostJsonAsync("/idp/webauthn/assertion", raced)));
        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.Single(answers, a => a.Status == HttpStatusCode.Forbidden);

        // The very same answer again: its challenge is spent.
        var replay = (await person.Client.PostJsonAsync("/idp/webauthn/assertion", assertion)).Expect(HttpStatusCode.Forbidden);
        Assert.Equal("E0000068", replay.ErrorCode);
        Assert.Contains("wrong challenge", Cause(replay), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_counter_that_went_backwards_is_refused_and_logged_as_a_possible_clone()
    {
        using var person = await SignedInAsync();
        var key = NewKey();
        var factorId = (string)(await RegisterAsync(person, key)).Expect(HttpStatusCode.OK).Object["factorId"]!;
        (await AssertAsync(person, key)).Expect(HttpStatusCode.OK);
        (await AssertAsync(person, key)).Expect(HttpStatusCode.OK);

        // A copy of the key made before those two assertions: its counter answers 1 where 2 was seen.
        key.Record.Credentials.Single().SignCount = 0;
        var refused = (await AssertAsync(person, key)).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("Possible cloned authenticator: its signature counter 1 is not greater than the 2 last seen", Cause(refused), StringComparison.Ordinal);
        var failure = await LastEventAsync("user.authentication.verify", factorId);
        Assert.Equal("FAILURE", (string?)failure["outcome"]!["result"]);
        Assert.StartsWith("Possible cloned authenticator", (string?)failure["outcome"]!["reason"], StringComparison.Ordinal);

        // The stored counter did not move, and the real key (counter 3 next) still works.
        key.Record.Credentials.Single().SignCount = 2;
        (await AssertAsync(person, key)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_challenge_origin_or_rp_id_is_refused_with_the_reason()
    {
        using var person = await SignedInAsync();
        var key = NewKey();
        var challenge = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

        var wrongChallenge = (await RegisterAsync(person, key, o => o["challenge"] = challenge)).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("wrong challenge", Cause(wrongChallenge), StringComparison.Ordinal);
        var wrongOrigin = (await RegisterAsync(person, key, origin: "https://login.example.com")).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("The origin 'https://login.example.com' is not this org's URL", Cause(wrongOrigin), StringComparison.Ordinal);
        var wrongRpId = (await RegisterAsync(person, key, o => o["rp"]!["id"] = "example.com")).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("Relying Party ID hash", Cause(wrongRpId), StringComparison.Ordinal);
        Assert.Empty((await Api.GetAsync($"/api/v1/users/{person.UserId}/factors")).Expect(HttpStatusCode.OK).Array);
        var failed = await LastEventAsync("user.mfa.factor.activate", person.UserId);
        Assert.Equal("FAILURE", (string?)failed["outcome"]!["result"]);

        key = NewKey();
        (await RegisterAsync(person, key)).Expect(HttpStatusCode.OK);
        Assert.Contains("wrong challenge", Cause((await AssertAsync(person, key, o => o["challenge"] = challenge)).Expect(HttpStatusCode.Forbidden)),
            StringComparison.Ordinal);
        Assert.Contains("is not this org's URL",
            Cause((await AssertAsync(person, key, origin: "http://localhost:1")).Expect(HttpStatusCode.Forbidden)), StringComparison.Ordinal);
        var rpId = key.Record.Credentials.Single().RpId;
        key.Record.Credentials.Single().RpId = "example.com";
        Assert.Contains("Relying Party ID hash",
            Cause((await AssertAsync(person, key, o => o["rpId"] = "example.com")).Expect(HttpStatusCode.Forbidden)), StringComparison.Ordinal);
        key.Record.Credentials.Single().RpId = rpId;
        (await AssertAsync(person, key)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_credential_of_someone_else_is_unknown_to_this_user_and_a_challenge_expires_after_five_minutes()
    {
        using var alice = await SignedInAsync();
        using var bob = await SignedInAsync();
        var aliceKey = NewKey();
        var bobKey = NewKey();
        (await RegisterAsync(alice, aliceKey)).Expect(HttpStatusCode.OK);
        (await RegisterAsync(bob, bobKey)).Expect(HttpStatusCode.OK);

        var refused = (await AssertAsync(alice, bobKey, o => o.Remove("allowCredentials"))).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("unknown credential", Cause(refused), StringComparison.Ordinal);

        var options = await OptionsAsync(alice, "assertion");
        server.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var late = (await alice.Client.PostJsonAsync("/idp/webauthn/assertion", aliceKey.Assert(options.ToJsonString(), Origin))).Expect(HttpStatusCode.Forbidden);
        Assert.Contains("expired", Cause(late), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_aaguid_allow_list_admits_only_listed_models()
    {
        var authenticatorId = await WebAuthnAuthenticatorIdAsync();
        var aaguids = $"/api/v1/authenticators/{authenticatorId}/aaguids";
        var listed = Guid.NewGuid();
        var created = (await Api.PostAsync(aaguids, new JsonObject
        {
            ["aaguid"] = listed.ToString("D").ToUpperInvariant(), ["name"] = "Listed Key 5",
            ["authenticatorCharacteristics"] = new JsonObject { ["platformAttached"] = false, ["fipsCompliant"] = true, ["hardwareProtected"] = true },
        })).Expect(HttpStatusCode.OK).Object;
        try
        {
            Assert.Equal(listed.ToString("D"), (string?)created["aaguid"]);
            Assert.Equal("Listed Key 5", (string?)created["name"]);
            Assert.True((bool)created["authenticatorCharacteristics"]!["fipsCompliant"]!);
            Assert.EndsWith($"{aaguids}/{listed:D}", (string?)created["_links"]!["self"]!["href"], StringComparison.Ordinal);
            Assert.Equal("E0000001", (await Api.PostAsync(aaguids, new JsonObject { ["aaguid"] = listed.ToString("D") })).Expect(HttpStatusCode.BadRequest).ErrorCode);
            Assert.Equal("E0000001", (await Api.PostAsync(aaguids, new JsonObject { ["aaguid"] = "not-a-guid" })).Expect(HttpStatusCode.BadRequest).ErrorCode);
            Assert.Single((await Api.GetAsync(aaguids)).Expect(HttpStatusCode.OK).Array);

            using var person = await SignedInAsync();
            var unlisted = NewKey();
            var refused = (await RegisterAsync(person, unlisted)).Expect(HttpStatusCode.Forbidden);
            Assert.Contains($"The authenticator model {unlisted.Record.Aaguid:D} is not on this org's allow-list", Cause(refused), StringComparison.Ordinal);
            var failure = await LastEventAsync("user.mfa.factor.activate", person.UserId);
            Assert.Equal("FAILURE", (string?)failure["outcome"]!["result"]);
            Assert.Contains("allow-list", (string?)failure["outcome"]!["reason"], StringComparison.Ordinal);

            var allowed = (await RegisterAsync(person, NewKey(listed))).Expect(HttpStatusCode.OK).Object;
            Assert.Equal("Blue key", (string?)allowed["name"]);

            var patched = (await Api.SendAsync(HttpMethod.Patch, $"{aaguids}/{listed:D}", new JsonObject { ["name"] = "Renamed" })).Expect(HttpStatusCode.OK).Object;
            Assert.Equal("Renamed", (string?)patched["name"]);
            Assert.True((bool)patched["authenticatorCharacteristics"]!["hardwareProtected"]!);
            var replaced = (await Api.PutAsync($"{aaguids}/{listed:D}", new JsonObject { ["name"] = "Replaced" })).Expect(HttpStatusCode.OK).Object;
            Assert.Null(replaced["authenticatorCharacteristics"]);
            Assert.Equal("Replaced", (string?)(await Api.GetAsync($"{aaguids}/{listed:D}")).Expect(HttpStatusCode.OK).Object["name"]);
            Assert.Equal("E0000001", (await Api.PutAsync($"{aaguids}/{listed:D}", new JsonObject { ["attestationRootCertificates"] = new JsonArray(new JsonObject { ["x5c"] = "bm90IGEgY2VydA==" }) }))
                .Expect(HttpStatusCode.BadRequest).ErrorCode);
        }
        finally
        {
            (await Api.DeleteAsync($"{aaguids}/{listed:D}")).Expect(HttpStatusCode.NoContent);
        }

        Assert.Equal("E0000007", (await Api.GetAsync($"{aaguids}/{listed:D}")).Expect(HttpStatusCode.NotFound).ErrorCode);
        Assert.Empty((await Api.GetAsync(aaguids)).Expect(HttpStatusCode.OK).Array);
        var password = (await Api.GetAsync("/api/v1/authenticators")).Expect(HttpStatusCode.OK).Array.Single(a => (string?)a!["key"] == "okta_password")!;
        (await Api.GetAsync($"/api/v1/authenticators/{password["id"]}/aaguids")).Expect(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task User_verification_required_refuses_a_key_that_did_not_verify_the_user()
    {
        using var person = await SignedInAsync();
        var key = NewKey();
        (await RegisterAsync(person, key)).Expect(HttpStatusCode.OK);
        await SetUserVerificationAsync("REQUIRED");
        try
        {
            var options = await OptionsAsync(person, "registration");
            Assert.Equal("required", (string?)options["authenticatorSelection"]!["userVerification"]);
            // The software key refuses to claim what it cannot do; a client that ignores the requirement is refused by the server.
            Assert.Contains("requires user verification", Assert.ThrowsAny<Exception>(() => NewKey().Register(options.ToJsonString(), Origin)).Message, StringComparison.Ordinal);
            var refused = (await RegisterAsync(person, NewKey(), o => o["authenticatorSelection"]!["userVerification"] = "preferred")).Expect(HttpStatusCode.Forbidden);
            Assert.Contains("User verification is required", Cause(refused), StringComparison.Ordinal);
            var assertion = (await AssertAsync(person, key, o => o["userVerification"] = "preferred")).Expect(HttpStatusCode.Forbidden);
            Assert.Contains("User verification is required", Cause(assertion), StringComparison.Ordinal);
        }
        finally
        {
            await SetUserVerificationAsync("DISCOURAGED");
        }

        (await AssertAsync(person, key)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_factors_api_enrolls_activates_verifies_lists_and_deletes_a_webauthn_factor()
    {
        var user = await server.CreateUserAsync();
        var userId = ServerFixture.Id(user);
        var factors = $"/api/v1/users/{userId}/factors";
        var catalog = (await Api.GetAsync($"{factors}/catalog")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal("NOT_SETUP", (string?)catalog.Single(f => (string?)f!["factorType"] == "webauthn")!["status"]);
        Assert.Equal("E0000001", (await Api.PostAsync(factors, new JsonObject { ["factorType"] = "webauthn", ["provider"] = "OKTA" })).Expect(HttpStatusCode.BadRequest).ErrorCode);

        var enrolled = (await Api.PostAsync(factors, new JsonObject { ["factorType"] = "webauthn", ["provider"] = "FIDO" })).Expect(HttpStatusCode.OK).Object;
        var factorId = (string)enrolled["id"]!;
        Wire.AssertId(factorId, "fwf");
        Assert.Equal("PENDING_ACTIVATION", (string?)enrolled["status"]);
        Assert.NotNull(enrolled["_links"]!["activate"]);
        var activation = enrolled["_embedded"]!["activation"]!.AsObject();
        Assert.NotNull((string?)activation["challenge"]);
        Assert.NotNull((string?)activation["expiresAt"]);

        var key = NewKey();
        var registration = key.Register(activation.ToJsonString(), Origin);
        var response = registration["response"]!;
        var activated = (await Api.PostAsync($"{factors}/{factorId}/lifecycle/activate", new JsonObject
        {
            ["attestation"] = (string?)response["attestationObject"], ["clientData"] = (string?)response["clientDataJSON"],
        })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)activated["status"]);
        Assert.Equal(key.Record.Credentials.Single().Id, (string?)activated["profile"]!["credentialId"]);
        Assert.Equal("Security key", (string?)activated["profile"]!["authenticatorName"]);
        Assert.Equal("ACTIVE", (string?)(await Api.GetAsync($"{factors}/catalog")).Expect(HttpStatusCode.OK).Array
            .Single(f => (string?)f!["factorType"] == "webauthn")!["status"]);

        var challenge = (await Api.PostAsync($"{factors}/{factorId}/verify")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("CHALLENGE", (string?)challenge["factorResult"]);
        Assert.NotNull(challenge["_links"]!["verify"]);
        var options = new JsonObject
        {
            ["challenge"] = (string?)challenge["_embedded"]!["challenge"]!["challenge"], ["rpId"] = new Uri(Origin).Host,
            ["allowCredentials"] = new JsonArray(new JsonObject { ["type"] = "public-key", ["id"] = (string?)challenge["profile"]!["credentialId"] }),
        };
        var assertion = key.Assert(options.ToJsonString(), Origin)["response"]!;
        var answer = new JsonObject
        {
            ["clientData"] = (string?)assertion["clientDataJSON"], ["authenticatorData"] = (string?)assertion["authenticatorData"],
            ["signatureData"] = (string?)assertion["signature"],
        };
        Assert.Equal("SUCCESS", (string?)(await Api.PostAsync($"{factors}/{factorId}/verify", answer)).Expect(HttpStatusCode.OK).Object["factorResult"]);
        Assert.Equal("E0000068", (await Api.PostAsync($"{factors}/{factorId}/verify", answer)).Expect(HttpStatusCode.Forbidden).ErrorCode);

        Assert.Equal("webauthn", (string?)(await Api.GetAsync($"{factors}/{factorId}")).Expect(HttpStatusCode.OK).Object["factorType"]);
        (await Api.DeleteAsync($"{factors}/{factorId}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty((await Api.GetAsync(factors)).Expect(HttpStatusCode.OK).Array);
        Assert.Equal(0, await server.WithDbAsync(db => Task.FromResult(db.WebAuthnCredentials.Count(c => c.UserId == userId))));
        Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.deactivate", factorId));
    }

    [Fact]
    public async Task A_signed_in_user_lists_and_removes_their_keys()
    {
        using var person = await SignedInAsync();
        using var other = await SignedInAsync();
        var first = (string)(await RegisterAsync(person, NewKey())).Expect(HttpStatusCode.OK).Object["factorId"]!;
        var second = (string)(await RegisterAsync(person, NewKey())).Expect(HttpStatusCode.OK).Object["factorId"]!;
        // Oldest first; both were made at one instant of the test clock, so compared as a set.
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal),
            (await person.Client.GetAsync("/idp/webauthn/credentials")).Expect(HttpStatusCode.OK).Array.Select(k => (string)k!["factorId"]!).Order(StringComparer.Ordinal));
        (await other.Client.DeleteAsync($"/idp/webauthn/credentials/{first}")).Expect(HttpStatusCode.NotFound);
        (await person.Client.DeleteAsync($"/idp/webauthn/credentials/{first}")).Expect(HttpStatusCode.NoContent);
        Assert.Equal([second], (await person.Client.GetAsync("/idp/webauthn/credentials")).Expect(HttpStatusCode.OK).Array.Select(k => (string?)k!["factorId"]));

        using var anonymous = new SignInClient(server);
        Assert.Equal("E0000005", (await anonymous.PostJsonAsync("/idp/webauthn/registration/options", new JsonObject())).Expect(HttpStatusCode.Forbidden).ErrorCode);
        Assert.Equal("E0000005", (await anonymous.GetAsync("/idp/webauthn/credentials")).Expect(HttpStatusCode.Forbidden).ErrorCode);
    }

    private async Task<string> WebAuthnAuthenticatorIdAsync() =>
        (string)(await Api.GetAsync("/api/v1/authenticators")).Expect(HttpStatusCode.OK).Array.Single(a => (string?)a!["key"] == "webauthn")!["id"]!;

    /// <summary>Sets the webauthn method's userVerification in the database (the methods PUT is another step's work).</summary>
    private Task SetUserVerificationAsync(string value) => server.WithDbAsync(async db =>
    {
        var authenticator = db.Authenticators.Single(a => a.Key == "webauthn");
        var methods = JsonNode.Parse(authenticator.MethodsJson!)!.AsArray();
        methods.Single(m => (string?)m!["type"] == "webauthn")!["settings"]!["userVerification"] = value;
        authenticator.MethodsJson = methods.ToJsonString();
        await db.SaveChangesAsync();
        return 0;
    });
}
