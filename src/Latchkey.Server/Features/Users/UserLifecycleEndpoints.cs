using Latchkey.Contracts;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users;

/// <summary><c>POST /api/v1/users/{id}/lifecycle/{operation}</c>, following <see cref="UserLifecycle"/>.</summary>
public static class UserLifecycleEndpoints
{
    /// <summary>The lifecycle operations of the API, by their path segment.</summary>
    public static readonly IReadOnlySet<string> Operations = new HashSet<string>(StringComparer.Ordinal)
    {
        "activate", "reactivate", "deactivate", "suspend", "unsuspend", "unlock",
        "expire_password", "expire_password_with_temp_password", "reset_password", "reset_factors",
    };

    /// <summary>
    /// What an operation gave besides the changed user: the one-time activation or reset token, or a temporary password
    /// (each shown once to the caller, stored only hashed).
    /// </summary>
    public sealed record LifecycleOutcome(UserEntity User, string? ActivationToken = null, string? ResetToken = null, string? TempPassword = null);

    public static async Task<IResult> Run(string id, string operation, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens, Core.Security.PasswordHasher hasher)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var orgUrl = ApiUrls.OrgUrl(request);
        if (!Operations.Contains(operation))
        {
            throw new ApiException(ApiErrors.NotFoundPath());
        }

        var sendEmail = JsonBody.QueryBool(request, "sendEmail", operation == "activate");
        if (operation == "expire_password" && JsonBody.QueryBool(request, "tempPassword", false))
        {
            operation = "expire_password_with_temp_password"; // the classic API's ?tempPassword=true
        }

        var outcome = await ApplyAsync(caller, id, operation, sendEmail, db, write, log, time, tokens, hasher, context.RequestAborted);
        var user = outcome.User;
        switch (operation)
        {
            case "activate" or "reactivate":
                return sendEmail
                    ? ApiResponses.EmptyObject()
                    : ApiResponses.Json(new ActivationTokenResource(outcome.ActivationToken!, ActivationUrl(orgUrl, outcome.ActivationToken!)));
            case "expire_password":
                return ApiResponses.Json(UserResources.ToResource(user, ApiUrls.ApiBase(request)));
            case "expire_password_with_temp_password":
                var resource = System.Text.Json.JsonSerializer.SerializeToNode(UserResources.ToResource(user, ApiUrls.ApiBase(request)), ApiJson.Options)!;
                resource["tempPassword"] = outcome.TempPassword;
                return ApiResponses.Json(resource);
            case "reset_password" when !sendEmail:
                return ApiResponses.Json(new ResetPasswordResource(ResetUrl(orgUrl, outcome.ResetToken!)));
            default:
                return ApiResponses.EmptyObject();
        }
    }

    public static string ActivationUrl(string orgUrl, string token) => $"{orgUrl}/welcome/{token}";

    public static string ResetUrl(string orgUrl, string token) => $"{orgUrl}/reset_password/{token}";

    /// <summary>
    /// Runs one lifecycle operation with <see cref="UserLifecycle"/>'s rules and events: the Management API and the console's
    /// person page both come here. A reset token is made only when no email is to carry it (<paramref name="sendEmail"/> false).
    /// </summary>
    public static async Task<LifecycleOutcome> ApplyAsync(ApiCaller caller, string id, string operation, bool sendEmail, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens, Core.Security.PasswordHasher hasher, CancellationToken ct)
    {
        if (!Operations.Contains(operation))
        {
            throw new ApiException(ApiErrors.NotFoundPath());
        }

        var outcome = await write.RunAsync(caller.OrgId, async () =>
        {
            var user = await UserLookup.GetForUpdateAsync(db, caller, id, ct);
            var now = IsoTime.Truncate(time.GetUtcNow());
            var target = UserResources.Target(user);
            var hasPassword = user.PasswordHash is not null;
            var outcome = new LifecycleOutcome(user);
            switch (operation)
            {
                case "activate":
                    Apply(user, UserLifecycle.Activate(user.Status, hasPassword), now);
                    user.Activated = now;
                    log.Stage(EventTypes.UserActivate, [target]);
                    outcome = outcome with { ActivationToken = NewUserToken(user) };
                    break;
                case "reactivate":
                    Apply(user, UserLifecycle.Reactivate(user.Status), now);
                    log.Stage(EventTypes.UserReactivate, [target]);
                    outcome = outcome with { ActivationToken = NewUserToken(user) };
                    break;
                case "deactivate":
                    Apply(user, UserLifecycle.Deactivate(user.Status), now);
                    log.Stage(EventTypes.UserDeactivate, [target]);
                    break;
                case "suspend":
                    Apply(user, UserLifecycle.Suspend(user.Status), now);
                    log.Stage(EventTypes.UserSuspend, [target]);
                    break;
                case "unsuspend":
                    Apply(user, UserLifecycle.Unsuspend(user.Status), now);
                    log.Stage(EventTypes.UserUnsuspend, [target]);
                    break;
                case "unlock":
                    Apply(user, UserLifecycle.Unlock(user.Status), now);
                    log.Stage(EventTypes.UserUnlockByAdmin, [target]);
                    break;
                case "expire_password":
                    Apply(user, UserLifecycle.ExpirePassword(user.Status, hasPassword), now);
                    log.Stage(EventTypes.UserExpirePassword, [target]);
                    break;
                case "expire_password_with_temp_password":
                {
                    // A temporary password the user must change at the next sign-in; shown once, stored hashed.
                    Apply(user, UserLifecycle.ExpirePasswordWithTemporary(user.Status), now);
                    var temporary = UserWrites.GeneratePassword(user.Login, user.FirstName, user.LastName);
                    user.PasswordHash = hasher.Hash(temporary);
                    user.PasswordChanged = now;
                    log.Stage(EventTypes.UserExpirePassword, [target]);
                    outcome = outcome with { TempPassword = temporary };
                    break;
                }

                case "reset_password":
                    Apply(user, UserLifecycle.ResetPassword(user.Status), now);
                    log.Stage(EventTypes.UserResetPassword, [target]);
                    outcome = sendEmail ? outcome : outcome with { ResetToken = NewUserToken(user) };
                    break;
                case "reset_factors":
                    // Every factor goes (the password stays); the user enrolls again at the next sign-in that asks for one.
                    await db.UserFactors.Where(f => f.OrgId == user.OrgId && f.UserId == user.Id).ExecuteDeleteAsync(ct);
                    await db.WebAuthnCredentials.Where(c => c.OrgId == user.OrgId && c.UserId == user.Id).ExecuteDeleteAsync(ct);
                    user.DevicesForgottenAt = now; // a browser remembered after one of those factors is asked again
                    log.Stage(EventTypes.FactorResetAll, [target]);
                    break;
            }

            return outcome;
        }, ct);
        if (operation is "deactivate" or "suspend")
        {
            tokens.ForgetUser(outcome.User.Id);
        }

        return outcome;
    }

    internal static void ApplyDeactivate(UserEntity user, DateTimeOffset now) =>
        Apply(user, UserLifecycle.Deactivate(user.Status), now);

    private static void Apply(UserEntity user, Transition transition, DateTimeOffset now)
    {
        if (transition.Error is { } error)
        {
            throw new ApiException(error);
        }

        if (user.Status == UserStatus.LockedOut)
        {
            user.FailedPasswordAttempts = 0; // leaving LOCKED_OUT (unlock, a temporary or reset password) starts the count afresh
        }

        user.Status = transition.NewStatus!;
        user.StatusChanged = now;
        user.LastUpdated = now;
        user.TransitioningToStatus = null;
        user.Version++;
    }

    /// <summary>A one-time token for the activation or reset link; only its hash is stored.</summary>
    internal static string NewUserToken(UserEntity user)
    {
        var token = RandomIds.NewBase62(20);
        user.ActivationTokenHash = SecretHasher.Hash(token);
        return token;
    }
}
