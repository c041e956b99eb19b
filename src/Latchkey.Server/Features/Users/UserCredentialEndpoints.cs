using Latchkey.Contracts;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users;

/// <summary>
/// <c>POST /api/v1/users/{id}/credentials/...</c>: <c>change_password</c>, <c>change_recovery_question</c>,
/// <c>forgot_password</c> and <c>forgot_password_recovery_question</c>. The slow work (PBKDF2: checking the current
/// password or answer, hashing the new password, comparing it with the history) runs on a snapshot before the
/// org's write turn; the write redoes it only if the user changed meanwhile. A wrong current password or answer
/// is logged as a FAILURE of the operation's event, then refused.
/// </summary>
public static class UserCredentialEndpoints
{
    private const string InvalidCredentials = "INVALID_CREDENTIALS";

    public static void MapUserCredentialsApi(this RouteGroupBuilder users)
    {
        // Setting credentials is managing the user; forgot_password (a reset link) is the lifecycle's password reset.
        users.MapPost("/{id}/credentials/change_password", ChangePassword).Requires(AdminPermission.UsersManage);
        users.MapPost("/{id}/credentials/change_recovery_question", ChangeRecoveryQuestion).Requires(AdminPermission.UsersManage);
        users.MapPost("/{id}/credentials/forgot_password", ForgotPassword).Requires(AdminPermission.UsersLifecycle);
        users.MapPost("/{id}/credentials/forgot_password_recovery_question", ResetWithRecoveryAnswer).Requires(AdminPermission.UsersManage);
    }

    /// <summary>A current password or recovery answer that does not match: logged, then answered with <see cref="Error"/>.</summary>
    private sealed class WrongSecretException(ApiError error) : Exception(error.Summary)
    {
        public ApiError Error { get; } = error;
    }

    /// <summary>Body <c>{oldPassword: {value}, newPassword: {value}, revokeSessions}</c>; query <c>strict</c> adds the minimum age.</summary>
    private static async Task<IResult> ChangePassword(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, PasswordHasher hasher, TimeProvider time)
    {
        var strict = JsonBody.QueryBool(context.Request, "strict", false);
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var oldPassword = UserWrites.ReadPassword(body, "oldPassword", "oldPassword", "oldPassword") ?? throw Blank("oldPassword");
        var newPassword = UserWrites.ReadPassword(body, "newPassword", "newPassword", "newPassword") ?? throw Blank("newPassword");
        var revokeSessions = JsonBody.Bool(body, "revokeSessions", "revokeSessions") ?? false;
        var user = await ChangePasswordAsync(ApiCaller.Required(context), id, oldPassword, newPassword, strict,
            revokeSessions ? SessionsToEnd.All : SessionsToEnd.None, db, write, log, hasher, time, context.RequestAborted);
        return ApiResponses.Json(UserResources.Credentials(user));
    }

    /// <summary>Which of the user's sessions end with a new password.</summary>
    public sealed record SessionsToEnd(bool End, string? Except)
    {
        public static readonly SessionsToEnd None = new(false, null);
        public static readonly SessionsToEnd All = new(true, null);

        /// <summary>Every session but the one the change was made in ("My settings").</summary>
        public static SessionsToEnd AllBut(string sessionId) => new(true, sessionId);
    }

    /// <summary>
    /// A new password given the current one (the API's <c>change_password</c> and "My settings"), as
    /// <paramref name="caller"/> (the System Log's actor): the credential rules, the current password (a wrong one is
    /// logged, then refused with E0000014), with <paramref name="strict"/> the minimum age, the policy and history.
    /// </summary>
    public static Task<UserEntity> ChangePasswordAsync(ApiCaller caller, string id, string oldPassword, string newPassword, bool strict,
        SessionsToEnd sessions, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PasswordHasher hasher, TimeProvider time,
        CancellationToken ct)
    {
        (string Hash, string? History) Plan(UserEntity user)
        {
            if (CredentialRules.ChangePassword(user.Status, user.PasswordHash is not null) is { } refusal)
            {
                throw new ApiException(refusal);
            }

            if (!PasswordHasher.Verify(oldPassword, user.PasswordHash!))
            {
                throw new WrongSecretException(ApiErrors.CredentialsUpdateFailed("Old Password is not correct"));
            }

            if (strict && PasswordPolicy.Default.CheckMinimumAge(user.PasswordChanged, time.GetUtcNow()) is { } tooSoon)
            {
                throw new ApiException(ApiErrors.CredentialsUpdateFailed($"password: {tooSoon}"));
            }

            return UserWrites.PlanPassword(newPassword, user.Login, user.FirstName, user.LastName, user.PasswordHash,
                user.PasswordHistory, hasher, message => ApiErrors.CredentialsUpdateFailed($"password: {message}"));
        }

        return SetPasswordAsync(caller, id, db, write, log, time, EventTypes.UserUpdatePassword, Plan, sessions, ct);
    }

    /// <summary>Body <c>{password: {value}, recovery_question: {question, answer}}</c>: the current password confirms the change.</summary>
    private static async Task<IResult> ChangeRecoveryQuestion(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, PasswordHasher hasher, TimeProvider time)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var password = UserWrites.ReadPassword(body, "password", "password", "password") ?? throw Blank("password");
        var (question, answer) = UserWrites.ReadRecovery(body) ?? throw Blank("recovery_question");

        (string Question, string AnswerHash) Plan(UserEntity user)
        {
            if (CredentialRules.ChangeRecoveryQuestion(user.Status, user.PasswordHash is not null) is { } refusal)
            {
                throw new ApiException(refusal);
            }

            return PasswordHasher.Verify(password, user.PasswordHash!)
                ? (question, hasher.Hash(UserWrites.NormalizeAnswer(answer)))
                : throw new WrongSecretException(ApiErrors.CredentialsUpdateFailed("Password is not correct"));
        }

        var user = await ChangeAsync(ApiCaller.Required(context), id, db, write, log, time, EventTypes.UserUpdateProfile, Plan, (user, plan, now) =>
        {
            (user.RecoveryQuestion, user.RecoveryAnswerHash) = plan;
            user.LastUpdated = now;
            user.Version++;
            UserWrites.StageRecoveryQuestionChange(log, UserResources.Target(user));
            return Task.CompletedTask;
        }, context.RequestAborted);
        return ApiResponses.Json(UserResources.Credentials(user));
    }

    /// <summary>
    /// Query <c>sendEmail</c> (default true): a one-time reset link; with <c>sendEmail=false</c> it is returned as
    /// <c>resetPasswordUrl</c>. The user's status does not change. (No email is sent: Latchkey has no mail delivery yet.)
    /// </summary>
    private static async Task<IResult> ForgotPassword(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        var caller = ApiCaller.Required(context);
        var sendEmail = JsonBody.QueryBool(context.Request, "sendEmail", true);
        var ct = context.RequestAborted;
        var token = await write.RunAsync(caller.OrgId, async () =>
        {
            var user = await UserLookup.GetForUpdateAsync(db, caller, id, ct);
            if (CredentialRules.ForgotPassword(user.Status, user.RecoveryQuestion is not null) is { } refusal)
            {
                throw new ApiException(refusal);
            }

            log.Stage(EventTypes.UserResetPassword, [UserResources.Target(user)], displayMessage: "Start forgot password flow for Okta user",
                debugData: new Dictionary<string, object?> { ["flow"] = "forgot_password", ["sendEmail"] = sendEmail });
            return UserLifecycleEndpoints.NewUserToken(user);
        }, ct);
        return sendEmail
            ? ApiResponses.EmptyObject()
            : ApiResponses.Json(new ResetPasswordResource($"{ApiUrls.OrgUrl(context.Request)}/signin/reset-password/{token}"));
    }

    /// <summary>Body <c>{password: {value}, recovery_question: {answer}}</c>: the right answer sets the new password.</summary>
    private static async Task<IResult> ResetWithRecoveryAnswer(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, PasswordHasher hasher, TimeProvider time)
    {
        _ = JsonBody.QueryBool(context.Request, "sendEmail", true); // checked; no notification is sent
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var newPassword = UserWrites.ReadPassword(body, "password", "password", "password") ?? throw Blank("password");
        var recovery = JsonBody.Object(body, "recovery_question", "recovery_question");
        var answer = (recovery is null ? null : JsonBody.String(recovery, "answer", "recovery_question.answer")) ?? throw Blank("recovery_question.answer");

        (string Hash, string? History) Plan(UserEntity user)
        {
            if (CredentialRules.ResetWithRecoveryAnswer(user.Status, user.RecoveryQuestion is not null) is { } refusal)
            {
                throw new ApiException(refusal);
            }

            if (user.RecoveryAnswerHash is null || !PasswordHasher.Verify(UserWrites.NormalizeAnswer(answer), user.RecoveryAnswerHash))
            {
                throw new WrongSecretException(ApiErrors.InvalidRecoveryAnswer());
            }

            return UserWrites.PlanPassword(newPassword, user.Login, user.FirstName, user.LastName, user.PasswordHash,
                user.PasswordHistory, hasher, message => ApiErrors.PasswordPolicyViolation($"password: {message}"));
        }

        var user = await SetPasswordAsync(ApiCaller.Required(context), id, db, write, log, time, EventTypes.UserResetPassword, Plan,
            SessionsToEnd.None, context.RequestAborted);
        return ApiResponses.Json(UserResources.Credentials(user));
    }

    /// <summary>
    /// Plans the change on a snapshot (outside the write turn), then applies it to the stored user, planning again
    /// only if the user changed in between. A <see cref="WrongSecretException"/> writes a FAILURE event of
    /// <paramref name="eventType"/> in a write of its own, then refuses.
    /// </summary>
    private static async Task<UserEntity> ChangeAsync<TPlan>(ApiCaller caller, string id, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, EventType eventType, Func<UserEntity, TPlan> plan, Func<UserEntity, TPlan, DateTimeOffset, Task> apply,
        CancellationToken ct)
    {
        var snapshot = await UserLookup.GetAsync(db, caller, id, ct);
        try
        {
            var planned = plan(snapshot);
            return await write.RunAsync(caller.OrgId, async () =>
            {
                var user = await db.Users.FirstOrDefaultAsync(u => u.Id == snapshot.Id, ct) ?? throw new ApiException(ApiErrors.NotFound(id, "User"));
                await apply(user, user.Version == snapshot.Version ? planned : plan(user), IsoTime.Truncate(time.GetUtcNow()));
                return user;
            }, ct);
        }
        catch (WrongSecretException e)
        {
            await write.RunAsync(caller.OrgId, () =>
            {
                log.Stage(eventType, [UserResources.Target(snapshot)], new LogOutcome(LogOutcomeResult.Failure, InvalidCredentials));
                return Task.CompletedTask;
            }, ct);
            throw new ApiException(e.Error);
        }
    }

    /// <summary>
    /// Sets the planned password: its hash and history, the change date; an expired or recovering user is ACTIVE
    /// again; an open reset link ends; the <paramref name="sessions"/> to end end in the same write.
    /// </summary>
    private static Task<UserEntity> SetPasswordAsync(ApiCaller caller, string id, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        TimeProvider time, EventType eventType, Func<UserEntity, (string Hash, string? History)> plan, SessionsToEnd sessions, CancellationToken ct) =>
        ChangeAsync(caller, id, db, write, log, time, eventType, plan, async (user, planned, now) =>
        {
            (user.PasswordHash, user.PasswordHistory, user.PasswordChanged) = (planned.Hash, planned.History, now);
            user.ActivationTokenHash = null;
            var status = CredentialRules.StatusAfterNewPassword(user.Status);
            if (status != user.Status)
            {
                (user.Status, user.StatusChanged) = (status, now);
            }

            user.LastUpdated = now;
            user.Version++;
            log.Stage(eventType, [UserResources.Target(user)]);
            if (sessions.End)
            {
                var count = await db.Sessions.Where(s => s.UserId == user.Id && s.Id != sessions.Except).ExecuteDeleteAsync(ct);
                SignIn.SignInEvents.SessionsCleared(log, user, count);
            }
        }, ct);

    private static ApiException Blank(string field) => new(ApiErrors.Validation(field, "The field cannot be left blank"));
}
