using Latchkey.Core.SystemLog;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.SignIn;

/// <summary>The System Log events of the sign-in pipeline and of sessions (docs/system-log.md lists them).</summary>
public static class SignInEvents
{
    public static LogActor Actor(UserEntity user) => new(user.Id, "User", user.Login, $"{user.FirstName} {user.LastName}".Trim());

    /// <summary>Someone who named no existing user: the identifier they typed is all there is.</summary>
    public static LogActor Unknown(string? identifier) => new("unknown", "User", identifier ?? "unknown", "unknown");

    public static LogTarget PasswordTarget(string orgId) =>
        new(PasswordAuthenticator.Id(orgId), "AuthenticatorEnrollment", "unknown", PasswordAuthenticator.DisplayName);

    public static LogTarget SessionTarget(SessionEntity session) => new(session.Id, "Session", null, null);

    /// <summary><c>user.authentication.verify</c> of the password step, SUCCESS or FAILURE with the real reason.</summary>
    public static void Verify(SystemLogWriter log, string orgId, UserEntity? user, string? identifier, string? reason)
    {
        var targets = new List<LogTarget>();
        if (user is not null)
        {
            targets.Add(UserResources.Target(user));
        }

        targets.Add(PasswordTarget(orgId));
        log.Stage(EventTypes.UserVerify, targets,
            reason is null ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, reason),
            debugData: new Dictionary<string, object?> { ["authnRequestId"] = null, ["factor"] = "PASSWORD", ["identifier"] = identifier },
            actor: user is null ? Unknown(identifier) : Actor(user));
    }

    public static void Lock(SystemLogWriter log, UserEntity user, int attempts) =>
        log.Stage(EventTypes.UserLock, [UserResources.Target(user)], new LogOutcome(LogOutcomeResult.Success, "LOCKED_OUT"),
            debugData: new Dictionary<string, object?> { ["failedAttempts"] = attempts }, actor: Actor(user));

    /// <summary>
    /// <c>user.authentication.authenticate</c>: every step of the transaction passed; the primary authenticator is the
    /// password, or <paramref name="deviceKey"/> (the FastPass factor) for a passwordless sign-in.
    /// </summary>
    public static void Authenticated(SystemLogWriter log, string orgId, UserEntity user, LogTarget? deviceKey = null) =>
        log.Stage(EventTypes.UserAuthenticate, [UserResources.Target(user), deviceKey ?? PasswordTarget(orgId)], actor: Actor(user));

    /// <summary>
    /// <c>user.session.start</c>, with the session as the authentication context's external session id and the primary
    /// credential's type (<c>PASSWORD</c>, or <c>JWT</c> for a FastPass answer, a JWS by the device key).
    /// </summary>
    public static void SessionStarted(SystemLogWriter log, UserEntity user, SessionEntity session, string credentialType = "PASSWORD")
    {
        var e = log.Create(EventTypes.SessionStart, [UserResources.Target(user), SessionTarget(session)], actor: Actor(user));
        log.Stage(e with { AuthenticationContext = new LogAuthenticationContext("OKTA_AUTHENTICATION_PROVIDER", "OKTA_CREDENTIAL_PROVIDER",
            credentialType, null, 0, session.Id, session.Id) });
    }

    /// <summary><c>user.session.end</c>: one session ended, by its user (sign-out) or an admin.</summary>
    public static void SessionEnded(SystemLogWriter log, UserEntity user, SessionEntity session, LogActor actor) =>
        log.Stage(EventTypes.SessionEnd, [UserResources.Target(user), SessionTarget(session)], actor: actor);

    /// <summary><c>user.session.expire</c>: the session reached its idle or absolute end (recorded when its row is swept).</summary>
    public static void SessionExpired(SystemLogWriter log, UserEntity user, SessionEntity session) =>
        log.Stage(EventTypes.SessionExpire, [UserResources.Target(user), SessionTarget(session)], actor: Actor(user),
            debugData: new Dictionary<string, object?> { ["expiredAt"] = Core.Time.IsoTime.Write(session.ExpiresAt) });

    /// <summary><c>user.session.access_admin_app</c>: the session entered the admin console (once per session).</summary>
    public static void AdminAppAccessed(SystemLogWriter log, UserEntity user, SessionEntity session) =>
        log.Stage(EventTypes.SessionAccessAdminApp, [UserResources.Target(user), SessionTarget(session)], actor: Actor(user));

    /// <summary><c>user.session.clear</c>: every session of the user revoked.</summary>
    public static void SessionsCleared(SystemLogWriter log, UserEntity user, int count) =>
        log.Stage(EventTypes.SessionClear, [UserResources.Target(user)],
            debugData: new Dictionary<string, object?> { ["sessionsRevoked"] = count });
}

/// <summary>
/// The org's password authenticator as IDX and the System Log name it. Its id is derived from the org id until the
/// authenticators of a later issue are stored, so it is the same on every node and after a restart.
/// </summary>
public static class PasswordAuthenticator
{
    public const string Key = "okta_password";
    public const string DisplayName = "Password";

    public static string Id(string orgId) => Core.Ids.IdPrefix.Authenticator + orgId[3..];
}
