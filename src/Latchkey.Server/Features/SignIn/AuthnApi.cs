using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.SignIn;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// The classic primary authentication, a thin door into the same pipeline (<see cref="SignInEngine"/>): <c>POST
/// /api/v1/authn</c> with <c>{username, password}</c> answers <c>SUCCESS</c> with a one-time <c>sessionToken</c>, or
/// <c>PASSWORD_EXPIRED</c> with a <c>stateToken</c> for <c>/api/v1/authn/credentials/change_password</c>. A wrong
/// password, an unknown, suspended or deactivated user: 401 E0000004, all alike. <c>LOCKED_OUT</c> is answered only to
/// someone who gave the right password (anyone else learns nothing about the account).
/// </summary>
public static class AuthnApi
{
    public static void MapAuthnApi(this RouteGroupBuilder api)
    {
        const string anonymous = "the classic primary authentication: no API token";
        api.MapPost("/authn", Authenticate).NeedsNoAdminPermission(anonymous);
        api.MapPost("/authn/credentials/change_password", ChangePassword).NeedsNoAdminPermission(anonymous);
    }

    private static async Task<IResult> Authenticate(HttpContext context, LatchkeyDbContext db, SignInEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var username = JsonBody.String(body, "username", "username")?.Trim();
        var password = JsonBody.String(body, "password", "password");
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            throw new ApiException(ApiErrors.AuthenticationFailed());
        }

        if (username.Length > SignInEngine.MaxIdentifierLength || password.Length > SignInEngine.MaxPasswordLength)
        {
            throw new ApiException(ApiErrors.Validation(username.Length > SignInEngine.MaxIdentifierLength ? "username" : "password",
                $"The value must be at most {(username.Length > SignInEngine.MaxIdentifierLength ? SignInEngine.MaxIdentifierLength : SignInEngine.MaxPasswordLength)} characters."));
        }

        var ct = context.RequestAborted;
        var orgId = await ServerOrg.IdAsync(db, ct);
        var tx = await engine.StartIdentifiedAsync(orgId, username, ct);
        return Answer(context, await engine.AnswerPasswordAsync(tx, password, SignInCompletion.SessionToken, context, ct));
    }

    /// <summary>Body <c>{stateToken, oldPassword, newPassword}</c> of a PASSWORD_EXPIRED transaction.</summary>
    private static async Task<IResult> ChangePassword(HttpContext context, LatchkeyDbContext db, SignInEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var ct = context.RequestAborted;
        var tx = await engine.FindAsync(await ServerOrg.IdAsync(db, ct), JsonBody.String(body, "stateToken", "stateToken"), ct)
            ?? throw new ApiException(ApiErrors.InvalidToken());
        var oldPassword = JsonBody.String(body, "oldPassword", "oldPassword");
        var newPassword = JsonBody.String(body, "newPassword", "newPassword");
        if (string.IsNullOrEmpty(oldPassword) || string.IsNullOrEmpty(newPassword))
        {
            throw new ApiException(ApiErrors.Validation(string.IsNullOrEmpty(oldPassword) ? "oldPassword" : "newPassword", "The field cannot be left blank"));
        }

        var result = await engine.ChangePasswordAsync(tx, newPassword, oldPassword, SignInCompletion.SessionToken, ct);
        if (result.PolicyViolation is { } violation)
        {
            throw new ApiException(ApiErrors.PasswordPolicyViolation($"password: {violation}"));
        }

        if (result.Refused)
        {
            throw new ApiException(ApiErrors.CredentialsUpdateFailed("Old Password is not correct"));
        }

        return Answer(context, result);
    }

    private static IResult Answer(HttpContext context, SignInResult result)
    {
        if (result.RetryAfterSeconds is not null)
        {
            throw new ApiException(ApiErrors.RateLimited());
        }

        if (result.SessionToken is { } token && result.User is { } user)
        {
            return ApiResponses.Json(new JsonObject
            {
                ["expiresAt"] = IsoTime.Write(result.Transaction!.State.ExpiresAt),
                ["status"] = "SUCCESS",
                ["sessionToken"] = token,
                ["_embedded"] = new JsonObject { ["user"] = EmbeddedUser(user) },
            });
        }

        if (result.Transaction is { } tx && tx.State.Step == SignInStep.ChangePassword && result.User is { } expired)
        {
            var apiBase = ApiUrls.ApiBase(context.Request);
            return ApiResponses.Json(new JsonObject
            {
                ["stateToken"] = tx.Handle,
                ["expiresAt"] = IsoTime.Write(tx.State.ExpiresAt),
                ["status"] = "PASSWORD_EXPIRED",
                ["_embedded"] = new JsonObject { ["user"] = EmbeddedUser(expired) },
                ["_links"] = new JsonObject
                {
                    ["next"] = new JsonObject
                    {
                        ["name"] = "changePassword", ["href"] = $"{apiBase}/authn/credentials/change_password",
                        ["hints"] = new JsonObject { ["allow"] = new JsonArray("POST") },
                    },
                },
            });
        }

        if (result.Refused && result.Reason == SignInReasons.LockedOut && result.PasswordWasRight)
        {
            return ApiResponses.Json(new JsonObject { ["status"] = "LOCKED_OUT" });
        }

        if (result.Refused && result.Reason == SignInReasons.PolicyDenied)
        {
            throw new ApiException(ApiErrors.Forbidden());
        }

        throw new ApiException(result.Stale ? ApiErrors.InvalidToken() : ApiErrors.AuthenticationFailed());
    }

    private static JsonObject EmbeddedUser(UserEntity user)
    {
        var profile = UserResources.ParseProfile(user.ProfileJson);
        var embedded = new JsonObject
        {
            ["login"] = user.Login, ["firstName"] = user.FirstName, ["lastName"] = user.LastName,
            ["locale"] = profile["locale"]?.DeepClone() ?? "en", ["timeZone"] = profile["timezone"]?.DeepClone() ?? "UTC",
        };
        return new JsonObject
        {
            ["id"] = user.Id,
            ["passwordChanged"] = user.PasswordChanged is { } changed ? IsoTime.Write(changed) : null,
            ["profile"] = embedded,
        };
    }
}
