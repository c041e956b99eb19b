using Latchkey.Core.SignIn;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.SignIn;

/// <summary>A loaded sign-in transaction: the handle the client holds (never stored), its org, its state and its version.</summary>
public sealed record SignInTransaction(string Handle, string OrgId, SignInState State, long Version)
{
    internal static SignInTransaction Of(string handle, SignInTransactionEntity row) =>
        new(handle, row.OrgId, new SignInState(row.Step, row.Identifier, row.UserId, row.Created, row.ExpiresAt)
        {
            Assurance = row.Assurance, FactorId = row.FactorId, ChallengeId = row.ChallengeId, Enrolling = row.Enrolling,
        }, row.Version);
}

/// <summary>How a transaction that reached <see cref="SignInStep.Success"/> ends.</summary>
public enum SignInCompletion
{
    /// <summary>A session at once, for a browser or IDX client (the <c>sid</c> cookie).</summary>
    Session,

    /// <summary>A one-time session token, as the classic <c>/api/v1/authn</c> answers; <c>POST /api/v1/sessions</c> redeems it.</summary>
    SessionToken,
}

/// <summary>
/// What a step did. Fails closed: nothing passed unless <see cref="Transaction"/> moved on or a session or token was
/// issued. <see cref="Refused"/> is the one generic refusal every password failure gets; <see cref="Reason"/> is
/// the real reason, for the System Log and for the classic API's <c>LOCKED_OUT</c> only when the password was right.
/// </summary>
public sealed record SignInResult
{
    public SignInTransaction? Transaction { get; init; }
    public bool Stale { get; init; }
    public bool Refused { get; init; }
    public string? Reason { get; init; }
    /// <summary>With <see cref="Core.SignIn.SignInReasons.PolicyDenied"/>: why the sign-on policy refused, for the person signing in.</summary>
    public string? PolicyDenial { get; init; }
    public bool PasswordWasRight { get; init; }
    public long? RetryAfterSeconds { get; init; }
    public string? PolicyViolation { get; init; }
    public StartedSession? Session { get; init; }
    public string? SessionToken { get; init; }
    public UserEntity? User { get; init; }

    public static SignInResult StaleHandle { get; } = new() { Stale = true };
}

/// <summary>A new session and the secret for its <c>sid</c> cookie (shown once; only its hash is stored).</summary>
public sealed record StartedSession(SessionEntity Session, string CookieSecret);
