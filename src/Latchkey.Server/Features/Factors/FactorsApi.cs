using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.AuthenticatorApp;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.Factors;

/// <summary>
/// <c>/api/v1/users/{userId}/factors</c> (okta-api.md §6.2): the classic Factors API. This step serves TOTP
/// (<c>token:software:totp</c>, providers OKTA and GOOGLE): enroll (the shared secret shown once, then never again),
/// activate with a first code, verify, list, get, catalog and delete.
/// </summary>
public static class FactorsApi
{
    public static void MapFactorsApi(this RouteGroupBuilder api)
    {
        var factors = api.MapGroup("/users/{userId}/factors");
        factors.MapGet("", List).Requires(AdminPermission.UsersRead);
        factors.MapGet("/catalog", Catalog).Requires(AdminPermission.UsersRead);
        factors.MapGet("/{factorId}", Get).Requires(AdminPermission.UsersRead);
        factors.MapPost("", Enroll).Requires(AdminPermission.UsersLifecycle);
        factors.MapPost("/{factorId}/lifecycle/activate", Activate).Requires(AdminPermission.UsersLifecycle);
        factors.MapPost("/{factorId}/verify", Verify).Requires(AdminPermission.UsersLifecycle);
        factors.MapDelete("/{factorId}", Delete).Requires(AdminPermission.UsersLifecycle);
        factors.MapGet("/{factorId}/transactions/{transactionId}", PollPush).Requires(AdminPermission.UsersRead);
        factors.MapDelete("/{factorId}/transactions/{transactionId}", CancelPush).Requires(AdminPermission.UsersLifecycle);
    }

    /// <summary>The authenticator and method that must be active for a TOTP factor of <paramref name="provider"/>.</summary>
    internal static (string Key, string Method) AuthenticatorOf(string provider) =>
        provider == FactorProviders.Google ? (DefaultAuthenticators.GoogleOtp, "otp") : (DefaultAuthenticators.OktaVerify, "totp");

    private static async Task<IResult> List(string userId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, userId, context.RequestAborted);
        var factors = await db.UserFactors.AsNoTracking().Where(f => f.OrgId == caller.OrgId && f.UserId == user.Id)
            .OrderBy(f => f.Id).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(factors.Select(f => (JsonNode)FactorResources.ToResource(f, apiBase)).ToArray()));
    }

    private static async Task<IResult> Get(string userId, string factorId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, userId, context.RequestAborted);
        var factor = await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.OrgId == caller.OrgId && f.UserId == user.Id && f.Id == factorId, context.RequestAborted)
            ?? throw new ApiException(ApiErrors.NotFound(factorId, "UserFactor"));
        return ApiResponses.Json(FactorResources.ToResource(factor, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>The factors this user could enroll (their authenticator active), each with its status for the user.</summary>
    private static async Task<IResult> Catalog(string userId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        var authenticators = await db.Authenticators.AsNoTracking().Where(a => a.OrgId == caller.OrgId).ToListAsync(ct);
        var enrolled = await db.UserFactors.AsNoTracking().Where(f => f.OrgId == caller.OrgId && f.UserId == user.Id).ToListAsync(ct);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var catalog = new JsonArray();
        foreach (var provider in new[] { FactorProviders.Okta, FactorProviders.Google })
        {
            var (key, method) = AuthenticatorOf(provider);
            if (!AuthenticatorsApi.MethodActive(authenticators.FirstOrDefault(a => a.Key == key), method))
            {
                continue;
            }

            var status = enrolled.FirstOrDefault(f => f.FactorType == FactorTypes.Totp && f.Provider == provider)?.Status ?? FactorStatus.NotSetup;
            catalog.Add(new JsonObject
            {
                ["factorType"] = FactorTypes.Totp, ["provider"] = provider, ["vendorName"] = provider, ["status"] = status, ["enrollment"] = "OPTIONAL",
                ["_links"] = new JsonObject { ["enroll"] = JsonLinks.Link($"{apiBase}/users/{user.Id}/factors", "POST") },
            });
        }

        if (AuthenticatorsApi.MethodActive(authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.WebAuthn), FactorTypes.WebAuthn))
        {
            catalog.Add(new JsonObject
            {
                ["factorType"] = FactorTypes.WebAuthn, ["provider"] = FactorProviders.Fido, ["vendorName"] = FactorProviders.Fido,
                ["status"] = enrolled.Any(f => f.FactorType == FactorTypes.WebAuthn && f.Status == FactorStatus.Active) ? FactorStatus.Active : FactorStatus.NotSetup,
                ["enrollment"] = "OPTIONAL", ["_links"] = new JsonObject { ["enroll"] = JsonLinks.Link($"{apiBase}/users/{user.Id}/factors", "POST") },
            });
        }

        return ApiResponses.Json(catalog);
    }

    private static async Task<IResult> Enroll(string userId, HttpContext context, LatchkeyDbContext db, OrgWrite write, FactorSecrets secrets,
        TimeProvider time, IOptions<LatchkeyOptions> options)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var factorType = JsonBody.String(body, "factorType", "factorType");
        var provider = JsonBody.String(body, "provider", "provider");
        if (string.IsNullOrEmpty(factorType))
        {
            throw new ApiException(ApiErrors.Validation("factorType", "The field cannot be left blank"));
        }

        if (factorType is FactorTypes.Push or FactorTypes.SignedNonce)
        {
            throw new ApiException(ApiErrors.Validation("factorType",
                $"A '{factorType}' factor is enrolled by the authenticator app on the device (latchkey-verify enroll), which registers the device and its keys"));
        }

        if (factorType == FactorTypes.WebAuthn)
        {
            return await WebAuthn.WebAuthnFactors.EnrollAsync(userId, provider, context, db, write, time);
        }

        if (factorType != FactorTypes.Totp)
        {
            throw new ApiException(ApiErrors.Validation("factorType", $"Latchkey does not enroll '{factorType}' through this API yet; supported: {FactorTypes.Totp}, {FactorTypes.WebAuthn}"));
        }

        var (factor, shared) = await EnrollTotpAsync(caller, userId, provider, db, write, secrets, time, options.Value, ct);
        var resource = FactorResources.ToResource(factor, ApiUrls.ApiBase(context.Request));
        // The only time the secret leaves the server.
        resource["_embedded"] = new JsonObject
        {
            ["activation"] = new JsonObject
            {
                ["timeStep"] = 30, ["sharedSecret"] = shared, ["encoding"] = "base32", ["keyLength"] = shared.Length, ["expiresAt"] = IsoTime.Write(factor.ActivationExpiresAt!.Value),
            },
        };
        return ApiResponses.Json(resource);
    }

    /// <summary>
    /// Enrolls a TOTP factor of <paramref name="provider"/> for a user, PENDING_ACTIVATION until a first code activates it
    /// (the API's enroll and the dashboard's "Authenticator app"): the factor and its shared secret in base32, to be shown
    /// once. An enrollment never activated is replaced; a second active one is refused.
    /// </summary>
    public static async Task<(UserFactorEntity Factor, string SharedSecret)> EnrollTotpAsync(ApiCaller caller, string userId, string? provider,
        LatchkeyDbContext db, OrgWrite write, FactorSecrets secrets, TimeProvider time, LatchkeyOptions options, CancellationToken ct)
    {
        const string factorType = FactorTypes.Totp;
        if (provider is not (FactorProviders.Okta or FactorProviders.Google))
        {
            throw new ApiException(ApiErrors.Validation("provider", "A TOTP factor's provider is OKTA or GOOGLE"));
        }

        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        if (user.Status == UserStatus.Deprovisioned)
        {
            throw new ApiException(ApiErrors.StatusForbids());
        }

        var secret = TotpVerifier.NewSecret();
        var factorId = RandomIds.NewId(provider == FactorProviders.Google ? IdPrefix.GoogleTotpFactor : IdPrefix.OktaTotpFactor, time.GetUtcNow());
        var sealedSecret = secrets.Seal(caller.OrgId, factorId, secret);
        var factor = await write.RunAsync(caller.OrgId, async () =>
        {
            var now = IsoTime.Truncate(time.GetUtcNow());
            var (key, method) = AuthenticatorOf(provider);
            var authenticator = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == caller.OrgId && a.Key == key, ct);
            if (!AuthenticatorsApi.MethodActive(authenticator, method))
            {
                throw new ApiException(ApiErrors.Validation("factorType", $"The {authenticator?.Name ?? key} authenticator is not active in this organization"));
            }

            var existing = await db.UserFactors.Where(f => f.OrgId == caller.OrgId && f.UserId == user.Id && f.FactorType == factorType && f.Provider == provider)
                .ToListAsync(ct);
            if (existing.Any(f => f.Status == FactorStatus.Active && f.EnrollmentId is null))
            {
                throw new ApiException(ApiErrors.Validation("factorEnrollRequest", "A factor of this type is already set up."));
            }

            // An enrollment never activated is replaced: its secret was shown to someone who did not finish.
            db.UserFactors.RemoveRange(existing.Where(f => f.EnrollmentId is null));
            var factor = new UserFactorEntity
            {
                Id = factorId,
                OrgId = caller.OrgId, UserId = user.Id, FactorType = factorType, Provider = provider, Status = FactorStatus.PendingActivation,
                ProfileJson = new JsonObject { ["credentialId"] = user.Login }.ToJsonString(), SealedSecret = sealedSecret,
                ActivationExpiresAt = now.AddMinutes(options.Factors.ActivationMinutes), Created = now, LastUpdated = now,
            };
            db.UserFactors.Add(factor);
            return factor;
        }, ct);
        return (factor, TotpVerifier.ToBase32(secret));
    }

    private static async Task<IResult> Activate(string userId, string factorId, HttpContext context, LatchkeyDbContext db, TotpFactors totp)
    {
        var caller = ApiCaller.Required(context);
        var factor = await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.Id == factorId && f.OrgId == caller.OrgId, context.RequestAborted);
        return factor?.FactorType == FactorTypes.WebAuthn
            ? await WebAuthn.WebAuthnFactors.ActivateAsync(userId, factor, context, db)
            : await AnswerAsync(userId, factorId, activating: true, context, db, totp);
    }

    private static async Task<IResult> Verify(string userId, string factorId, HttpContext context, LatchkeyDbContext db, TotpFactors totp, PushChallenges pushes)
    {
        var caller = ApiCaller.Required(context);
        var factor = await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.Id == factorId && f.OrgId == caller.OrgId, context.RequestAborted);
        // The user is looked up here only when the path names them otherwise than by the factor's user id (a login, "me"):
        // each verification below checks the user again (status, lockout), and this is the hot path of every code.
        if (factor is null
            || (factor.UserId != userId && factor.UserId != (await UserLookup.FindAsync(db, caller, userId, context.RequestAborted))?.Id))
        {
            // A malformed body is still 400, but a well-formed one without a passCode is 404 here, not a complaint about the passCode.
            await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
            throw new ApiException(ApiErrors.NotFound(factorId, "UserFactor"));
        }

        return factor.FactorType switch
        {
            FactorTypes.Push => await SendPushAsync(userId, factor, context, db, pushes),
            FactorTypes.WebAuthn => await WebAuthn.WebAuthnFactors.VerifyAsync(userId, factor, context, db),
            FactorTypes.SignedNonce => throw new ApiException(ApiErrors.Validation("factorType",
                "A signed_nonce (FastPass) factor is verified by the device during a sign-in, not through this API")),
            _ => await AnswerAsync(userId, factorId, activating: false, context, db, totp),
        };
    }

    /// <summary>Sends a push: 201 <c>WAITING</c> with the <c>poll</c> link, and the number to show when the number challenge applies.</summary>
    private static async Task<IResult> SendPushAsync(string userId, UserFactorEntity factor, HttpContext context, LatchkeyDbContext db, PushChallenges pushes)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        if (factor.UserId != user.Id)
        {
            throw new ApiException(ApiErrors.NotFound(factor.Id, "UserFactor"));
        }

        RequireMayVerify(user);
        if (factor.Status != FactorStatus.Active)
        {
            throw new ApiException(new ApiError(410, "E0000154", "Invalid factor id, it is not currently active."));
        }

        var body = await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        var askNumber = JsonBody.Bool(body, "useNumberMatchingChallenge", "useNumberMatchingChallenge") ?? false;
        var push = await pushes.SendAsync(user, factor, askNumber,
            new PushOrigin(context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString(), "Management API"), actor: null, ct);
        return ApiResponses.Json(PushResource(push, pushes.StatusOf(push), user.Login, ApiUrls.ApiBase(context.Request)), StatusCodes.Status201Created);
    }

    private static async Task<IResult> PollPush(string userId, string factorId, string transactionId, HttpContext context, LatchkeyDbContext db, PushChallenges pushes)
    {
        var (push, user) = await FindPushAsync(userId, factorId, transactionId, context, db, pushes);
        return ApiResponses.Json(PushResource(push, pushes.StatusOf(push), user.Login, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> CancelPush(string userId, string factorId, string transactionId, HttpContext context, LatchkeyDbContext db, PushChallenges pushes)
    {
        await pushes.CancelAsync((await FindPushAsync(userId, factorId, transactionId, context, db, pushes)).Push, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    private static async Task<(PushChallengeEntity Push, UserEntity User)> FindPushAsync(string userId, string factorId, string transactionId,
        HttpContext context, LatchkeyDbContext db, PushChallenges pushes)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, userId, context.RequestAborted);
        var push = await pushes.FindAsync(caller.OrgId, user.Id, factorId, transactionId, context.RequestAborted)
            ?? throw new ApiException(ApiErrors.NotFound(transactionId, "Transaction"));
        return (push, user);
    }

    /// <summary>
    /// The factor transaction of okta-api.md §6.2: WAITING with poll and cancel links (and the number to show, when the
    /// number challenge applies), or where it ended. Until SUCCESS it names the credential, <c>profile.credentialId</c>
    /// (the user's login), as the real service's verify and poll results do.
    /// </summary>
    private static JsonObject PushResource(PushChallengeEntity push, string status, string login, string apiBase)
    {
        var factor = $"{apiBase}/users/{push.UserId}/factors/{push.FactorId}";
        var poll = $"{factor}/transactions/{push.Id}";
        var body = new JsonObject { ["factorResult"] = status };
        if (status == PushStatus.Success)
        {
            return body;
        }

        body["profile"] = new JsonObject { ["credentialId"] = login };
        if (status == PushStatus.Waiting)
        {
            body["expiresAt"] = IsoTime.Write(push.ExpiresAt);
            body["_links"] = new JsonObject { ["poll"] = JsonLinks.Link(poll, "GET"), ["cancel"] = JsonLinks.Link(poll, "DELETE") };
            if (push.CorrectAnswer is { } number)
            {
                body["_embedded"] = new JsonObject { ["challenge"] = new JsonObject { ["correctAnswer"] = number } };
            }
        }
        else
        {
            body["_links"] = new JsonObject { ["verify"] = JsonLinks.Link($"{factor}/verify", "POST"), ["factor"] = JsonLinks.Link(factor, "GET", "DELETE") };
        }

        return body;
    }

    /// <summary>A suspended or deactivated user proves nothing with a factor, nor does a locked-out one.</summary>
    internal static void RequireMayVerify(UserEntity user)
    {
        if (user.Status is UserStatus.Suspended or UserStatus.Deprovisioned)
        {
            throw new ApiException(new ApiError(423, "E0000155", "User is not currently active."));
        }

        if (user.Status == UserStatus.LockedOut)
        {
            throw new ApiException(new ApiError(403, "E0000069", "User Locked", ["The user is locked out: an admin must unlock them first."]));
        }
    }

    private static async Task<IResult> AnswerAsync(string userId, string factorId, bool activating, HttpContext context, LatchkeyDbContext db, TotpFactors totp)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        var body = await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        var passCode = JsonBody.String(body, "passCode", "passCode");
        if (passCode is null)
        {
            // No code at all is a malformed request, not a guess: it costs no attempt.
            throw new ApiException(ApiErrors.Validation("passCode", "The field cannot be left blank"));
        }

        RequireMayVerify(user);

        var answer = await totp.AnswerAsync(user, factorId, passCode, activating, actor: null, ct);
        if (answer.Factor is null)
        {
            throw new ApiException(ApiErrors.NotFound(factorId, "UserFactor"));
        }

        if (answer.AuthenticatorInactive)
        {
            throw new ApiException(ApiErrors.Validation("factorType", "The factor's authenticator is not active in this organization"));
        }

        if (answer.NotActive)
        {
            throw new ApiException(activating
                ? ApiErrors.Validation("factor", answer.Factor.Status == FactorStatus.Active
                    ? "The factor is already active."
                    : "The enrollment has expired or cannot be activated: enroll the factor again.")
                : new ApiError(410, "E0000154", "Invalid factor id, it is not currently active."));
        }

        return answer.Outcome switch
        {
            TotpOutcome.Accepted => activating
                ? ApiResponses.Json(FactorResources.ToResource(answer.Factor, ApiUrls.ApiBase(context.Request)))
                : ApiResponses.Json(new JsonObject { ["factorResult"] = "SUCCESS" }),
            TotpOutcome.Replayed => throw new ApiException(new ApiError(403, "E0000082", "Each code can only be used once. Please wait for a new code and try again.")),
            TotpOutcome.Locked => throw new ApiException(new ApiError(403, "E0000069", "User Locked",
                [$"Too many wrong codes: this factor accepts codes again after {IsoTime.Write(answer.Factor.LockedUntil!.Value)}."])),
            _ => throw new ApiException(new ApiError(403, "E0000068", "Invalid Passcode/Answer", ["Your passcode doesn't match our records. Please try again."])),
        };
    }

    private static async Task<IResult> Delete(string userId, string factorId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        await DeleteAsync(ApiCaller.Required(context), userId, factorId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Unenrolls one factor of a user (the API's DELETE and the console's "Reset"); 404 when it is not theirs.</summary>
    public static async Task<UserFactorEntity> DeleteAsync(ApiCaller caller, string userId, string factorId, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, CancellationToken ct)
    {
        var user = await UserLookup.GetAsync(db, caller, userId, ct);
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var factor = await db.UserFactors.FirstOrDefaultAsync(f => f.OrgId == caller.OrgId && f.UserId == user.Id && f.Id == factorId, ct)
                ?? throw new ApiException(ApiErrors.NotFound(factorId, "UserFactor"));
            db.UserFactors.Remove(factor);
            await db.WebAuthnCredentials.Where(c => c.Id == factor.Id).ExecuteDeleteAsync(ct);
            log.Stage(EventTypes.FactorDeactivate, [UserResources.Target(user), FactorResources.Target(factor)]);
            return factor;
        }, ct);
    }
}
