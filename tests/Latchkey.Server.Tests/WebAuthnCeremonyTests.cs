using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Latchkey.Server.Features.WebAuthn;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// <see cref="WebAuthnCeremonies"/> called as the IDX pipeline calls it (a kept challenge, no JSON endpoint), and a
/// published test vector: the W3C WebAuthn Level 3 registration vector of section 16.3 ("ES256 Credential with Self
/// Attestation", RP id example.org) goes through ASP.NET Core Identity's handler and Latchkey's attestation check.
/// </summary>
public sealed class WebAuthnCeremonyTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    // W3C WebAuthn Level 3, section 16.3 (https://www.w3.org/TR/webauthn-3/#sctn-test-vectors-packed-self-es256): the data, as published.
    private const string VectorChallenge = "7869c2b772d4b58eba9378cf8f29e26cf935aa77df0da89fa99c0bdc0a76f7e5";
    private const string VectorCredentialId = "455ef34e2043a87db3d4afeb39bbcb6cc32df9347c789a865ecdca129cbef58c";
    private const string VectorAaguid = "df850e09-db6a-fbdf-ab51-697791506cfc";
    private const string VectorClientDataJson =
        "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a2265476e4374334c55745936366b336a506a796e6962506b31716e666644616966715a774c33417032392d55222c226f726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c207375636820617320746869733a205539685458764b453255526b4d6e625f307859485667227d";
    private const string VectorAttestationObject =
        "a363666d74667061636b65646761747453746d74a263616c672663736967584630440220067a20754ab925005dbf378097c92120031581c73228d1fb4f5b881bcd7da98302207fc7b147558c7c0eba3af18bd9d121fa3d3a26d17fe3f220272178f473b6006d68617574684461746158a4bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b55d00000000df850e09db6afbdfab51697791506cfc0020455ef34e2043a87db3d4afeb39bbcb6cc32df9347c789a865ecdca129cbef58ca5010203262001215820eb151c8176b225cc651559fecf07af450fd85802046656b34c18f6cf193843c5225820927b8aa427a2be1b8834d233a2d34f61f13bfd44119c325d5896e183fee484f2";

    private static string B64(string hex) => Base64Url.EncodeToString(Convert.FromHexString(hex));

    private static string Credential(string clientDataJsonHex) => new System.Text.Json.Nodes.JsonObject
    {
        ["id"] = B64(VectorCredentialId), ["rawId"] = B64(VectorCredentialId), ["type"] = "public-key", ["clientExtensionResults"] = new System.Text.Json.Nodes.JsonObject(),
        ["response"] = new System.Text.Json.Nodes.JsonObject
        {
            ["clientDataJSON"] = B64(clientDataJsonHex), ["attestationObject"] = B64(VectorAttestationObject), ["transports"] = new System.Text.Json.Nodes.JsonArray(),
        },
    }.ToJsonString();

    private static HttpContext Request(IServiceProvider services, string scheme, string host) =>
        new DefaultHttpContext { RequestServices = services, Request = { Scheme = scheme, Host = new HostString(host) } };

    [Fact]
    public void The_w3c_packed_self_attestation_vector_verifies_and_any_change_to_the_signed_data_does_not()
    {
        var parsed = ParsedAttestation.Parse(Convert.FromHexString(VectorAttestationObject));
        Assert.Equal("packed", parsed.Format);
        Assert.Equal(VectorAaguid, parsed.Aaguid);
        Assert.Equal(VectorCredentialId, Convert.ToHexStringLower(parsed.CredentialId));
        Assert.Empty(parsed.X5c);
        var clientData = Convert.FromHexString(VectorClientDataJson);
        Assert.Null(WebAuthnAttestation.Verify(parsed, SHA256.HashData(clientData)));

        clientData[^3] ^= 0x01;
        Assert.Equal("The self attestation signature is not valid for the credential key", WebAuthnAttestation.Verify(parsed, SHA256.HashData(clientData)));
    }

    [Fact]
    public async Task The_w3c_registration_vector_registers_through_the_framework_handler_for_the_org_at_example_org()
    {
        var user = await server.CreateUserAsync();
        await using var scope = server.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var ceremonies = scope.ServiceProvider.GetRequiredService<WebAuthnCeremonies>();
        var person = await db.Users.AsNoTracking().SingleAsync(u => u.Id == ServerFixture.Id(user), TestContext.Current.CancellationToken);
        var http = Request(scope.ServiceProvider, "https", "example.org");
        var ct = TestContext.Current.CancellationToken;

        // The vector answers a challenge of its own: the options made here are re-issued under it (same handler state, the vector's challenge).
        var options = await ceremonies.RegistrationOptionsAsync(person, http, ct);
        Assert.Equal("example.org", (string?)options.Options["rp"]!["id"]);
        var issued = await db.WebAuthnChallenges.AsNoTracking().SingleAsync(c => c.Id == options.Challenge, ct);
        var vectorChallenge = B64(VectorChallenge);
        // The handler's state keeps the challenge bytes (base64, its own format); the vector's bytes take their place.
        var state = System.Text.Json.Nodes.JsonNode.Parse(issued.StateJson)!.AsObject();
        Assert.Equal(Base64Url.DecodeFromChars(options.Challenge), Convert.FromBase64String((string)state["challenge"]!));
        state["challenge"] = Convert.ToBase64String(Convert.FromHexString(VectorChallenge));
        async Task IssueVectorChallengeAsync()
        {
            await db.WebAuthnChallenges.Where(c => c.Id == vectorChallenge).ExecuteDeleteAsync(ct);
            db.WebAuthnChallenges.Add(new WebAuthnChallengeEntity
            {
                Id = vectorChallenge, OrgId = issued.OrgId, UserId = issued.UserId, Purpose = issued.Purpose,
                StateJson = state.ToJsonString(),
                Created = issued.Created, ExpiresAt = issued.ExpiresAt,
            });
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        // The vector's client data with one letter changed: still valid JSON with the right challenge and origin, so only the attestation signature can tell.
        var altered = Encoding.UTF8.GetString(Convert.FromHexString(VectorClientDataJson)).Replace("future", "futurE", StringComparison.Ordinal);
        await IssueVectorChallengeAsync();
        var refused = await ceremonies.RegisterAsync(person, Credential(Convert.ToHexString(Encoding.UTF8.GetBytes(altered))), null, http, null, ct);
        Assert.False(refused.Succeeded);
        Assert.Equal("The self attestation signature is not valid for the credential key", refused.Reason);

        await IssueVectorChallengeAsync();
        var registered = await ceremonies.RegisterAsync(person, Credential(VectorClientDataJson), "W3C vector", http, null, ct);
        Assert.True(registered.Succeeded, registered.Reason);
        Assert.Equal(VectorAaguid, registered.Credential!.Aaguid);
        Assert.Equal("packed", registered.Credential.AttestationFormat);
        Assert.True(registered.Credential.UserVerified);
        Assert.Equal(B64(VectorCredentialId), registered.Credential.CredentialId);

        // The same challenge cannot be used twice, even by the right answer.
        var again = await ceremonies.RegisterAsync(person, Credential(VectorClientDataJson), null, http, null, ct);
        Assert.Contains("wrong challenge", again.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assertion_is_checked_against_the_challenge_the_caller_kept_not_the_one_the_client_names()
    {
        var user = await server.CreateUserAsync();
        await using var scope = server.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var ceremonies = scope.ServiceProvider.GetRequiredService<WebAuthnCeremonies>();
        var ct = TestContext.Current.CancellationToken;
        var person = await db.Users.AsNoTracking().SingleAsync(u => u.Id == ServerFixture.Id(user), ct);
        var orgUrl = server.Api.BaseAddress.GetLeftPart(UriPartial.Authority);
        var http = Request(scope.ServiceProvider, "http", server.Api.BaseAddress.Authority);
        var key = new SoftwareSecurityKey(new SecurityKeyRecord { Name = "k", Aaguid = Guid.NewGuid(), Created = DateTimeOffset.UtcNow }, TimeProvider.System);

        var creation = await ceremonies.RegistrationOptionsAsync(person, http, ct);
        var registered = await ceremonies.RegisterAsync(person, key.Register(creation.OptionsJson, orgUrl).ToJsonString(), null, http, null, ct,
            expectedChallenge: creation.Challenge);
        Assert.True(registered.Succeeded, registered.Reason);

        var signed = await ceremonies.AssertionOptionsAsync(person, http, ct);
        var kept = await ceremonies.AssertionOptionsAsync(person, http, ct);
        var assertion = key.Assert(signed.OptionsJson, orgUrl).ToJsonString();
        var mismatch = await ceremonies.VerifyAssertionAsync(person, assertion, kept.Challenge, http, null, ct);
        Assert.False(mismatch.Succeeded);
        Assert.Equal("The authenticator response challenge does not match original challenge.", mismatch.Reason);

        var verified = await ceremonies.VerifyAssertionAsync(person, assertion, signed.Challenge, http, null, ct);
        Assert.True(verified.Succeeded, verified.Reason);
        Assert.Equal(registered.Factor!.Id, verified.Factor!.Id);
        Assert.Equal(1, verified.Credential!.SignCount);
        Assert.Equal(HttpStatusCode.OK, (await server.Api.GetAsync($"/api/v1/users/{person.Id}/factors/{verified.Factor.Id}")).Status);
    }
}
