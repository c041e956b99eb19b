using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Hosting;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.Factors;

/// <summary>What checking a code did; <see cref="Factor"/> is null when there is no such factor of the user.</summary>
public sealed record TotpAnswer(TotpOutcome Outcome, UserFactorEntity? Factor, bool NotActive = false)
{
    /// <summary>The factor's authenticator (or its code method) was deactivated in the org: no code of it is accepted.</summary>
    public bool AuthenticatorInactive { get; init; }
}

/// <summary>
/// Checks a TOTP code of a user's factor (verify, or the activation of a new enrollment): the code is checked with
/// <see cref="TotpVerifier"/> before the org's write turn, and the result (the accepted time step, the failure count,
/// the lock) is written in it only if the factor is still the version that was checked (a conditional update), so of two
/// requests racing one code, on one server or several sharing a database, exactly one wins. Every success, failure and
/// lock goes to the System Log with the user and the factor as targets.
/// </summary>
public sealed class TotpFactors(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, FactorSecrets secrets, TimeProvider time,
    IOptions<LatchkeyOptions> options)
{
    public TotpPolicy Policy { get; } = new()
    {
        DriftSteps = options.Value.Factors.TotpDriftSteps, MaxFailures = options.Value.Factors.MaxFailures,
        LockDuration = TimeSpan.FromMinutes(options.Value.Factors.LockMinutes),
    };

    /// <summary>Checks <paramref name="passCode"/>; <paramref name="actor"/> is whoever answered (null: the API caller).</summary>
    /// <param name="onAccepted">Staged in the same write as an accepted code (e.g. the caller's own success event), so one commit records both.</param>
    public async Task<TotpAnswer> AnswerAsync(UserEntity user, string factorId, string? passCode, bool activating, LogActor? actor, CancellationToken ct,
        Func<Task>? onAccepted = null)
    {
        // The factor is read and the code checked before the org's write turn; the turn only writes the result, on the
        // condition that the factor is still the version read. Losing that race (another answer was written first) means
        // reading and checking again: the code is then a replay, or counts against the new state.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AnswerOnceAsync(user, factorId, passCode, activating, actor, onAccepted, ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
            {
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateConcurrencyException)
            {
                // Every attempt lost to another answer of the same factor: too many at once, not a server fault.
                throw new ApiException(ApiErrors.RateLimited());
            }
        }
    }

    private const int MaxAttempts = 5;

    /// <summary>A factor with its authenticator (whose status and methods say whether its codes count), read in one query.</summary>
    private sealed record FactorRead(UserFactorEntity Factor, AuthenticatorEntity? Authenticator);

    /// <summary>Compiled: every verification reads its factor and the factor's authenticator first, in one round trip.</summary>
    private static readonly Func<LatchkeyDbContext, string, string, string, CancellationToken, Task<FactorRead?>> FactorById =
        EF.CompileAsyncQuery((LatchkeyDbContext db, string orgId, string userId, string id, CancellationToken _) =>
            (from f in db.UserFactors.AsNoTracking()
             where f.Id == id && f.UserId == userId && f.OrgId == orgId
             join a in db.Authenticators.AsNoTracking()
                 on new { f.OrgId, Key = f.Provider == FactorProviders.Google ? DefaultAuthenticators.GoogleOtp : DefaultAuthenticators.OktaVerify }
                 equals new { a.OrgId, a.Key } into authenticators
             from a in authenticators.DefaultIfEmpty()
             select new FactorRead(f, a)).FirstOrDefault());

    private async Task<TotpAnswer> AnswerOnceAsync(UserEntity user, string factorId, string? passCode, bool activating, LogActor? actor, Func<Task>? onAccepted,
        CancellationToken ct)
    {
        var read = await FactorById(db, user.OrgId, user.Id, factorId, ct);
        var factor = read?.Factor;
        if (factor is null || factor.FactorType != FactorTypes.Totp)
        {
            return new TotpAnswer(TotpOutcome.Invalid, factor, NotActive: factor is not null);
        }

        var now = IsoTime.Truncate(time.GetUtcNow());
        var expected = activating ? FactorStatus.PendingActivation : FactorStatus.Active;
        // A factor of the authenticator app is usable only while its device is ACTIVE (a suspended device's are refused).
        if (factor.Status != expected || (activating && factor.ActivationExpiresAt is { } until && until <= now)
            || (factor.EnrollmentId is { } enrollment && !await DeviceLifecycle.EnrollmentUsableAsync(db, factor.OrgId, enrollment, ct)))
        {
            return new TotpAnswer(TotpOutcome.Invalid, factor, NotActive: true);
        }

        // An admin who deactivates the authenticator (or its code method) stops its existing factors too, not only new enrollments.
        if (!AuthenticatorsApi.MethodActive(read!.Authenticator, FactorsApi.AuthenticatorOf(factor.Provider ?? FactorProviders.Okta).Method))
        {
            return new TotpAnswer(TotpOutcome.Invalid, factor, NotActive: true) { AuthenticatorInactive = true };
        }

        var state = new TotpFactorState(factor.LastAcceptedStep, factor.FailedAttempts, factor.LockedUntil);
        var secret = secrets.Open(factor.OrgId, factor.Id, factor.SealedSecret);
        var check = TotpVerifier.Check(secret, passCode, now, state, Policy);

        return await write.RunAsync(user.OrgId, async () =>
        {
            var changes = check.Outcome is TotpOutcome.Accepted or TotpOutcome.Invalid;
            if (changes)
            {
                // Written as UPDATE ... WHERE Id = @id AND Version = @read: of two answers racing one code, one wins.
                db.UserFactors.Attach(factor);
                (factor.LastAcceptedStep, factor.FailedAttempts, factor.LockedUntil) = (check.Next.LastAcceptedStep, check.Next.ConsecutiveFailures, check.Next.LockedUntil);
                factor.Version++;
            }

            if (check.Outcome == TotpOutcome.Accepted && activating)
            {
                (factor.Status, factor.ActivationExpiresAt, factor.LastUpdated) = (FactorStatus.Active, null, now);
                log.Stage(EventTypes.FactorActivate, [UserResources.Target(user), FactorResources.Target(factor)], actor: actor);
            }

            log.Stage(EventTypes.UserVerify, [UserResources.Target(user), FactorResources.Target(factor)],
                check.Outcome == TotpOutcome.Accepted ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, Reason(check.Outcome, secret is null)),
                debugData: new Dictionary<string, object?> { ["factor"] = factor.FactorType, ["factorId"] = factor.Id, ["provider"] = factor.Provider },
                actor: actor);
            if (check.LockedNow)
            {
                log.Stage(EventTypes.FactorSuspend, [UserResources.Target(user), FactorResources.Target(factor)],
                    new LogOutcome(LogOutcomeResult.Success, $"Locked for {Policy.LockDuration.TotalMinutes:0} minutes after {Policy.MaxFailures} wrong codes"),
                    actor: actor);
            }

            if (check.Outcome == TotpOutcome.Accepted && onAccepted is not null)
            {
                await onAccepted();
            }

            return new TotpAnswer(check.Outcome, factor);
        }, ct);
    }

    private static string Reason(TotpOutcome outcome, bool unreadableSecret) => outcome switch
    {
        TotpOutcome.Replayed => "PASSCODE_REPLAYED",
        TotpOutcome.Locked => "LOCKED_OUT",
        _ when unreadableSecret => "FACTOR_SECRET_UNREADABLE",
        _ => "INVALID_CREDENTIALS",
    };
}
