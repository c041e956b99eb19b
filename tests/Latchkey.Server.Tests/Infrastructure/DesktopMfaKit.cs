using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;
using OtpNet;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>What Desktop MFA tests set up through the API: the app, a person assigned to it, and a code factor of the org account.</summary>
public static class DesktopMfaKit
{
    /// <summary>A new Desktop MFA app (a unique label), with <paramref name="settings"/> as its <c>settings.app</c> when given; the API's answer.</summary>
    public static async Task<JsonObject> CreateAppAsync(ServerFixture server, JsonObject? settings = null)
    {
        var body = new JsonObject { ["name"] = "desktop_mfa", ["label"] = $"Desktop MFA {Guid.NewGuid():N}"[..30] };
        if (settings is not null)
        {
            body["settings"] = new JsonObject { ["app"] = settings };
        }

        return (await server.Api.PostAsync("/api/v1/apps", body)).Expect(HttpStatusCode.OK).Object;
    }

    /// <summary>A new person assigned to the app directly.</summary>
    public static async Task<(string Login, string UserId)> AssignedUserAsync(ServerFixture server, string appId)
    {
        var user = await server.CreateUserAsync();
        (await server.Api.PostAsync($"/api/v1/apps/{appId}/users", new JsonObject { ["id"] = ServerFixture.Id(user) })).Expect(HttpStatusCode.OK);
        return ((string)user["profile"]!["login"]!, ServerFixture.Id(user));
    }

    /// <summary>
    /// An active Google Authenticator factor for the person through the Factors API (the org account's codes); returns its
    /// secret, with the server's clock moved past the activating code's step.
    /// </summary>
    public static async Task<string> CodeFactorAsync(ClockedServerFixture server, string userId)
    {
        var factor = (await server.Api.PostAsync($"/api/v1/users/{userId}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "GOOGLE" }))
            .Expect(HttpStatusCode.OK).Object;
        var secret = (string)factor["_embedded"]!["activation"]!["sharedSecret"]!;
        (await server.Api.PostAsync($"/api/v1/users/{userId}/factors/{ServerFixture.Id(factor)}/lifecycle/activate", new JsonObject { ["passCode"] = CodeNow(server, secret) }))
            .Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(30));
        return secret;
    }

    /// <summary>The code of <paramref name="secret"/> (base32) at the server's time.</summary>
    public static string CodeNow(ClockedServerFixture server, string secret) =>
        TotpVerifier.Code(Base32Encoding.ToBytes(secret), TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);

    /// <summary>The newest <c>user.authentication.auth_via_mfa</c> event of the person (a Desktop MFA one).</summary>
    public static async Task<JsonObject> LastDesktopEventAsync(ClockedServerFixture server, string userId)
    {
        // The server's clock stands still here: bound the window just past it, or the newest events would be outside it.
        var until = Uri.EscapeDataString(server.Time.GetUtcNow().AddSeconds(1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        var events = (await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"user.authentication.auth_via_mfa\" and actor.id eq \"{userId}\"")}&until={until}&sortOrder=DESCENDING&limit=1"))
            .Expect(HttpStatusCode.OK).Array;
        var e = (JsonObject)events.Single()!;
        Assert.True((bool)e["debugContext"]!["debugData"]!["desktopMfa"]!);
        return e;
    }

    /// <summary>
    /// A software key registered for the person from their dashboard; <paramref name="attachment"/> as the browser reports
    /// it; also put in the <c>latchkey-verify</c> home <paramref name="home"/> (the agent's USB slot) when given.
    /// </summary>
    public static async Task<SoftwareSecurityKey> RegisterSecurityKeyAsync(ClockedServerFixture server, string login, string attachment = "cross-platform", string? home = null)
    {
        using var client = new SignInClient(server);
        (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        var options = (await client.PostJsonAsync("/idp/webauthn/registration/options", new JsonObject())).Expect(HttpStatusCode.OK).Object;
        var record = new SecurityKeyRecord { Name = "Blue key", Aaguid = Guid.NewGuid(), Created = server.Time.GetUtcNow() };
        var key = new SoftwareSecurityKey(record, server.Time);
        var credential = key.Register(options.ToJsonString(), server.Api.BaseAddress.GetLeftPart(UriPartial.Authority));
        credential["authenticatorAttachment"] = attachment;
        if (attachment == "platform")
        {
            credential["response"]!["transports"] = new JsonArray("internal");
        }

        (await client.PostJsonAsync("/idp/webauthn/registration", new JsonObject { ["credential"] = credential, ["name"] = $"{attachment} key" })).Expect(HttpStatusCode.OK);
        if (home is not null)
        {
            new VerifyHome(home).Update(state => state.SecurityKeys.Add(record));
        }

        return key;
    }
}
