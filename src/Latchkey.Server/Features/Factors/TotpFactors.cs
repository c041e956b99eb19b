using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.Factors;

/// <summary>What checking a code did; <see cref="Factor"/> is null when there is no such factor of the user.</summary>
public sealed record TotpAnswer(TotpOutcome Outcome, UserFactorEntity? Factor, bool NotActive = false);

/// <summary>
/// Checks a TOTP code of a user's factor (verify, or the activation of a new enrollment) in one org write: the code is
/// checked with <see cref="TotpVerifier"/>, the accepted time step is claimed by a conditional update (only if it is
/// still after the stored one, so of two servers racing one code exactly one wins), failures and the lock are counted,
/// and every success, failure and lock goes to the System Log with the user and the factor as targets.
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
    public async Task<TotpAnswer> AnswerAsync(UserEntity user, string factorId, string? passCode, bool activating, LogActor? actor, CancellationToken ct) =>
        await write.RunAsync(user.OrgId, async () =>
        {
            var now = IsoTime.Truncate(time.GetUtcNow());
            var factor = await db.UserFactors.FirstOrDefaultAsync(f => f.Id == factorId && f.UserId == user.Id && f.OrgId == user.OrgId, ct);
            if (factor is null || factor.FactorType != FactorTypes.Totp)
            {
                return new TotpAnswer(TotpOutcome.Invalid, factor, NotActive: factor is not null);
            }

            var expected = activating ? FactorStatus.PendingActivation : FactorStatus.Active;
            if (factor.Status != expected || (activating && factor.ActivationExpiresAt is { } until && until <= now))
            {
                return new TotpAnswer(TotpOutcome.Invalid, factor, NotActive: true);
            }

            var state = new TotpFactorState(factor.LastAcceptedStep, factor.FailedAttempts, factor.LockedUntil);
            var secret = secrets.Open(factor.SealedSecret);
            var check = secret is null
                ? new TotpCheck(TotpOutcome.Invalid, 0, state with { ConsecutiveFailures = state.ConsecutiveFailures + 1 }, false)
                : TotpVerifier.Check(secret, passCode, now, state, Policy);
            var outcome = check.Outcome;
            if (outcome == TotpOutcome.Accepted)
            {
                var step = check.Step;
                var claimed = await db.UserFactors.Where(f => f.Id == factor.Id && (f.LastAcceptedStep == null || f.LastAcceptedStep < step))
                    .ExecuteUpdateAsync(s => s.SetProperty(f => f.LastAcceptedStep, step), ct);
                outcome = claimed == 1 ? TotpOutcome.Accepted : TotpOutcome.Replayed;
            }

            if (outcome == TotpOutcome.Accepted)
            {
                (factor.LastAcceptedStep, factor.FailedAttempts, factor.LockedUntil) = (check.Step, 0, null);
                if (activating)
                {
                    (factor.Status, factor.ActivationExpiresAt, factor.LastUpdated) = (FactorStatus.Active, null, now);
                    log.Stage(EventTypes.FactorActivate, [UserResources.Target(user), FactorResources.Target(factor)], actor: actor);
                }
            }
            else if (outcome != TotpOutcome.Replayed)
            {
                (factor.FailedAttempts, factor.LockedUntil) = (check.Next.ConsecutiveFailures, check.Next.LockedUntil);
            }

            log.Stage(EventTypes.UserVerify, [UserResources.Target(user), FactorResources.Target(factor)],
                outcome == TotpOutcome.Accepted ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, Reason(outcome, secret is null)),
                debugData: new Dictionary<string, object?> { ["factor"] = factor.FactorType, ["factorId"] = factor.Id, ["provider"] = factor.Provider },
                actor: actor);
            if (check.LockedNow)
            {
                log.Stage(EventTypes.FactorSuspend, [UserResources.Target(user), FactorResources.Target(factor)],
                    new LogOutcome(LogOutcomeResult.Success, $"Locked for {Policy.LockDuration.TotalMinutes:0} minutes after {Policy.MaxFailures} wrong codes"),
                    actor: actor);
            }

            return new TotpAnswer(outcome, factor);
        }, ct);

    private static string Reason(TotpOutcome outcome, bool unreadableSecret) => outcome switch
    {
        TotpOutcome.Replayed => "PASSCODE_REPLAYED",
        TotpOutcome.Locked => "LOCKED_OUT",
        _ when unreadableSecret => "FACTOR_SECRET_UNREADABLE",
        _ => "INVALID_CREDENTIALS",
    };
}
