using Latchkey.Core.Policies;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SignIn;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.RateLimits;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// The sign-in pipeline, one engine for every caller (IDX over HTTP, the classic authn API, later the pages in-process):
/// it loads and stores transactions, feeds <see cref="SignInMachine"/> the facts (the password hash is verified before
/// the org's write turn, never inside it), applies the verdict to the user and writes the System Log in one OrgWrite.
/// A transaction is stored under the SHA-256 of its handle; a handle that is unknown, expired, already used or raced by
/// another answer is <see cref="SignInResult.Stale"/>.
/// </summary>
public sealed class SignInEngine(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PasswordHasher hasher, DecoyPassword decoy,
    TimeProvider time, SignInAddressLimit addressLimit, SessionStore sessions, NewSignInHandles fresh, SignOnPolicy signOn, RememberedDevices remembered,
    IHttpContextAccessor requests, EnrollPolicy enrollPolicy)
{
    /// <summary>Longest state handle read (a sealed new-sign-in handle is about 220 characters; a stored one 45).</summary>
    public const int MaxHandleLength = 512;

    /// <summary>Longest identifier and password read; longer ones are refused before any lookup or hash.</summary>
    public const int MaxIdentifierLength = 256;
    public const int MaxPasswordLength = 1024;

    private DateTimeOffset Now => IsoTime.Truncate(time.GetUtcNow());

    /// <summary>
    /// A new sign-in, at the username step. Nothing is written: its handle is sealed (<see cref="NewSignInHandles"/>) and
    /// the transaction is stored only when the username is given, so asking for sign-ins costs the database nothing.
    /// </summary>
    public Task<SignInTransaction> StartAsync(string orgId, CancellationToken ct, string? assurance = null)
    {
        var (handle, state) = fresh.Create(orgId, Now, assurance);
        return Task.FromResult(new SignInTransaction(handle, orgId, state, NewSignInHandles.UnstoredVersion));
    }

    /// <summary>A transaction that starts at the password step for <paramref name="identifier"/> (the classic authn API: both in one request).</summary>
    public async Task<SignInTransaction> StartIdentifiedAsync(string orgId, string identifier, CancellationToken ct)
    {
        var now = Now;
        var userId = await UserIdAsync(orgId, identifier, ct);
        var handle = NewHandle();
        var row = ToRow(handle, orgId, SignInMachine.Identify(SignInMachine.Start(now), identifier, userId, now), 0);
        await write.RunAsync(orgId, () =>
        {
            db.SignInTransactions.Add(row);
            return Task.CompletedTask;
        }, ct);
        return SignInTransaction.Of(handle, row);
    }

    /// <summary>The live transaction of <paramref name="handle"/> in <paramref name="orgId"/>, or null.</summary>
    public async Task<SignInTransaction?> FindAsync(string orgId, string? handle, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(handle) || handle.Length > MaxHandleLength)
        {
            return null;
        }

        var hash = SecretHasher.Hash(handle);
        var row = await db.SignInTransactions.AsNoTracking().FirstOrDefaultAsync(t => t.HandleHash == hash && t.OrgId == orgId, ct);
        if (row is not null)
        {
            return row.ExpiresAt <= time.GetUtcNow() || row.Step is SignInStep.Consumed or SignInStep.AppEnrollmentToken
                ? null : SignInTransaction.Of(handle, row);
        }

        // No row: only a new sign-in's sealed handle, of this org, not yet expired, is a transaction (at the username step).
        return fresh.Open(handle, orgId, time.GetUtcNow()) is { } state
            ? new SignInTransaction(handle, orgId, state, NewSignInHandles.UnstoredVersion)
            : null;
    }

    public async Task<SignInResult> IdentifyAsync(SignInTransaction tx, string identifier, CancellationToken ct)
    {
        var userId = await UserIdAsync(tx.OrgId, identifier, ct);
        if (tx.Version == NewSignInHandles.UnstoredVersion)
        {
            // The first write of a new sign-in: one insert under the handle's hash, whose key refuses a replay or a race.
            var now = Now;
            if (!SignInMachine.Accepts(tx.State, SignInStep.Identify, now))
            {
                return SignInResult.StaleHandle;
            }

            var stored = ToRow(tx.Handle, tx.OrgId, SignInMachine.Identify(tx.State, identifier.Trim(), userId, now), 0);
            return await write.TryInsertUnloggedAsync(stored, nameof(LatchkeyDbContext.SignInTransactions), ct)
                ? new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, stored) }
                : SignInResult.StaleHandle;
        }

        return await StepAsync(tx, SignInStep.Identify, (row, now) =>
        {
            Save(row, SignInMachine.Identify(tx.State, identifier.Trim(), userId, now));
            return Task.FromResult(new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row) });
        }, ct);
    }

    /// <summary>
    /// The password step. A refusal looks the same whatever its reason (unknown, locked, suspended user or wrong
    /// password) and is counted against the client address; an address past its limit is refused before any hash.
    /// </summary>
    public async Task<SignInResult> AnswerPasswordAsync(SignInTransaction tx, string password, SignInCompletion completion,
        HttpContext http, CancellationToken ct)
    {
        if (!SignInMachine.Accepts(tx.State, SignInStep.Password, time.GetUtcNow()))
        {
            return SignInResult.StaleHandle;
        }

        if (addressLimit.RetryAfter(http) is { } wait)
        {
            return new SignInResult { RetryAfterSeconds = wait, Transaction = tx };
        }

        var snapshot = tx.State.UserId is null ? null
            : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == tx.State.UserId && u.OrgId == tx.OrgId, ct);
        var matches = snapshot?.PasswordHash is { } stored ? PasswordHasher.Verify(password, stored) : decoy.Verify(password);
        var lockout = await SignInPolicies.LockoutAsync(db, tx.OrgId, ct);
        // The global session policy is asked only once the password is known to be right: a refusal before it says nothing new.
        var policy = matches && snapshot is not null ? await signOn.DecideAsync(tx.OrgId, snapshot.Id, ct) : null;
        var sessionPolicy = completion == SignInCompletion.Session ? policy?.Session ?? SessionPolicy.Default : null;
        // A browser remembered after a second factor (factorPromptMode DEVICE) is not asked again within the factor lifetime.
        var secondFactor = policy is { RequireFactor: true } && !(policy.RemembersDevice && remembered.IsRemembered(http, tx.OrgId, snapshot!.Id, snapshot.DevicesForgottenAt));
        // A person with no factor at all whom the MFA_ENROLL policy requires to have one sets it up now (the second-factor step offers only enrollment).
        secondFactor = secondFactor || (policy is { Denied: false } && await MustEnrollAsync(tx.OrgId, snapshot!.Id, ct));
        var state = secondFactor ? tx.State with { Assurance = SignInAssurance.WithSecondFactor(tx.State.Assurance) } : tx.State;

        var result = await StepAsync(tx, SignInStep.Password, async (row, now) =>
        {
            var user = snapshot is null ? null : await db.Users.FirstOrDefaultAsync(u => u.Id == snapshot.Id, ct);
            // Fail closed: no password, no match; a password changed meanwhile (rare) is checked again against the new hash.
            var right = user?.PasswordHash is { } current
                && (current == snapshot!.PasswordHash ? matches : PasswordHasher.Verify(password, current));
            var facts = user is null ? null : new SignInUser(user.Id, user.Status, user.FailedPasswordAttempts, user.StatusChanged);
            var verdict = SignInMachine.AnswerPassword(state, facts, right, lockout, now);
            if (user is not null)
            {
                user.FailedPasswordAttempts = verdict.FailedPasswordAttempts;
                if (verdict.NewUserStatus is { } status && status != user.Status)
                {
                    (user.Status, user.StatusChanged, user.LastUpdated) = (status, now, now);
                    user.Version++;
                }
            }

            SignInEvents.Verify(log, tx.OrgId, user, tx.State.Identifier, verdict.RefusalReason);
            if (verdict.LockedNow)
            {
                SignInEvents.Lock(log, user!, verdict.FailedPasswordAttempts);
            }

            if (!verdict.Accepted)
            {
                Save(row, verdict.State);
                return new SignInResult
                {
                    Refused = true, Reason = verdict.RefusalReason, PasswordWasRight = right, Transaction = SignInTransaction.Of(tx.Handle, row), User = user,
                };
            }

            if (policy is { Denied: true } && user is not null)
            {
                // The password was right, but the org's sign-on policy does not let this person in (from here).
                SignOnDenied(user, policy);
                Save(row, tx.State with { ExpiresAt = verdict.State.ExpiresAt });
                return new SignInResult
                {
                    Refused = true, Reason = SignInReasons.PolicyDenied, PolicyDenial = policy.Decision.Reason, PasswordWasRight = true,
                    Transaction = SignInTransaction.Of(tx.Handle, row), User = user,
                };
            }

            if (verdict.State.Step != SignInStep.Success)
            {
                // A new password first, or a second factor: the transaction goes on.
                Save(row, verdict.State);
                return new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row), User = user, PasswordWasRight = true };
            }

            return Finish(tx, row, verdict.State, user!, completion, sessionPolicy, now);
        }, ct);

        if (result.Refused)
        {
            await addressLimit.FailAsync(http);
        }

        return result;
    }

    /// <summary>
    /// The new-password step of an expired password: checked against the password policy and history (hashing before
    /// the write turn); <paramref name="oldPassword"/>, when given (the classic API asks for it), must be right too.
    /// </summary>
    public async Task<SignInResult> ChangePasswordAsync(SignInTransaction tx, string newPassword, string? oldPassword,
        SignInCompletion completion, CancellationToken ct)
    {
        if (!SignInMachine.Accepts(tx.State, SignInStep.ChangePassword, time.GetUtcNow()) || tx.State.UserId is null)
        {
            return SignInResult.StaleHandle;
        }

        var snapshot = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == tx.State.UserId && u.OrgId == tx.OrgId, ct);
        if (snapshot is null)
        {
            return SignInResult.StaleHandle;
        }

        if (oldPassword is not null && (snapshot.PasswordHash is null || !PasswordHasher.Verify(oldPassword, snapshot.PasswordHash)))
        {
            return new SignInResult { Refused = true, Reason = SignInReasons.InvalidCredentials, Transaction = tx, User = snapshot };
        }

        (string Hash, string? History) Plan(UserEntity user) => UserWrites.PlanPassword(newPassword, user.Login, user.FirstName, user.LastName,
            user.PasswordHash, user.PasswordHistory, hasher, message => ApiErrors.PasswordPolicyViolation(message));

        (string Hash, string? History) planned;
        try
        {
            planned = Plan(snapshot);
        }
        catch (ApiException e)
        {
            return new SignInResult { PolicyViolation = e.Error.Causes.Count > 0 ? e.Error.Causes[0] : e.Error.Summary, Transaction = tx, User = snapshot };
        }

        var sessionPolicy = completion == SignInCompletion.Session ? (await signOn.DecideAsync(tx.OrgId, snapshot.Id, ct)).Session : null;
        return await StepAsync(tx, SignInStep.ChangePassword, async (row, now) =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == snapshot.Id, ct);
            if (user is null || user.Status != UserStatus.PasswordExpired)
            {
                return SignInResult.StaleHandle;
            }

            var password = user.Version == snapshot.Version ? planned : Plan(user);
            (user.PasswordHash, user.PasswordHistory, user.PasswordChanged) = (password.Hash, password.History, now);
            (user.Status, user.StatusChanged, user.LastUpdated) = (CredentialRules.StatusAfterNewPassword(user.Status), now, now);
            user.ActivationTokenHash = null;
            user.Version++;
            log.Stage(EventTypes.UserUpdatePassword, [UserResources.Target(user)], actor: SignInEvents.Actor(user));
            var next = SignInMachine.PasswordChanged(tx.State, now);
            if (next.Step != SignInStep.Success)
            {
                Save(row, next);
                return new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row), User = user, PasswordWasRight = true };
            }

            return Finish(tx, row, next, user, completion, sessionPolicy, now);
        }, ct);
    }

    /// <summary>
    /// The second factor chosen (and, for a push, sent; for FastPass, its <paramref name="deviceChallenge"/> issued): the
    /// transaction waits for its answer. Any earlier device challenge of this sign-in is dropped.
    /// </summary>
    public Task<SignInResult> ChooseFactorAsync(SignInTransaction tx, string factorId, string? challengeId, CancellationToken ct,
        AuthenticatorApp.DeviceChallenge? deviceChallenge = null) =>
        StepAsync(tx, [SignInStep.SelectAuthenticator, SignInStep.Authenticator], (row, now) =>
        {
            Save(row, SignInMachine.ChooseFactor(tx.State, factorId, deviceChallenge?.TransactionId ?? challengeId, now));
            AuthenticatorApp.FastPassChallenges.Store(row, deviceChallenge);
            return Task.FromResult(new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row) });
        }, ct);

    /// <summary>
    /// Passwordless FastPass (docs/fastpass.md): the person asked to sign in with the app on this computer; the
    /// transaction, with the hash of <paramref name="challenge"/>'s nonce, waits for a device to answer. A new sign-in is
    /// stored now (one insert, as identify does); a stored one at this step gets the new challenge in place of the old.
    /// </summary>
    public async Task<SignInResult> LaunchDeviceChallengeAsync(SignInTransaction tx, AuthenticatorApp.DeviceChallenge challenge, CancellationToken ct)
    {
        if (tx.Version == NewSignInHandles.UnstoredVersion)
        {
            var now = Now;
            if (!SignInMachine.Accepts(tx.State, SignInStep.Identify, now))
            {
                return SignInResult.StaleHandle;
            }

            var stored = ToRow(tx.Handle, tx.OrgId, SignInMachine.LaunchDeviceChallenge(tx.State, challenge.TransactionId, now), 0);
            AuthenticatorApp.FastPassChallenges.Store(stored, challenge);
            return await write.TryInsertUnloggedAsync(stored, nameof(LatchkeyDbContext.SignInTransactions), ct)
                ? new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, stored) }
                : SignInResult.StaleHandle;
        }

        return await StepAsync(tx, [SignInStep.Identify, SignInStep.DeviceChallenge], (row, now) =>
        {
            Save(row, SignInMachine.LaunchDeviceChallenge(tx.State, challenge.TransactionId, now));
            AuthenticatorApp.FastPassChallenges.Store(row, challenge);
            return Task.FromResult(new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row) });
        }, ct);
    }

    /// <summary>
    /// Passwordless FastPass: a device answered the challenge (checked by <see cref="AuthenticatorApp.FastPassChallenges"/>):
    /// the user whose enrollment answered is signed in. Until then the transaction stays as it is.
    /// </summary>
    public async Task<SignInResult> DeviceChallengeVerifiedAsync(SignInTransaction tx, string enrollmentId, SignInCompletion completion, CancellationToken ct)
    {
        // The sign-on policy is decided before the write turn, for the user whose enrollment answered (checked again inside).
        var answeredBy = await db.DeviceEnrollments.AsNoTracking().Where(e => e.Id == enrollmentId && e.OrgId == tx.OrgId).Select(e => e.UserId).FirstOrDefaultAsync(ct);
        var policy = answeredBy is null ? null : await signOn.DecideAsync(tx.OrgId, answeredBy, ct);
        var sessionPolicy = completion == SignInCompletion.Session ? policy?.Session ?? SessionPolicy.Default : null;
        return await StepAsync(tx, [SignInStep.DeviceChallenge], async (row, now) =>
        {
            // An enrollment's user never changes: the one read before the write turn is its user, if it still exists.
            var enrollment = await db.DeviceEnrollments.AsNoTracking().Where(e => e.Id == enrollmentId && e.OrgId == tx.OrgId)
                .Select(e => new { e.DeviceId, e.HardwareProtected }).FirstOrDefaultAsync(ct);
            var user = answeredBy is null || enrollment is null ? null : await db.Users.FirstOrDefaultAsync(u => u.Id == answeredBy && u.OrgId == tx.OrgId, ct);
            if (row.DeviceChallengeAnsweredBy != enrollmentId || row.ChallengeId != tx.State.ChallengeId || user is null || !UserLifecycle.CanSignIn(user.Status))
            {
                return SignInResult.StaleHandle;
            }

            if (policy is { Denied: true })
            {
                SignOnDenied(user, policy);
                Save(row, SignInMachine.DeviceChallengeCancelled(tx.State, now));
                AuthenticatorApp.FastPassChallenges.Store(row, null);
                return new SignInResult
                {
                    Refused = true, Reason = SignInReasons.PolicyDenied, PolicyDenial = policy.Decision.Reason, Transaction = SignInTransaction.Of(tx.Handle, row), User = user,
                };
            }

            // Logged as what it was: a sign-in by the device key (the enrollment's FastPass factor), not by a password.
            var factor = await db.UserFactors.AsNoTracking()
                .FirstOrDefaultAsync(f => f.EnrollmentId == enrollmentId && f.FactorType == Factors.FactorTypes.SignedNonce, ct);
            var proof = new SessionProof(enrollment!.DeviceId, [SessionFactors.ForFactor(Factors.FactorTypes.SignedNonce, now, enrollment.HardwareProtected,
                userVerified: row.DeviceChallengeKeyType == "userVerification")]);
            return Finish(tx, row, SignInMachine.DeviceChallengeVerified(tx.State, user.Id, user.Login, now), user, completion, sessionPolicy, now,
                factor is null ? null : Factors.FactorResources.Target(factor), proof);
        }, ct);
    }

    /// <summary>The app did not answer (not running on this computer): back to the username step; the challenge is dropped.</summary>
    public Task<SignInResult> DeviceChallengeCancelledAsync(SignInTransaction tx, CancellationToken ct) =>
        StepAsync(tx, [SignInStep.DeviceChallenge], (row, now) =>
        {
            Save(row, SignInMachine.DeviceChallengeCancelled(tx.State, now));
            AuthenticatorApp.FastPassChallenges.Store(row, null);
            return Task.FromResult(new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row) });
        }, ct);

    /// <summary>
    /// The user chose <paramref name="authenticatorId"/> to enroll (with its pending factor or challenge, when it has one).
    /// For the authenticator app (<paramref name="issueAppToken"/>), the step's activation-link token is stored (as its
    /// hash, <see cref="AppEnrollmentTokens"/>) for as long as the step lives; any earlier token of this sign-in is dropped.
    /// </summary>
    public Task<SignInResult> ChooseEnrollmentAsync(SignInTransaction tx, string authenticatorId, string? factorId, string? challengeId,
        bool issueAppToken, CancellationToken ct) =>
        StepAsync(tx, [SignInStep.SelectAuthenticator, SignInStep.Authenticator], async (row, now) =>
        {
            var next = SignInMachine.ChooseEnrollment(tx.State, authenticatorId, factorId, challengeId, now);
            Save(row, next);
            await AppEnrollmentTokens.DropAsync(db, tx, ct);
            if (issueAppToken)
            {
                var token = ToRow(AppEnrollmentTokens.For(tx), tx.OrgId, next with { Step = SignInStep.AppEnrollmentToken }, 0);
                // Only the app's enrollment reads it, for the user and org it names; it lives as long as the sign-in step.
                db.SignInTransactions.Add(token);
            }

            return new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row) };
        }, ct);

    /// <summary>Whether the org's MFA_ENROLL policy requires an authenticator of a person who has no factor yet.</summary>
    /// Cheapest first: an org none of whose active MFA_ENROLL policies requires anything (a new org's) costs one query.
    private async Task<bool> MustEnrollAsync(string orgId, string userId, CancellationToken ct) =>
        await db.Policies.AsNoTracking().AnyAsync(p => p.OrgId == orgId && p.Type == PolicyTypes.MfaEnroll && p.Status == PolicyStatus.Active
            && p.SettingsJson != null && p.SettingsJson.Contains("REQUIRED"), ct)
        && !await db.UserFactors.AsNoTracking().AnyAsync(f => f.OrgId == orgId && f.UserId == userId && f.Status == Factors.FactorStatus.Active, ct)
        && (await enrollPolicy.DecideAsync(orgId, userId, ct)).Required.Count > 0;

    /// <summary>
    /// The chosen factor was verified (the caller checked it, outside this write): the sign-in succeeds, provided the
    /// transaction still waits for that very factor and challenge.
    /// </summary>
    public async Task<SignInResult> FactorVerifiedAsync(SignInTransaction tx, SignInCompletion completion, CancellationToken ct)
    {
        var signOnPolicy = tx.State.UserId is { } userId ? await signOn.DecideAsync(tx.OrgId, userId, ct) : null;
        var sessionPolicy = completion == SignInCompletion.Session ? signOnPolicy?.Session : null;
        var result = await StepAsync(tx, [SignInStep.Authenticator], async (row, now) =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == tx.State.UserId && u.OrgId == tx.OrgId, ct);
            if (row.FactorId != tx.State.FactorId || row.ChallengeId != tx.State.ChallengeId || row.Enrolling != tx.State.Enrolling
                || user is null || !UserLifecycle.CanSignIn(user.Status))
            {
                return SignInResult.StaleHandle;
            }

            await AppEnrollmentTokens.DropAsync(db, tx, ct);

            // The password came first in this transaction (at most its lifetime ago); the second factor is proven now.
            var second = await db.UserFactors.AsNoTracking().Where(f => f.Id == row.FactorId)
                .Select(f => new { f.FactorType, f.EnrollmentId }).FirstOrDefaultAsync(ct);
            var device = second?.EnrollmentId is { } enrollmentId
                ? await db.DeviceEnrollments.AsNoTracking().Where(e => e.Id == enrollmentId).Select(e => new { e.DeviceId, e.HardwareProtected }).FirstOrDefaultAsync(ct)
                : null;
            List<ProvenFactor> factors = [SessionProof.PasswordFactor(tx.State.Created)];
            if (second is not null)
            {
                factors.Add(SessionFactors.ForFactor(second.FactorType, now, device?.HardwareProtected ?? false));
            }

            var proof = new SessionProof(second?.FactorType == Factors.FactorTypes.SignedNonce ? device?.DeviceId : null, factors);
            return Finish(tx, row, SignInMachine.FactorVerified(tx.State, now), user, completion, sessionPolicy, now, proof: proof);
        }, ct);
        if (result.Session is not null && signOnPolicy is { RemembersDevice: true } && requests.HttpContext is { } http)
        {
            remembered.Remember(http, tx.OrgId, tx.State.UserId!, signOnPolicy.FactorLifetimeMinutes);
        }

        return result;
    }

    /// <summary>The chosen factor cannot succeed any more (a push denied or expired): back to choosing one.</summary>
    public Task<SignInResult> FactorAbandonedAsync(SignInTransaction tx, CancellationToken ct) =>
        StepAsync(tx, [SignInStep.Authenticator], async (row, now) =>
        {
            Save(row, SignInMachine.FactorAbandoned(tx.State, now));
            AuthenticatorApp.FastPassChallenges.Store(row, null);
            await AppEnrollmentTokens.DropAsync(db, tx, ct);
            return new SignInResult { Transaction = SignInTransaction.Of(tx.Handle, row) };
        }, ct);

    /// <summary>Ends the transaction; its handle is refused from now on.</summary>
    public async Task CancelAsync(SignInTransaction tx, CancellationToken ct)
    {
        var hash = SecretHasher.Hash(tx.Handle);
        await write.RunAsync(tx.OrgId, async () =>
        {
            await db.SignInTransactions.Where(t => t.HandleHash == hash).ExecuteDeleteAsync(ct);
            await AppEnrollmentTokens.DropAsync(db, tx, ct);
            if (NewSignInHandles.IsSealed(tx.Handle))
            {
                // A sealed handle is valid without a row: a tombstone keeps it refused until it would have expired.
                db.SignInTransactions.Add(Tombstone(tx));
            }
        }, ct);
    }

    /// <summary>Exchanges a one-time session token (from the classic authn API) for a session; null when it is not a live token.</summary>
    public async Task<(StartedSession Session, UserEntity User)?> RedeemSessionTokenAsync(string orgId, string? token, CancellationToken ct)
    {
        var tx = await FindAsync(orgId, token, ct);
        if (tx is null || tx.State.Step != SignInStep.Success || tx.State.UserId is null)
        {
            return null;
        }

        var policy = (await signOn.DecideAsync(orgId, tx.State.UserId, ct)).Session;
        return await write.RunAsync(orgId, async () =>
        {
            var hash = SecretHasher.Hash(token!);
            var row = await db.SignInTransactions.FirstOrDefaultAsync(t => t.HandleHash == hash && t.Version == tx.Version, ct);
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == tx.State.UserId, ct);
            if (row is null || user is null || !UserLifecycle.CanSignIn(user.Status))
            {
                return ((StartedSession, UserEntity)?)null;
            }

            db.SignInTransactions.Remove(row);
            var started = sessions.Add(orgId, user.Id, policy, Now);
            SignInEvents.SessionStarted(log, user, started.Session);
            return (started, user);
        }, ct);
    }

    /// <summary>
    /// Runs one step in the org's write turn on the stored transaction, provided it is still the version loaded and still
    /// at <paramref name="step"/>; otherwise (used, cancelled, raced, expired) the handle is stale and nothing is written.
    /// </summary>
    private Task<SignInResult> StepAsync(SignInTransaction tx, string step, Func<SignInTransactionEntity, DateTimeOffset, Task<SignInResult>> change,
        CancellationToken ct) => StepAsync(tx, [step], change, ct);

    private async Task<SignInResult> StepAsync(SignInTransaction tx, string[] steps, Func<SignInTransactionEntity, DateTimeOffset, Task<SignInResult>> change,
        CancellationToken ct)
    {
        var hash = SecretHasher.Hash(tx.Handle);
        return await write.RunAsync(tx.OrgId, async () =>
        {
            var now = Now;
            var row = await db.SignInTransactions.FirstOrDefaultAsync(t => t.HandleHash == hash, ct);
            if (tx.Version == NewSignInHandles.UnstoredVersion)
            {
                // A new sign-in's first step stores it; a row already there means the handle was used (or raced).
                if (row is not null || !steps.Contains(tx.State.Step) || tx.State.ExpiresAt <= now)
                {
                    return SignInResult.StaleHandle;
                }

                row = ToRow(tx.Handle, tx.OrgId, tx.State, 0);
                db.SignInTransactions.Add(row);
            }
            else if (row is null || row.Version != tx.Version || !steps.Contains(row.Step) || row.ExpiresAt <= now)
            {
                return SignInResult.StaleHandle;
            }

            return await change(row, now);
        }, ct);
    }

    /// <summary>The transaction reached success: a session now (the row goes), or a one-time session token (the row stays, under the token).</summary>
    private SignInResult Finish(SignInTransaction tx, SignInTransactionEntity row, SignInState state, UserEntity user, SignInCompletion completion,
        SessionPolicy? sessionPolicy, DateTimeOffset now, LogTarget? deviceKey = null, SessionProof? proof = null)
    {
        user.LastLogin = now;
        SignInEvents.Authenticated(log, tx.OrgId, user, deviceKey);
        if (NewSignInHandles.IsSealed(tx.Handle))
        {
            // The row stays as a tombstone (the handle would otherwise be a valid new sign-in again until it expires).
            (row.Step, row.Version) = (SignInStep.Consumed, row.Version + 1);
        }
        else
        {
            db.SignInTransactions.Remove(row);
        }
        if (completion == SignInCompletion.Session)
        {
            var started = sessions.Add(tx.OrgId, user.Id, sessionPolicy!, now, proof);
            SignInEvents.SessionStarted(log, user, started.Session, deviceKey is null ? "PASSWORD" : "JWT");
            return new SignInResult { Session = started, User = user };
        }

        var token = NewHandle();
        var tokenRow = ToRow(token, tx.OrgId, state with { ExpiresAt = now + SessionTokenLifetime }, 0);
        db.SignInTransactions.Add(tokenRow);
        return new SignInResult { SessionToken = token, User = user, Transaction = SignInTransaction.Of(token, tokenRow) };
    }

    /// <summary><c>policy.evaluate_sign_on</c> DENY for the global session policy: the deciding rule as target, the trace in <c>debugData</c>.</summary>
    private void SignOnDenied(UserEntity user, SignOnOutcome policy) =>
        log.Stage(EventTypes.PolicyEvaluateSignOn, [UserResources.Target(user), PolicyEvaluation.Target(policy.Decision, policy.PolicyId, policy.PolicyName)],
            new LogOutcome(LogOutcomeResult.Deny, SignInReasons.PolicyDenied),
            debugData: PolicyEvaluation.DebugData(policy.Decision, policy.PolicyId, policy.Outcome, policy.Decision.Reason), actor: SignInEvents.Actor(user));

    private async Task<string?> UserIdAsync(string orgId, string identifier, CancellationToken ct)
    {
        var key = identifier.Trim().ToLowerInvariant();
        return await db.Users.AsNoTracking().Where(u => u.OrgId == orgId && u.LoginKey == key).Select(u => u.Id).FirstOrDefaultAsync(ct);
    }

    /// <summary>A session token must be redeemed within this time.</summary>
    public static readonly TimeSpan SessionTokenLifetime = TimeSpan.FromMinutes(5);

    private static void Save(SignInTransactionEntity row, SignInState state)
    {
        (row.Step, row.Identifier, row.UserId, row.ExpiresAt) = (state.Step, state.Identifier, state.UserId, state.ExpiresAt);
        (row.Assurance, row.FactorId, row.ChallengeId, row.Enrolling) = (state.Assurance, state.FactorId, state.ChallengeId, state.Enrolling);
        row.Version++;
    }

    /// <summary>A used-up sealed handle, kept refused for as long as it could otherwise be valid.</summary>
    private static SignInTransactionEntity Tombstone(SignInTransaction tx) =>
        ToRow(tx.Handle, tx.OrgId, tx.State with { Step = SignInStep.Consumed, ExpiresAt = tx.State.Created + SignInMachine.MaxLifetime }, 0);

    private static SignInTransactionEntity ToRow(string handle, string orgId, SignInState state, long version) => new()
    {
        HandleHash = SecretHasher.Hash(handle), OrgId = orgId, Step = state.Step, Identifier = state.Identifier, UserId = state.UserId,
        Created = state.Created, ExpiresAt = state.ExpiresAt, Version = version,
        Assurance = state.Assurance, FactorId = state.FactorId, ChallengeId = state.ChallengeId, Enrolling = state.Enrolling,
    };

    /// <summary>A state handle: "02" (as the real service's begin) and 256 random bits.</summary>
    private static string NewHandle() => "02" + RandomIds.NewUrlSafeSecret();
}
