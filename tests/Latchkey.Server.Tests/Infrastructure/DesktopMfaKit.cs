using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
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
}
