using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>
/// The WebAuthn ceremonies as JSON for the browser (the dashboard's "Security keys") and the CLIs
/// (<c>latchkey-verify key register|assert</c>), for the user signed in with the <c>sid</c> cookie:
/// <list type="bullet">
/// <item><c>POST /idp/webauthn/registration/options</c>: <c>PublicKeyCredentialCreationOptionsJSON</c>, for
/// <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>;</item>
/// <item><c>POST /idp/webauthn/registration</c>: the <c>PublicKeyCredential</c> JSON (or <c>{credential, name}</c>);
/// answers the new key;</item>
/// <item><c>POST /idp/webauthn/assertion/options</c> and <c>POST /idp/webauthn/assertion</c>: prove one of the keys;</item>
/// <item><c>GET /idp/webauthn/credentials</c>, <c>DELETE /idp/webauthn/credentials/{factorId}</c>: the user's keys.</item>
/// </list>
/// Errors have the Management API's shape; a refused credential says why in <c>errorCauses</c>.
/// </summary>
public static class WebAuthnEndpoints
{
    public const string Prefix = "/idp/webauthn";

    public static void MapWebAuthnEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Prefix);
        group.MapPost("/registration/options", async (HttpContext c, SessionStore s, WebAuthnCeremonies w) =>
            Options(await w.RegistrationOptionsAsync(await OptionsCallerAsync(c, s), c, c.RequestAborted)));
        group.MapPost("/registration", Register);
        group.MapPost("/assertion/options", async (HttpContext c, SessionStore s, WebAuthnCeremonies w) =>
            Options(await w.AssertionOptionsAsync(await OptionsCallerAsync(c, s), c, c.RequestAborted)));
        group.MapPost("/assertion", Assert);
        group.MapGet("/credentials", async (HttpContext c, SessionStore s, WebAuthnCeremonies w) =>
            ApiResponses.Json(new JsonArray((await w.ListAsync(await SignedInAsync(c, s), c.RequestAborted)).Select(k => (JsonNode)ToResource(k)).ToArray())));
        group.MapDelete("/credentials/{factorId}", async (string factorId, HttpContext c, SessionStore s, WebAuthnCeremonies w) =>
        {
            var user = await SignedInAsync(c, s);
            return await w.RemoveAsync(user, factorId, SignInEvents.Actor(user), c.RequestAborted)
                ? ApiResponses.NoContent()
                : throw new ApiException(ApiErrors.NotFound(factorId, "UserFactor"));
        });
    }

    private static async Task<IResult> Register(HttpContext context, SessionStore sessions, WebAuthnCeremonies ceremonies)
    {
        // The body first: a malformed one is refused the same way with or without a session.
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var user = await SignedInAsync(context, sessions);
        var (credential, name) = body["credential"] is JsonObject wrapped
            ? (wrapped, JsonBody.String(body, "name", "name"))
            : (body, null);
        var outcome = await ceremonies.RegisterAsync(user, credential.ToJsonString(), name, context, SignInEvents.Actor(user), context.RequestAborted);
        return outcome.Succeeded
            ? ApiResponses.Json(ToResource(outcome.Credential!))
            : throw new ApiException(Refused("Registration of the security key failed", outcome.Reason!));
    }

    private static async Task<IResult> Assert(HttpContext context, SessionStore sessions, WebAuthnCeremonies ceremonies)
    {
        // The body first: a malformed one is refused the same way with or without a session.
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var user = await SignedInAsync(context, sessions);
        var outcome = await ceremonies.VerifyAssertionAsync(user, body.ToJsonString(), null, context, SignInEvents.Actor(user), context.RequestAborted);
        return outcome.Succeeded
            ? ApiResponses.Json(new JsonObject { ["factorResult"] = "SUCCESS", ["factorId"] = outcome.Factor!.Id })
            : throw new ApiException(Refused("Verification with the security key failed", outcome.Reason!));
    }

    /// <summary>A refused credential: 403 with the reason as the cause (E0000068, the Factors API's wrong-answer code).</summary>
    public static ApiError Refused(string summary, string reason) => new(403, "E0000068", "Invalid Passcode/Answer", [$"{summary}: {reason}"]);

    private static async Task<Persistence.UserEntity> SignedInAsync(HttpContext context, SessionStore sessions) =>
        (await sessions.SignedInAsync(context, context.RequestAborted))?.User ?? throw new ApiException(ApiErrors.InvalidSession());

    /// <summary>The options take no parameters; a body, when sent, must still be well-formed JSON (checked before the session, as everywhere).</summary>
    private static async Task<Persistence.UserEntity> OptionsCallerAsync(HttpContext context, SessionStore sessions)
    {
        await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        return await SignedInAsync(context, sessions);
    }

    private static IResult Options(WebAuthnOptions options) => ApiResponses.Json(options.Options);

    /// <summary>One registered key as the dashboard and CLIs see it.</summary>
    public static JsonObject ToResource(WebAuthnCredentialEntity c) => new()
    {
        ["factorId"] = c.Id, ["credentialId"] = c.CredentialId, ["name"] = c.Name, ["aaguid"] = c.Aaguid, ["attachment"] = c.Attachment,
        ["transports"] = JsonNode.Parse(c.TransportsJson), ["attestationFormat"] = c.AttestationFormat, ["userVerified"] = c.UserVerified,
        ["signCount"] = c.SignCount, ["created"] = IsoTime.Write(c.Created), ["lastUsed"] = c.LastUsed is { } used ? IsoTime.Write(used) : null,
    };
}
