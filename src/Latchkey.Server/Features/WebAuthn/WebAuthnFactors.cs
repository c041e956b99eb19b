using System.Buffers.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>
/// The classic Factors API's <c>webauthn</c> factor (okta-api.md §6.2, provider FIDO): enroll answers
/// <c>PENDING_ACTIVATION</c> with the <c>PublicKeyCredentialCreationOptions</c> in <c>_embedded.activation</c>;
/// activate takes <c>{attestation, clientData}</c>; verify without an answer gives <c>CHALLENGE</c> with the challenge,
/// and with <c>{clientData, authenticatorData, signatureData}</c> checks it. The ceremonies are those of
/// <see cref="WebAuthnCeremonies"/>; binary values are base64url (base64 is accepted too).
/// </summary>
public static class WebAuthnFactors
{
    public static async Task<IResult> EnrollAsync(string userId, string? provider, HttpContext context, LatchkeyDbContext db, OrgWrite write, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        if (provider is not (null or FactorProviders.Fido))
        {
            throw new ApiException(ApiErrors.Validation("provider", "A webauthn factor's provider is FIDO"));
        }

        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        if (user.Status == UserStatus.Deprovisioned)
        {
            throw new ApiException(ApiErrors.StatusForbids());
        }

        await WebAuthnPolicy.ForOrgAsync(db, caller.OrgId, ct);
        var factor = await write.RunAsync(caller.OrgId, async () =>
        {
            var now = IsoTime.Truncate(time.GetUtcNow());
            // An enrollment never activated is replaced: its challenge was for someone who did not finish.
            db.UserFactors.RemoveRange(await db.UserFactors.Where(f => f.OrgId == caller.OrgId && f.UserId == user.Id && f.FactorType == FactorTypes.WebAuthn
                && f.Status == FactorStatus.PendingActivation).ToListAsync(ct));
            var factor = new UserFactorEntity
            {
                Id = RandomIds.NewId(IdPrefix.WebAuthnFactor, now), OrgId = caller.OrgId, UserId = user.Id, FactorType = FactorTypes.WebAuthn,
                Provider = FactorProviders.Fido, Status = FactorStatus.PendingActivation, ProfileJson = "{}",
                ActivationExpiresAt = now + WebAuthnCeremonies.ChallengeLifetime, Created = now, LastUpdated = now,
            };
            db.UserFactors.Add(factor);
            return factor;
        }, ct);

        var options = await Ceremonies(context).RegistrationOptionsAsync(user, context, ct, factor.Id);
        var resource = FactorResources.ToResource(factor, ApiUrls.ApiBase(context.Request));
        var activation = options.Options;
        activation["expiresAt"] = IsoTime.Write(options.ExpiresAt);
        resource["_embedded"] = new JsonObject { ["activation"] = activation };
        return ApiResponses.Json(resource);
    }

    public static async Task<IResult> ActivateAsync(string userId, UserFactorEntity factor, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        if (factor.UserId != user.Id)
        {
            throw new ApiException(ApiErrors.NotFound(factor.Id, "UserFactor"));
        }

        if (factor.Status != FactorStatus.PendingActivation)
        {
            throw new ApiException(ApiErrors.Validation("factor", "The factor is already active."));
        }

        var body = await JsonBody.ReadObjectAsync(context.Request);
        var attestation = Required(body, "attestation");
        var clientData = Required(body, "clientData");
        string credential;
        try
        {
            credential = WebAuthnJson.AttestationCredential(attestation, clientData);
        }
        catch (FormatException e)
        {
            throw new ApiException(WebAuthnEndpoints.Refused("Registration of the security key failed", e.Message));
        }

        var outcome = await Ceremonies(context).RegisterAsync(user, credential, null, context, null, ct, factorId: factor.Id);
        return outcome.Succeeded
            ? ApiResponses.Json(FactorResources.ToResource(outcome.Factor!, ApiUrls.ApiBase(context.Request)))
            : throw new ApiException(WebAuthnEndpoints.Refused("Registration of the security key failed", outcome.Reason!));
    }

    public static async Task<IResult> VerifyAsync(string userId, UserFactorEntity factor, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        if (factor.UserId != user.Id)
        {
            throw new ApiException(ApiErrors.NotFound(factor.Id, "UserFactor"));
        }

        FactorsApi.RequireMayVerify(user);
        if (factor.Status != FactorStatus.Active)
        {
            throw new ApiException(new ApiError(410, "E0000154", "Invalid factor id, it is not currently active."));
        }

        var body = await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        var self = $"{ApiUrls.ApiBase(context.Request)}/users/{user.Id}/factors/{factor.Id}";
        if (JsonBody.String(body, "clientData", "clientData") is null)
        {
            var options = await Ceremonies(context).AssertionOptionsAsync(user, context, ct, factor.Id);
            return ApiResponses.Json(new JsonObject
            {
                ["factorResult"] = "CHALLENGE",
                ["expiresAt"] = IsoTime.Write(options.ExpiresAt),
                ["profile"] = JsonNode.Parse(factor.ProfileJson),
                ["_embedded"] = new JsonObject
                {
                    ["challenge"] = new JsonObject
                    {
                        ["challenge"] = options.Challenge, ["userVerification"] = options.Options["userVerification"]?.DeepClone(),
                        ["extensions"] = new JsonObject(),
                    },
                },
                ["_links"] = new JsonObject { ["verify"] = JsonLinks.Link($"{self}/verify", "POST"), ["factor"] = JsonLinks.Link(self, "GET", "DELETE") },
            });
        }

        var credentialId = WebAuthnJson.Text(JsonNode.Parse(factor.ProfileJson), "credentialId") ?? "";
        var credential = WebAuthnJson.AssertionCredential(credentialId, Required(body, "clientData"), Required(body, "authenticatorData"), Required(body, "signatureData"));
        var outcome = await Ceremonies(context).VerifyAssertionAsync(user, credential, null, context, null, ct, factor.Id);
        return outcome.Succeeded
            ? ApiResponses.Json(new JsonObject { ["factorResult"] = "SUCCESS" })
            : throw new ApiException(WebAuthnEndpoints.Refused("Verification with the security key failed", outcome.Reason!));
    }

    private static WebAuthnCeremonies Ceremonies(HttpContext context) => context.RequestServices.GetRequiredService<WebAuthnCeremonies>();

    /// <summary>A binary member, base64url or base64, as base64url; a validation error when missing or not base64.</summary>
    private static string Required(JsonObject body, string name)
    {
        var text = JsonBody.String(body, name, name);
        if (string.IsNullOrEmpty(text))
        {
            throw new ApiException(ApiErrors.Validation(name, "The field cannot be left blank"));
        }

        return WebAuthnJson.ToBase64Url(text) ?? throw new ApiException(ApiErrors.Validation(name, "Expected base64url"));
    }
}
