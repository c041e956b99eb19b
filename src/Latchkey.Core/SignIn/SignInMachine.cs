using Latchkey.Core.Users;

namespace Latchkey.Core.SignIn;

/// <summary>
/// The sign-in pipeline as a pure state machine (DESIGN.md, Protocols): identify -> password -> [new password when
/// expired] -> success. State and facts in, next state out; the caller verifies the password hash (outside any write
/// lock), stores the result and writes the System Log. <paramref name="now"/> is always passed in, never read.
/// A transition from a step it does not belong to throws: callers check <see cref="Accepts"/> first.
/// </summary>
public static class SignInMachine
{
    /// <summary>Each step keeps the transaction alive this much longer.</summary>
    public static readonly TimeSpan StepLifetime = TimeSpan.FromMinutes(10);

    /// <summary>No transaction lives longer than this, however active.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    public static SignInState Start(DateTimeOffset now, string? assurance = null) =>
        new(SignInStep.Identify, null, null, now, now + StepLifetime) { Assurance = assurance };

    /// <summary>Whether a right password leads to the authenticator step rather than straight to success.</summary>
    public static bool NeedsSecondFactor(SignInState state) => SignInAssurance.AsksSecondFactor(state.Assurance);

    /// <summary>True when the transaction is alive and waiting for <paramref name="step"/>.</summary>
    public static bool Accepts(SignInState state, string step, DateTimeOffset now) => !state.IsExpired(now) && state.Step == step;

    /// <summary>The username step. <paramref name="userId"/> is null when no user has the identifier; the next step is the same.</summary>
    public static SignInState Identify(SignInState state, string identifier, string? userId, DateTimeOffset now)
    {
        Require(state, SignInStep.Identify, now);
        return Advance(state, SignInStep.Password, now) with { Identifier = identifier, UserId = userId };
    }

    /// <summary>
    /// The password step. Refused, whatever the password, for an unknown, locked, suspended, deprovisioned or not yet
    /// active user; only a wrong password of a user who may sign in counts toward the lockout, and the attempt that
    /// reaches <see cref="LockoutPolicy.MaxAttempts"/> locks. A right password clears the count and leads to success,
    /// or to a new password first when it has expired.
    /// </summary>
    public static PasswordVerdict AnswerPassword(SignInState state, SignInUser? user, bool passwordMatches, LockoutPolicy policy, DateTimeOffset now)
    {
        Require(state, SignInStep.Password, now);
        var refused = Advance(state, SignInStep.Password, now);
        if (user is null || user.Id != state.UserId)
        {
            return new PasswordVerdict(refused, false, SignInReasons.UnknownUser, 0, null);
        }

        var status = user.Status;
        var failed = user.FailedPasswordAttempts;
        string? newStatus = null;
        if (status == UserStatus.LockedOut && AutoUnlockDue(user, policy, now))
        {
            (status, failed, newStatus) = (UserStatus.Active, 0, UserStatus.Active);
        }

        var notAllowed = status switch
        {
            UserStatus.LockedOut => SignInReasons.LockedOut,
            UserStatus.Suspended => SignInReasons.UserSuspended,
            UserStatus.Deprovisioned => SignInReasons.UserDeprovisioned,
            _ when !UserLifecycle.CanSignIn(status) => SignInReasons.UserNotActive,
            _ => null,
        };
        if (notAllowed is not null)
        {
            return new PasswordVerdict(refused, false, notAllowed, failed, newStatus);
        }

        if (!passwordMatches)
        {
            failed++;
            var locks = policy.MaxAttempts > 0 && failed >= policy.MaxAttempts;
            return new PasswordVerdict(refused, false, SignInReasons.InvalidCredentials, failed, locks ? UserStatus.LockedOut : newStatus);
        }

        var next = status == UserStatus.PasswordExpired ? SignInStep.ChangePassword : AfterPassword(state);
        return new PasswordVerdict(Advance(state, next, now), true, null, 0, newStatus);
    }

    /// <summary>The expired password was replaced (the caller checked the new one against the password policy).</summary>
    public static SignInState PasswordChanged(SignInState state, DateTimeOffset now)
    {
        Require(state, SignInStep.ChangePassword, now);
        return Advance(state, AfterPassword(state), now);
    }

    /// <summary>
    /// A second factor was chosen (<paramref name="factorId"/>) and, for a push, sent (<paramref name="challengeId"/>):
    /// the transaction waits for its answer. Choosing again (another factor, or the same one once more) replaces the choice.
    /// </summary>
    public static SignInState ChooseFactor(SignInState state, string factorId, string? challengeId, DateTimeOffset now)
    {
        if (!Accepts(state, SignInStep.Authenticator, now))
        {
            Require(state, SignInStep.SelectAuthenticator, now);
        }

        return Advance(state, SignInStep.Authenticator, now) with { FactorId = factorId, ChallengeId = challengeId, Enrolling = null };
    }

    /// <summary>
    /// The user, having no second factor to answer, chose <paramref name="authenticatorId"/> to enroll: the transaction
    /// waits for the enrollment (its pending factor or challenge, when it has one); finishing it is the second factor.
    /// </summary>
    public static SignInState ChooseEnrollment(SignInState state, string authenticatorId, string? factorId, string? challengeId, DateTimeOffset now)
    {
        if (!Accepts(state, SignInStep.Authenticator, now))
        {
            Require(state, SignInStep.SelectAuthenticator, now);
        }

        return Advance(state, SignInStep.Authenticator, now) with { FactorId = factorId, ChallengeId = challengeId, Enrolling = authenticatorId };
    }

    /// <summary>The chosen factor was answered: the sign-in succeeds.</summary>
    public static SignInState FactorVerified(SignInState state, DateTimeOffset now)
    {
        Require(state, SignInStep.Authenticator, now);
        return Advance(state, SignInStep.Success, now) with { FactorId = null, ChallengeId = null, Enrolling = null };
    }

    /// <summary>The chosen factor cannot be answered any more (a push denied or expired): back to choosing one.</summary>
    public static SignInState FactorAbandoned(SignInState state, DateTimeOffset now)
    {
        Require(state, SignInStep.Authenticator, now);
        return Advance(state, SignInStep.SelectAuthenticator, now) with { FactorId = null, ChallengeId = null, Enrolling = null };
    }

    /// <summary>
    /// Passwordless FastPass: at the username step (or at this one again, for a fresh challenge) the person chose to
    /// sign in with the authenticator app on this computer; no user is named yet.
    /// </summary>
    public static SignInState LaunchDeviceChallenge(SignInState state, string challengeId, DateTimeOffset now)
    {
        if (!Accepts(state, SignInStep.DeviceChallenge, now))
        {
            Require(state, SignInStep.Identify, now);
        }

        return Advance(state, SignInStep.DeviceChallenge, now) with { ChallengeId = challengeId, FactorId = null, Enrolling = null };
    }

    /// <summary>
    /// The device challenge was answered by a key of <paramref name="userId"/> (the caller verified it): the user is
    /// known and has proven possession of an enrolled device key, which is the whole sign-in.
    /// </summary>
    public static SignInState DeviceChallengeVerified(SignInState state, string userId, string identifier, DateTimeOffset now)
    {
        Require(state, SignInStep.DeviceChallenge, now);
        return Advance(state, SignInStep.Success, now) with { UserId = userId, Identifier = identifier, ChallengeId = null };
    }

    /// <summary>The person gave up waiting for the app (it did not answer on this computer): back to the username step.</summary>
    public static SignInState DeviceChallengeCancelled(SignInState state, DateTimeOffset now)
    {
        Require(state, SignInStep.DeviceChallenge, now);
        return Advance(state, SignInStep.Identify, now) with { ChallengeId = null };
    }

    private static string AfterPassword(SignInState state) => NeedsSecondFactor(state) ? SignInStep.SelectAuthenticator : SignInStep.Success;

    private static bool AutoUnlockDue(SignInUser user, LockoutPolicy policy, DateTimeOffset now) =>
        policy.AutoUnlockMinutes > 0 && user.StatusChanged is { } lockedAt && now >= lockedAt + TimeSpan.FromMinutes(policy.AutoUnlockMinutes);

    private static SignInState Advance(SignInState state, string step, DateTimeOffset now)
    {
        var cap = state.Created + MaxLifetime;
        var expires = now + StepLifetime;
        return state with { Step = step, ExpiresAt = expires < cap ? expires : cap };
    }

    private static void Require(SignInState state, string step, DateTimeOffset now)
    {
        if (!Accepts(state, step, now))
        {
            throw new InvalidOperationException(state.IsExpired(now)
                ? "The sign-in transaction has expired."
                : $"The sign-in transaction is at {state.Step}, not {step}.");
        }
    }
}
