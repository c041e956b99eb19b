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

namespace Latchkey.Server.Features.Users;

/// <summary><c>POST /api/v1/users/{id}/lifecycle/{operation}</c>, following <see cref="UserLifecycle"/>.</summary>
public static class UserLifecycleEndpoints
{
    public static async Task<IResult> Run(string id, string operation, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, ApiTokenCache tokens, Core.Security.PasswordHasher hasher)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var orgUrl = ApiUrls.OrgUrl(request);
        if (operation is not ("activate" or "reactivate" or "deactivate" or "suspend" or "unsuspend" or "unlock"
            or "expire_password" or "expire_password_with_temp_password" or "reset_password" or "reset_factors"))
        {
            throw new ApiException(ApiErrors.NotFoundPath());
        }

        var sendEmail = JsonBody.QueryBool(request, "sendEmail", operation == "activate");
        string? userId = null;
        var result = await write.RunAsync(caller.OrgId, async () =>
        {
            var user = await UserLookup.GetForUpdateAsync(db, caller, id, context.RequestAborted);
            userId = user.Id;
            var now = IsoTime.Truncate(time.GetUtcNow());
            var target = UserResources.Target(user);
            var hasPassword = user.PasswordHash is not null;
            IResult result = ApiResponses.EmptyObject();
            switch (operation)
            {
                case "activate":
                    Apply(user, UserLifecycle.Activate(user.Status, hasPassword), now);
                    user.Activated = now;
                    log.Stage(EventTypes.UserActivate, [target]);
                    result = ActivationResult(user, sendEmail, orgUrl);
                    break;
                case "reactivate":
                    Apply(user, UserLifecycle.Reactivate(user.Status), now);
                    log.Stage(EventTypes.UserReactivate, [target]);
                    result = ActivationResult(user, sendEmail, orgUrl);
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
                case "expire_password" when !JsonBody.QueryBool(request, "tempPassword", false):
                    Apply(user, UserLifecycle.ExpirePassword(user.Status, hasPassword), now);
                    log.Stage(EventTypes.UserExpirePassword, [target]);
                    result = ApiResponses.Json(UserResources.ToResource(user, ApiUrls.ApiBase(request)));
                    break;
                case "expire_password_with_temp_password" or "expire_password": // the classic API's ?tempPassword=true
                {
                    // A temporary password the user must change at the next sign-in; shown once, stored hashed.
                    Apply(user, UserLifecycle.ExpirePasswordWithTemporary(user.Status), now);
                    var temporary = UserWrites.GeneratePassword(user.Login, user.FirstName, user.LastName);
                    user.PasswordHash = hasher.Hash(temporary);
                    user.PasswordChanged = now;
                    log.Stage(EventTypes.UserExpirePassword, [target]);
                    var resource = System.Text.Json.JsonSerializer.SerializeToNode(UserResources.ToResource(user, ApiUrls.ApiBase(request)), ApiJson.Options)!;
                    resource["tempPassword"] = temporary;
                    result = ApiResponses.Json(resource);
                    break;
                }

                case "reset_password":
                    Apply(user, UserLifecycle.ResetPassword(user.Status), now);
                    log.Stage(EventTypes.UserResetPassword, [target]);
                    result = sendEmail
                        ? ApiResponses.EmptyObject()
                        : ApiResponses.Json(new ResetPasswordResource($"{orgUrl}/reset_password/{NewUserToken(user)}"));
                    break;
                case "reset_factors":
                    // No factors exist before the authenticators issue; the call succeeds and changes nothing.
                    break;
            }

            return result;
        }, context.RequestAborted);
        if (operation is "deactivate" or "suspend" && userId is not null)
        {
            tokens.ForgetUser(userId);
        }

        return result;
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

    private static IResult ActivationResult(UserEntity user, bool sendEmail, string orgUrl)
    {
        var token = NewUserToken(user);
        return sendEmail
            ? ApiResponses.EmptyObject()
            : ApiResponses.Json(new ActivationTokenResource(token, $"{orgUrl}/welcome/{token}"));
    }

    /// <summary>A one-time token for the activation or reset link; only its hash is stored.</summary>
    internal static string NewUserToken(UserEntity user)
    {
        var token = RandomIds.NewBase62(20);
        user.ActivationTokenHash = SecretHasher.Hash(token);
        return token;
    }
}
