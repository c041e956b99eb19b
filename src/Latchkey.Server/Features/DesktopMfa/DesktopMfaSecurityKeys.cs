using System.Buffers.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Time;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.WebAuthn;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>
/// The device access key of Desktop MFA (scenario A4): <c>POST /security-keys</c> answers the person's roaming security
/// keys (credential id, COSE public key, name, counter; the agent keeps them sealed for offline use) with a fresh
/// WebAuthn challenge, and <c>POST /security-keys/assertion</c> checks the key's answer to it online. Both pass the
/// gate's checks with <c>FIDO2_USB_key</c>; the lookup is rate limited per person and computer. The challenge and the
/// assertion are <see cref="WebAuthnCeremonies"/>' own: stored in the database, bound to the person and to assertions,
/// used once and only for 5 minutes, the signature and the counter checked by ASP.NET Core Identity's passkey handler
/// and the ceremony's conditional update. A sealed ticket given with the challenge (<see cref="DesktopMfaLoginTokens.IssueChallenge"/>)
/// binds it to the app and computer too, with no table for it: an answer counts only where the challenge was given.
/// </summary>
public static class DesktopMfaSecurityKeys
{
    public const string Factor = "FIDO2_USB_key";

    /// <summary>The transports of a key a person plugs in or taps (WebAuthn section 5.8.4).</summary>
    private static readonly string[] RoamingTransports = ["usb", "nfc", "ble"];

    public static void MapDesktopMfaSecurityKeys(this RouteGroupBuilder agent)
    {
        agent.MapPost("/security-keys", (HttpContext c, DesktopMfaGate gate, WebAuthnCeremonies ceremonies, DesktopMfaLoginTokens tokens) =>
            DesktopMfaAgent.Handle(c, gate, (r, g) => LookUpAsync(r, g, ceremonies, tokens)));
        agent.MapPost("/security-keys/assertion", (HttpContext c, DesktopMfaGate gate, WebAuthnCeremonies ceremonies, DesktopMfaLoginTokens tokens, TimeProvider time) =>
            DesktopMfaAgent.Handle(c, gate, (r, g) => VerifyAsync(r, g, ceremonies, tokens, time)));
    }

    /// <summary>
    /// A roaming key is one that is not built into a computer or bound to a browser: the client reported it
    /// <c>cross-platform</c>, or reported no attachment and either no transports or one of usb, nfc, ble. A key reported
    /// <c>platform</c>, or with only <c>internal</c> / <c>hybrid</c> transports, is a platform authenticator (a fingerprint
    /// sensor, a browser's passkey, a phone) that cannot answer at a login window.
    /// </summary>
    public static bool IsRoaming(WebAuthnCredentialEntity key)
    {
        if (key.Attachment is not null)
        {
            return key.Attachment == "cross-platform";
        }

        var transports = WebAuthnJson.Transports(key.TransportsJson);
        return transports.Length == 0 || transports.Any(RoamingTransports.Contains);
    }

    /// <summary>The person's WebAuthn credentials of active factors, oldest first.</summary>
    public static Task<List<WebAuthnCredentialEntity>> CredentialsAsync(DesktopMfaGate gate, UserEntity user) =>
        gate.Db.WebAuthnCredentials.AsNoTracking()
            .Where(c => c.OrgId == user.OrgId && c.UserId == user.Id
                && gate.Db.UserFactors.Any(f => f.Id == c.Id && f.FactorType == FactorTypes.WebAuthn && f.Status == FactorStatus.Active))
            .OrderBy(c => c.Created).ThenBy(c => c.Id).ToListAsync(gate.Http.RequestAborted);

    /// <summary>Why the person cannot use a security key here (<c>factor_not_enrolled</c>, <c>no_roaming_keys</c>), or null.</summary>
    public static string? Unavailable(IReadOnlyCollection<WebAuthnCredentialEntity> keys) =>
        keys.Count == 0 ? DesktopMfaReasons.FactorNotEnrolled : keys.Any(IsRoaming) ? null : DesktopMfaReasons.NoRoamingKeys;

    private static async Task<List<WebAuthnCredentialEntity>> RoamingKeysAsync(AgentRequest request, DesktopMfaGate gate, UserEntity user)
    {
        var keys = await CredentialsAsync(gate, user);
        var computer = request.Computer.Describe();
        return Unavailable(keys) switch
        {
            DesktopMfaReasons.FactorNotEnrolled => throw gate.Refuse(403, DesktopMfaReasons.FactorNotEnrolled,
                "You have no security key set up: register a security key (USB or NFC) in your dashboard's settings while online, or use another method.",
                user, Factor, computer),
            DesktopMfaReasons.NoRoamingKeys => throw gate.Refuse(403, DesktopMfaReasons.NoRoamingKeys,
                $"The {keys.Count} security key(s) you have set up are built into a computer or bound to a browser (platform authenticators, such as a fingerprint sensor or a passkey), which Desktop MFA does not accept: register a roaming security key that plugs in (USB) or taps (NFC) in your dashboard's settings.",
                user, Factor, computer),
            _ => keys.Where(IsRoaming).ToList(),
        };
    }

    private static async Task<IResult> LookUpAsync(AgentRequest request, DesktopMfaGate gate, WebAuthnCeremonies ceremonies, DesktopMfaLoginTokens tokens)
    {
        var user = await gate.AdmitAsync(request, Factor);
        await gate.CountKeyLookupAsync(user, request.Computer);
        var keys = await RoamingKeysAsync(request, gate, user);
        WebAuthnOptions options;
        try
        {
            options = await ceremonies.AssertionOptionsAsync(user, gate.Http, gate.Http.RequestAborted);
        }
        catch (ApiException)
        {
            throw gate.Refuse(403, DesktopMfaReasons.FactorNotEnrolled,
                "Security keys are turned off in this organization (the Security Key or Biometric authenticator is not active): ask your administrator, or use another method.",
                user, Factor, request.Computer.Describe());
        }

        // Only the roaming keys may answer at a login window.
        var requestOptions = options.Options;
        requestOptions["allowCredentials"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["type"] = "public-key", ["id"] = k.CredentialId })]);
        return Results.Json(new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = user.Id, ["login"] = user.Login },
            ["challenge"] = options.Challenge,
            ["challengeTicket"] = tokens.IssueChallenge(gate.App.Id, user.Id, request.Computer.TokenKey, options.Challenge),
            ["expiresAt"] = IsoTime.Write(options.ExpiresAt),
            ["options"] = requestOptions,
            ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject
            {
                ["credentialId"] = k.CredentialId, ["publicKey"] = Base64Url.EncodeToString(k.PublicKey), ["name"] = k.Name, ["signCount"] = k.SignCount,
            })]),
        });
    }

    private static async Task<IResult> VerifyAsync(AgentRequest request, DesktopMfaGate gate, WebAuthnCeremonies ceremonies, DesktopMfaLoginTokens tokens,
        TimeProvider time)
    {
        if (request.Credential is not { } credential || WebAuthnJson.Text(credential, "id") is not { } credentialId)
        {
            throw gate.Refuse(400, DesktopMfaReasons.InvalidRequest, "credential: the security key's answer, a PublicKeyCredential JSON object with its id.");
        }

        var user = await gate.AdmitAsync(request, Factor);
        var computer = request.Computer.Describe();
        var roaming = await RoamingKeysAsync(request, gate, user);
        var key = roaming.FirstOrDefault(k => k.CredentialId == credentialId);
        if (key is null)
        {
            throw gate.Refuse(401, DesktopMfaReasons.KeyNotRegistered,
                "This security key is not registered for you as a roaming key: use one of your registered keys, or register this one in your dashboard's settings.",
                user, Factor, computer);
        }

        // The challenge must be the one given to this app, person and computer (the ticket of the lookup); the ceremony
        // then uses it up, so it answers once.
        var challenge = WebAuthnJson.ChallengeOf(credential);
        if (challenge is null || !tokens.OpensChallenge(request.ChallengeTicket, gate.App.Id, user.Id, request.Computer.TokenKey, challenge))
        {
            throw gate.Refuse(401, DesktopMfaReasons.InvalidChallenge,
                "The key answered a challenge that was not given to you on this computer by this app (or its challengeTicket is missing or older than 5 minutes): look up your keys again and touch the key once.",
                user, Factor, computer);
        }

        var outcome = await ceremonies.VerifyAssertionAsync(user, credential.ToJsonString(), challenge, gate.Http, SignIn.SignInEvents.Actor(user), gate.Http.RequestAborted);
        if (!outcome.Succeeded)
        {
            var wrongChallenge = outcome.Reason!.Contains("(wrong challenge)", StringComparison.Ordinal);
            throw gate.Refuse(401, wrongChallenge ? DesktopMfaReasons.InvalidChallenge : DesktopMfaReasons.InvalidAssertion,
                wrongChallenge
                    ? "The key answered a challenge the server did not give for you, or one already answered or older than 5 minutes: look up your keys again and touch the key once."
                    : $"The security key's answer was refused: {outcome.Reason}.",
                user, Factor, computer);
        }

        // The agent keeps the person's keys for offline use on this computer once one answered here: the readiness view counts them.
        await gate.WriteAsync(async () =>
        {
            await gate.StageSuccessAsync(user, Factor, request.Computer);
            if (await DesktopMfaComputers.TouchAsync(gate.Db, gate.App.OrgId, gate.App.Id, request.Computer, time.GetUtcNow(), reported: true, gate.Http.RequestAborted) is { } row)
            {
                (await DesktopMfaComputers.SeatAsync(gate.Db, row, user.Id, time.GetUtcNow(), gate.Http.RequestAborted)).OfflineSecurityKeys = roaming.Count;
            }

            return true;
        });
        return Results.Json(new JsonObject
        {
            ["status"] = "SUCCESS", ["user"] = new JsonObject { ["id"] = user.Id, ["login"] = user.Login },
            ["signCount"] = outcome.Credential!.SignCount, ["loginToken"] = tokens.Issue(gate.App.Id, user.Id, request.Computer.TokenKey),
        });
    }
}
