using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.AuthenticatorApp;

public static class PushStatus
{
    public const string Waiting = "WAITING";
    public const string Success = "SUCCESS";
    public const string Rejected = "REJECTED";
    public const string Timeout = "TIMEOUT";
    public const string Cancelled = "CANCELLED";
}

/// <summary>Where a sign-in that sent a push came from, shown on the device so the person can tell it is theirs.</summary>
public sealed record PushOrigin(string? IpAddress, string? UserAgent, string AppName)
{
    /// <summary>The OAuth client that asked for the push (the Desktop MFA app), kept so only it can follow the push.</summary>
    public string? ClientId { get; init; }

    /// <summary>The computer the sign-in is on, as its agent names it (Desktop MFA), shown on the device.</summary>
    public string? Computer { get; init; }

    /// <summary>The Desktop MFA agent's id for that computer, when it sent one (the approved push counts as an online sign-in there).</summary>
    public string? ComputerId { get; init; }
}

/// <summary>
/// Push challenges (docs/authenticator-app.md §4-6): sent to one device enrollment, answered by the device with a JWS
/// over the push's nonce by its proof-of-possession key, and, when the number challenge applies, with the number the
/// person read on the sign-in screen (never sent to the device). A push is answered once: the answer is written only
/// on the version that was read (a concurrency token), so of two racing answers one wins and the other is refused as
/// already answered. Expiry is judged by the clock at every read; nothing has to sweep.
/// </summary>
public sealed class PushChallenges(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PushSignals signals, TimeProvider time,
    IOptions<LatchkeyOptions> options)
{
    public const int MaxWaitSeconds = 30;

    /// <summary>Sends a push to the device of <paramref name="factor"/> (a push factor of <paramref name="user"/>).</summary>
    public async Task<PushChallengeEntity> SendAsync(UserEntity user, UserFactorEntity factor, bool askNumber, PushOrigin origin, LogActor? actor,
        CancellationToken ct)
    {
        if (factor.EnrollmentId is null)
        {
            throw new ApiException(new ApiError(410, "E0000154", "Invalid factor id, it is not currently active."));
        }

        var orgId = user.OrgId;
        var enrollment = await db.DeviceEnrollments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == factor.EnrollmentId, ct);
        var device = enrollment is null ? null : await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == enrollment.DeviceId, ct);
        if (enrollment is null || device is not { Status: DeviceStatus.Active })
        {
            throw new ApiException(new ApiError(410, "E0000154", "Invalid factor id, it is not currently active.",
                ["The factor's device is suspended or deactivated."]));
        }

        var authenticator = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == orgId && a.Key == DefaultAuthenticators.OktaVerify, ct);
        if (!AuthenticatorsApi.MethodActive(authenticator, FactorTypes.Push))
        {
            throw new ApiException(ApiErrors.Validation("factor", "Push is not active for the Okta Verify authenticator in this organization"));
        }

        var number = askNumber || NumberChallengeAlways(authenticator!);
        var now = IsoTime.Truncate(time.GetUtcNow());
        var push = new PushChallengeEntity
        {
            Id = RandomIds.NewId(IdPrefix.PushTransaction, now), OrgId = orgId, UserId = user.Id, FactorId = factor.Id, EnrollmentId = enrollment.Id,
            Nonce = RandomIds.NewBase62(32), CorrectAnswer = number ? RandomNumberGenerator.GetInt32(10, 100) : null, Status = PushStatus.Waiting,
            ContextJson = Context(user, origin).ToJsonString(),
            Created = now, ExpiresAt = now.AddMinutes(options.Value.Factors.PushMinutes),
        };
        await write.RunAsync(orgId, () =>
        {
            db.PushChallenges.Add(push);
            log.Stage(EventTypes.OktaVerifyPush, [UserResources.Target(user), FactorResources.Target(factor)], new LogOutcome(LogOutcomeResult.Challenge),
                displayMessage: "Push sent to the authenticator app", actor: actor,
                debugData: new Dictionary<string, object?> { ["factor"] = factor.FactorType, ["factorId"] = factor.Id, ["transactionId"] = push.Id, ["numberChallenge"] = number });
            return Task.CompletedTask;
        }, ct);
        signals.Notify(enrollment.Id);
        return push;
    }

    private static JsonObject Context(UserEntity user, PushOrigin origin)
    {
        var context = new JsonObject
        {
            ["login"] = user.Login, ["ipAddress"] = origin.IpAddress, ["userAgent"] = origin.UserAgent,
            ["browser"] = UserAgents.Browser(origin.UserAgent), ["os"] = UserAgents.Os(origin.UserAgent), ["appName"] = origin.AppName,
        };
        if (origin.ClientId is not null)
        {
            context["clientId"] = origin.ClientId;
        }

        if (origin.Computer is not null)
        {
            context["computer"] = origin.Computer;
        }

        if (origin.ComputerId is not null)
        {
            context["computerId"] = origin.ComputerId;
        }

        return context;
    }

    /// <summary>The push as a poller sees it: a waiting push past its expiry reads as <c>TIMEOUT</c>.</summary>
    public string StatusOf(PushChallengeEntity push) =>
        push.Status == PushStatus.Waiting && push.ExpiresAt <= time.GetUtcNow() ? PushStatus.Timeout : push.Status;

    public Task<PushChallengeEntity?> FindAsync(string orgId, string userId, string factorId, string transactionId, CancellationToken ct) =>
        transactionId.Length > 20 ? Task.FromResult<PushChallengeEntity?>(null)
            : db.PushChallenges.AsNoTracking().FirstOrDefaultAsync(p => p.Id == transactionId && p.OrgId == orgId && p.UserId == userId && p.FactorId == factorId, ct);

    /// <summary>The pushes waiting for this enrollment; waits up to <paramref name="wait"/> for one to arrive.</summary>
    public async Task<List<PushChallengeEntity>> PendingAsync(DeviceCaller caller, TimeSpan wait, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            // Ask for the signal before reading, so a push written between the read and the wait still wakes us.
            var next = signals.Next(caller.Enrollment.Id);
            var now = time.GetUtcNow();
            var pending = await db.PushChallenges.AsNoTracking()
                .Where(p => p.EnrollmentId == caller.Enrollment.Id && p.Status == PushStatus.Waiting && p.ExpiresAt > now)
                .OrderBy(p => p.Id).ToListAsync(ct);
            var left = deadline - now;
            if (pending.Count > 0 || left <= TimeSpan.Zero)
            {
                return pending;
            }

            await Task.WhenAny(next, Task.Delay(left < PushSignals.Recheck ? left : PushSignals.Recheck, time, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The device's answer: a JWS by the enrollment's key over this push's nonce, approving or denying.</summary>
    public async Task<string> AnswerAsync(string orgId, string transactionId, string? challengeResponse, string orgUrl, CancellationToken ct)
    {
        var push = transactionId.Length > 20 ? null
            : await db.PushChallenges.AsNoTracking().FirstOrDefaultAsync(p => p.Id == transactionId && p.OrgId == orgId, ct);
        if (push is null)
        {
            throw new ApiException(ApiErrors.NotFound(transactionId, "Transaction"));
        }

        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == push.UserId, ct);
        var factor = await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.Id == push.FactorId, ct);
        var enrollment = await db.DeviceEnrollments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == push.EnrollmentId, ct);
        if (factor is null || enrollment is null)
        {
            await RefuseAsync(push, user, null, "enrollment_removed", ct);
            throw DeviceRequests.Refused("enrollment_not_found: the device's enrollment was removed; enroll the app again");
        }

        var proof = DeviceProof.Read(challengeResponse);
        string? wrong = null;
        try
        {
            if (proof is null)
            {
                throw DeviceRequests.Refused("invalid_token: challengeResponse must be a JWS (ES256, typ okta-devicebind+jwt)");
            }

            DeviceRequests.Check(proof, enrollment, orgUrl, time.GetUtcNow());
            if (proof.Claim("iss") != enrollment.Id || proof.Claim("tx") != push.Id || proof.Claim("sub") != push.UserId
                || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(proof.Claim("nonce") ?? ""), Encoding.UTF8.GetBytes(push.Nonce)))
            {
                throw DeviceRequests.Refused("invalid_challenge_response: the answer is not for this push (iss, sub, tx or nonce differ)");
            }
        }
        catch (ApiException e)
        {
            wrong = e.Error.Causes.Count > 0 ? e.Error.Causes[0] : e.Error.Summary;
            await RefuseAsync(push, user, factor, wrong.Split(':')[0], ct);
            throw;
        }

        var device = await db.Devices.AsNoTracking().FirstAsync(d => d.Id == enrollment.DeviceId, ct);
        try
        {
            DeviceRequests.RequireUsable(device, user);
        }
        catch (ApiException)
        {
            await RefuseAsync(push, user, factor, device.Status == DeviceStatus.Active ? "user_not_active" : "device_not_active", ct);
            throw;
        }

        var context = proof!.Claims["challengeResponseContext"] as JsonObject;
        var consent = context?["userConsent"] is JsonValue c && c.TryGetValue<string>(out var s) ? s : null;
        if (consent is not ("APPROVED" or "DENIED"))
        {
            throw new ApiException(ApiErrors.Validation("challengeResponseContext.userConsent", "APPROVED or DENIED"));
        }

        int? number = context!["numberChallengeAnswer"] is JsonValue n && n.TryGetValue<int>(out var i) ? i
            : context["numberChallengeAnswer"] is JsonValue t && t.TryGetValue<string>(out var text) && int.TryParse(text, out var parsed) ? parsed
            : null;
        return await DecideAsync(push, user, factor, consent == "APPROVED", number, ct);
    }

    /// <summary>Cancels a waiting push (the poller gave up); an answered or expired one is left as it is.</summary>
    public async Task CancelAsync(PushChallengeEntity push, CancellationToken ct)
    {
        if (StatusOf(push) != PushStatus.Waiting)
        {
            return;
        }

        try
        {
            await write.RunAsync(push.OrgId, async () =>
            {
                db.PushChallenges.Attach(push);
                (push.Status, push.AnsweredAt) = (PushStatus.Cancelled, IsoTime.Truncate(time.GetUtcNow()));
                push.Version++;
                await Task.CompletedTask;
            }, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Answered in the meantime: the answer stands.
        }
    }

    private async Task<string> DecideAsync(PushChallengeEntity push, UserEntity user, UserFactorEntity factor, bool approved, int? number, CancellationToken ct)
    {
        var now = IsoTime.Truncate(time.GetUtcNow());
        var status = StatusOf(push);
        if (status != PushStatus.Waiting)
        {
            var expired = status == PushStatus.Timeout;
            await RefuseAsync(push, user, factor, expired ? "push_expired" : "push_already_answered", ct, markTimeout: expired);
            throw new ApiException(expired
                ? new ApiError(410, "E0000001", "Api validation failed: push", ["push_expired: the push expired before it was answered; sign in again"])
                : new ApiError(409, "E0000001", "Api validation failed: push", [$"push_already_answered: the push is already {status}"]));
        }

        var wrongNumber = approved && push.CorrectAnswer is { } correct && number != correct;
        var result = approved && !wrongNumber ? PushStatus.Success : PushStatus.Rejected;
        try
        {
            await write.RunAsync(push.OrgId, () =>
            {
                db.PushChallenges.Attach(push);
                (push.Status, push.AnsweredAt) = (result, now);
                push.Version++;
                var targets = new[] { UserResources.Target(user), FactorResources.Target(factor) };
                var debug = new Dictionary<string, object?> { ["factor"] = factor.FactorType, ["factorId"] = factor.Id, ["transactionId"] = push.Id };
                if (!approved)
                {
                    log.Stage(EventTypes.OktaVerifyDenyPush, targets, new LogOutcome(LogOutcomeResult.Failure, "USER_REJECTED"), actor: Actor(user), debugData: debug);
                }
                else
                {
                    log.Stage(EventTypes.OktaVerifyPush, targets,
                        wrongNumber ? new LogOutcome(LogOutcomeResult.Failure, "NUMBER_CHALLENGE_MISMATCH") : new LogOutcome(LogOutcomeResult.Success),
                        actor: Actor(user), debugData: debug);
                }

                DesktopMfa.DesktopMfaLog.PushAnswered(log, push, user, result == PushStatus.Success ? null
                    : wrongNumber ? DesktopMfa.DesktopMfaReasons.WrongNumber : DesktopMfa.DesktopMfaReasons.PushRejected);
                return Task.CompletedTask;
            }, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            await RefuseAsync(push, user, factor, "push_already_answered", ct);
            throw new ApiException(new ApiError(409, "E0000001", "Api validation failed: push", ["push_already_answered: the push was answered by another request"]));
        }

        if (wrongNumber)
        {
            throw new ApiException(new ApiError(403, "E0000068", "Invalid Passcode/Answer",
                ["number_mismatch: the number chosen is not the one shown at sign-in; the push is rejected"]));
        }

        return result;
    }

    /// <summary>Logs a refused answer with its reason; an expired push is marked <c>TIMEOUT</c> on the way.</summary>
    private async Task RefuseAsync(PushChallengeEntity push, UserEntity user, UserFactorEntity? factor, string reason, CancellationToken ct, bool markTimeout = false)
    {
        db.ChangeTracker.Clear();
        try
        {
            await write.RunAsync(push.OrgId, () =>
            {
                if (markTimeout && push.Status == PushStatus.Waiting)
                {
                    db.PushChallenges.Attach(push);
                    push.Status = PushStatus.Timeout;
                    push.Version++;
                }

                var targets = factor is null ? new[] { UserResources.Target(user) } : [UserResources.Target(user), FactorResources.Target(factor)];
                log.Stage(EventTypes.OktaVerifyPush, targets, new LogOutcome(LogOutcomeResult.Failure, reason), actor: Actor(user),
                    debugData: new Dictionary<string, object?> { ["transactionId"] = push.Id, ["factorId"] = push.FactorId });
                return Task.CompletedTask;
            }, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone else changed the push meanwhile; the refusal itself stands and was the point.
            db.ChangeTracker.Clear();
        }
    }

    private static LogActor Actor(UserEntity user) => SignIn.SignInEvents.Actor(user);

    private static bool NumberChallengeAlways(AuthenticatorEntity authenticator) =>
        authenticator.SettingsJson is { } json && JsonNode.Parse(json)?["channelBinding"]?["required"]?.GetValue<string>() == "ALWAYS";

    /// <summary>The push as the device receives it (docs/authenticator-app.md §4): everything but the number.</summary>
    public static JsonObject ToPending(PushChallengeEntity p, string authenticatorId, string orgUrl) => new()
    {
        ["transactionId"] = p.Id, ["method"] = FactorTypes.Push, ["factorId"] = p.FactorId, ["nonce"] = p.Nonce,
        ["numberChallenge"] = p.CorrectAnswer is not null, ["created"] = IsoTime.Write(p.Created), ["expiresAt"] = IsoTime.Write(p.ExpiresAt),
        ["context"] = JsonNode.Parse(p.ContextJson),
        ["verificationUri"] = $"{orgUrl}/idp/idx/authenticators/{authenticatorId}/transactions/{p.Id}/verify",
    };
}

/// <summary>A coarse reading of a User-Agent header: enough for a person to recognise their own browser on the push.</summary>
public static class UserAgents
{
    public static string Browser(string? ua) => ua switch
    {
        null or "" => "UNKNOWN",
        _ when ua.Contains("Edg/", StringComparison.Ordinal) => "EDGE",
        _ when ua.Contains("Firefox/", StringComparison.Ordinal) => "FIREFOX",
        _ when ua.Contains("Chrome/", StringComparison.Ordinal) || ua.Contains("Chromium/", StringComparison.Ordinal) => "CHROME",
        _ when ua.Contains("Safari/", StringComparison.Ordinal) => "SAFARI",
        _ => "UNKNOWN",
    };

    public static string Os(string? ua) => ua switch
    {
        null or "" => "Unknown",
        _ when ua.Contains("Android", StringComparison.Ordinal) => "Android",
        _ when ua.Contains("iPhone", StringComparison.Ordinal) || ua.Contains("iPad", StringComparison.Ordinal) => "iOS",
        _ when ua.Contains("Windows", StringComparison.Ordinal) => "Windows",
        _ when ua.Contains("Mac OS X", StringComparison.Ordinal) || ua.Contains("Macintosh", StringComparison.Ordinal) => "Mac OS X",
        _ when ua.Contains("CrOS", StringComparison.Ordinal) => "Chrome OS",
        _ when ua.Contains("Linux", StringComparison.Ordinal) => "Linux",
        _ => "Unknown",
    };
}
