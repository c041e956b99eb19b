using System.Text.Json.Nodes;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SignIn;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.OrgKeys;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.AuthenticatorApp;

/// <summary>A device challenge as issued (docs/fastpass.md): its transaction id, the nonce (only its hash is stored), the signed request and its expiry.</summary>
public sealed record DeviceChallenge(string TransactionId, string Nonce, string Request, DateTimeOffset ExpiresAt, bool RequireUserVerification,
    IReadOnlyList<string> Integrations)
{
    /// <summary>The loopback ports the browser probes, in order (okta-api.md §10.5; the app listens on the first free one).</summary>
    public static readonly IReadOnlyList<int> LoopbackPorts = [6511, 6512, 6513];

    public const int ProbeTimeoutMillis = 3000;
}

/// <summary>What a FastPass challenge asks for besides the signed nonce.</summary>
public sealed record DeviceChallengeOptions(bool RequireUserVerification = false, IReadOnlyList<string>? RequireDeviceManagement = null);

/// <summary>A refused FastPass answer: the HTTP status, the message the device shows, its i18n key and the System Log reason.</summary>
public sealed class FastPassRefusedException(int status, string reason, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>The stable reason (<c>outcome.reason</c> in the System Log, the i18n key's last part).</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// FastPass, the authenticator app's <c>signed_nonce</c> method (okta-api.md §10.5, docs/fastpass.md). <see cref="CreateAsync"/>
/// issues a challenge signed by the org key (before any write: signing is the slow part); the sign-in engine stores the
/// hash of its nonce on the transaction. <see cref="AnswerAsync"/> checks the device's answer, a JWS by an enrolled device
/// key, step by step (each refusal logged with its reason), then spends the nonce with one conditional update
/// (<c>... WHERE DeviceChallengeNonceHash = @hash</c>), so of two answers, even concurrent ones, exactly one is taken. The
/// browser's poll then finishes the sign-in as a push's does.
/// </summary>
public sealed class FastPassChallenges(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, OrgSigningKeys keys, TimeProvider time)
{
    public const string Method = FactorTypes.SignedNonce;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>The integrations one challenge names at most (their ids fit the transaction's column; an org has a few MDMs, one per platform).</summary>
    public const int MaxIntegrations = 20;

    /// <summary>Issues a challenge for a sign-in of <paramref name="user"/> (null: passwordless, whoever's device answers).</summary>
    public async Task<DeviceChallenge> CreateAsync(string orgId, string orgUrl, UserEntity? user, DeviceChallengeOptions options, CancellationToken ct)
    {
        var authenticatorId = await VerifyAuthenticatorIdAsync(orgId, ct);
        var signer = await keys.SignerAsync(orgId, ct);
        var now = time.GetUtcNow();
        var transactionId = RandomIds.NewId(IdPrefix.DeviceChallenge, now);
        var nonce = RandomIds.NewUrlSafeSecret(); // 256 bits
        var expires = now + Lifetime;
        // The management probe (SCENARIOS.md B): while the org has active device integrations, every FastPass challenge
        // asks the device to prove management; the answer's proof (or its absence) is recorded on the device either way.
        var integrations = options.RequireDeviceManagement ?? await db.DeviceIntegrations.AsNoTracking()
            .Where(i => i.OrgId == orgId && i.Status == DeviceIntegrations.DeviceIntegrationStatus.Active).OrderBy(i => i.Id).Select(i => i.Id)
            .Take(MaxIntegrations).ToListAsync(ct);
        var claims = new JsonObject
        {
            ["iss"] = orgUrl, ["aud"] = authenticatorId, ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = expires.ToUnixTimeSeconds(), ["orgId"] = orgId,
            ["nonce"] = nonce, ["transactionId"] = transactionId,
            ["verificationUri"] = $"{orgUrl}/idp/idx/authenticators/{authenticatorId}/transactions/{transactionId}/verify",
            ["method"] = Method, ["userVerification"] = options.RequireUserVerification ? "required" : "preferred",
            ["signals"] = new JsonArray(), ["integrations"] = new JsonArray(integrations.Select(i => (JsonNode)new JsonObject { ["id"] = i }).ToArray()),
        };
        if (user is not null)
        {
            claims["loginHint"] = user.Login;
            claims["userId"] = user.Id;
        }

        return new DeviceChallenge(transactionId, nonce, signer.Sign(DeviceProof.TokenType, claims), IsoTime.Truncate(expires), options.RequireUserVerification, integrations);
    }

    /// <summary>Stores <paramref name="challenge"/> on the transaction row (only the nonce's hash), or clears the row's challenge when null.</summary>
    public static void Store(SignInTransactionEntity row, DeviceChallenge? challenge)
    {
        row.DeviceChallengeId = challenge?.TransactionId;
        row.DeviceChallengeNonceHash = challenge is null ? null : SecretHasher.Hash(challenge.Nonce);
        row.DeviceChallengeExpiresAt = challenge?.ExpiresAt;
        row.DeviceChallengeIntegrations = challenge is { Integrations.Count: > 0 } ? string.Join(' ', challenge.Integrations) : null;
        // Before the answer: the key type required (null: either); after it: the one that signed.
        row.DeviceChallengeKeyType = challenge is { RequireUserVerification: true } ? DeviceRequests.UserVerification : null;
        row.DeviceChallengeAnsweredBy = null;
    }

    /// <summary>Where the challenge of <paramref name="tx"/> stands: answered (by which enrollment), expired, or still waiting.</summary>
    public async Task<(string? AnsweredBy, bool Expired)> StatusAsync(SignInTransaction tx, CancellationToken ct)
    {
        var hash = SecretHasher.Hash(tx.Handle);
        var row = await db.SignInTransactions.AsNoTracking().Where(t => t.HandleHash == hash && t.OrgId == tx.OrgId)
            .Select(t => new { t.DeviceChallengeId, t.DeviceChallengeAnsweredBy, t.DeviceChallengeExpiresAt }).FirstOrDefaultAsync(ct);
        if (row is null || row.DeviceChallengeId is null || row.DeviceChallengeId != tx.State.ChallengeId)
        {
            return (null, true);
        }

        return (row.DeviceChallengeAnsweredBy, row.DeviceChallengeAnsweredBy is null && row.DeviceChallengeExpiresAt <= time.GetUtcNow());
    }

    /// <summary>
    /// The device's answer to challenge <paramref name="transactionId"/> (okta-api.md §10.5). Throws <see cref="FastPassRefusedException"/>
    /// (logged first) unless every check passes and this answer is the one that spends the nonce.
    /// </summary>
    public async Task AnswerAsync(string orgId, string authenticatorId, string transactionId, string? challengeResponse, string orgUrl, CancellationToken ct)
    {
        var row = transactionId.Length > 20 ? null
            : await db.SignInTransactions.AsNoTracking().FirstOrDefaultAsync(t => t.DeviceChallengeId == transactionId && t.OrgId == orgId, ct);
        if (row is null || authenticatorId != await VerifyAuthenticatorIdAsync(orgId, ct))
        {
            throw await RefuseAsync(orgId, null, null, 404, "transaction_not_found", "No such FastPass challenge: it was cancelled, used, or never issued; sign in again.", ct);
        }

        // §10.5: a JWS of typ okta-devicebind+jwt, alg ES256 (DeviceProof.Read accepts nothing else).
        var proof = DeviceProof.Read(challengeResponse);
        // The enrollment its iss names, with its device and user: one query by primary keys.
        var found = proof?.Claim("iss") is { Length: <= 20 } iss
            ? await (from e in db.DeviceEnrollments.AsNoTracking()
                     where e.Id == iss && e.OrgId == orgId
                     join d in db.Devices.AsNoTracking() on e.DeviceId equals d.Id
                     join u in db.Users.AsNoTracking() on e.UserId equals u.Id
                     select new { Enrollment = e, Device = d, User = u })
                .FirstOrDefaultAsync(ct)
            : null;
        var enrollment = found?.Enrollment;
        // The user signing in is the transaction's when it names one (a second factor), else whoever's key answered.
        var user = row.UserId is null || row.UserId == found?.User.Id ? found?.User
            : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == row.UserId && u.OrgId == orgId, ct);
        if (proof is null)
        {
            throw await RefuseAsync(orgId, user, null, 400, "invalid_token", "challengeResponse must be a JWS (ES256, typ okta-devicebind+jwt) signed by the device key.", ct);
        }

        if (enrollment is null)
        {
            throw await RefuseAsync(orgId, user, null, 401, "enrollment_not_found", "The answer's iss is not an enrollment of this org: enroll the app again.", ct);
        }

        var factor = await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.EnrollmentId == enrollment.Id && f.FactorType == Method, ct);
        var now = time.GetUtcNow();
        string keyType;
        try
        {
            // Signature by the enrollment's proof key or its user-verification key (by kid), aud = the challenge's iss (the org), iat/exp with skew.
            keyType = DeviceRequests.Check(proof, enrollment, orgUrl, now, userVerificationKey: true);
        }
        catch (Core.Errors.ApiException e)
        {
            var cause = e.Error.Causes.Count > 0 ? e.Error.Causes[0] : e.Error.Summary;
            throw await RefuseAsync(orgId, user, factor, 401, cause.Split(':')[0], $"The answer was not accepted: {cause}.", ct);
        }

        if (row.UserId is not null && enrollment.UserId != row.UserId)
        {
            throw await RefuseAsync(orgId, user, factor, 403, "wrong_user", "The answer is signed by a device key of another user than the one signing in.", ct);
        }

        if (proof.Claim("sub") != enrollment.UserId || proof.Claim("tx") != transactionId)
        {
            throw await RefuseAsync(orgId, user, factor, 401, "invalid_challenge_response", "The answer is not for this challenge (sub or tx differ).", ct);
        }

        if (proof.Claim("keyType") is { } claimed && claimed != keyType)
        {
            throw await RefuseAsync(orgId, user, factor, 401, "key_type_mismatch", $"The answer claims keyType {claimed} but is signed by the {keyType} key.", ct);
        }

        if (row.DeviceChallengeKeyType == DeviceRequests.UserVerification && keyType != DeviceRequests.UserVerification)
        {
            throw await RefuseAsync(orgId, user, factor, 401, "user_verification_required", "This sign-in requires user verification: sign with the user-verification key.", ct);
        }

        if (row.DeviceChallengeNonceHash is null || row.DeviceChallengeAnsweredBy is not null)
        {
            throw await RefuseAsync(orgId, user, factor, 409, "challenge_already_used", "This challenge was already answered; sign in again.", ct);
        }

        if (row.DeviceChallengeExpiresAt <= now || row.ExpiresAt <= now || row.Step is not (SignInStep.DeviceChallenge or SignInStep.Authenticator)
            || row.ChallengeId != transactionId)
        {
            throw await RefuseAsync(orgId, user, factor, 410, "challenge_expired", "The challenge expired (or the sign-in moved on) before the answer arrived; sign in again.", ct);
        }

        var nonce = proof.Claim("nonce") ?? "";
        if (!SecretHasher.FixedTimeEquals(SecretHasher.Hash(nonce), row.DeviceChallengeNonceHash))
        {
            throw await RefuseAsync(orgId, user, factor, 401, "invalid_nonce", "The answer signs another nonce than this challenge's.", ct);
        }

        var device = found!.Device;
        if (device.Status != DeviceStatus.Active || user is null || !Core.Users.UserLifecycle.CanSignIn(user.Status))
        {
            var reason = device.Status == DeviceStatus.Suspended ? "device_suspended" : device.Status != DeviceStatus.Active ? "device_deactivated" : "user_not_active";
            throw await RefuseAsync(orgId, user, factor, 403, reason, reason switch
            {
                "device_suspended" => "An admin suspended this device; FastPass works again when it is unsuspended.",
                "device_deactivated" => "An admin deactivated this device: enroll the app again.",
                _ => "The user may not sign in (suspended, deactivated or not active).",
            }, ct);
        }

        DeviceIntegrations.ManagementProofResult? management = null;
        if (row.DeviceChallengeIntegrations is { } required)
        {
            // The proof for an integration the challenge named (the one for this device's platform, when it sent several).
            var named = required.Split(' ');
            var proofs = (proof.Claims["integrations"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(i => (Id: (string?)(i["id"] as JsonValue), Proof: (string?)(i["proof"] as JsonValue)))
                .Where(i => i.Id is not null && i.Proof is not null && named.Contains(i.Id)).ToList();
            var forPlatform = await db.DeviceIntegrations.AsNoTracking().Where(i => named.Contains(i.Id) && i.Platform == device.Platform).Select(i => i.Id).ToListAsync(ct);
            var jws = proofs.FirstOrDefault(p => forPlatform.Contains(p.Id!)).Proof ?? proofs.FirstOrDefault().Proof;
            management = await DeviceIntegrations.DeviceManagementProof.VerifyAsync(db, orgId, device.Platform, jws, nonce, transactionId, orgUrl, now, ct);
        }

        // Single use: only the answer that still finds the nonce's hash spends it; a replayed or racing one updates nothing.
        var hash = row.DeviceChallengeNonceHash;
        var taken = await write.RunAsync(orgId, async () =>
        {
            var changed = await db.SignInTransactions
                .Where(t => t.HandleHash == row.HandleHash && t.DeviceChallengeId == transactionId && t.DeviceChallengeNonceHash == hash)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.DeviceChallengeNonceHash, (string?)null)
                    .SetProperty(t => t.DeviceChallengeAnsweredBy, enrollment.Id).SetProperty(t => t.DeviceChallengeKeyType, keyType), ct);
            if (changed == 1)
            {
                Stage(user, factor, new LogOutcome(LogOutcomeResult.Success), transactionId, keyType, secondFactor: row.Step == SignInStep.Authenticator);
                if (management is not null)
                {
                    // MANAGED with pki.cert.bind SUCCESS, or the refusal kept for the device's why-not text; the sign-in goes on and the policy decides.
                    await DeviceIntegrations.DeviceManagement.RecordManagementResultAsync(db, log, orgId, device.Id, enrollment.UserId, management, now, ct);
                }
                else
                {
                    await DeviceIntegrations.DeviceManagement.RecordFastPassAsync(db, orgId, device.Id, enrollment.UserId, now, ct);
                }
            }

            return changed == 1;
        }, ct);
        if (!taken)
        {
            throw await RefuseAsync(orgId, user, factor, 409, "challenge_already_used", "This challenge was already answered; sign in again.", ct);
        }
    }

    /// <summary>The org's Okta Verify authenticator id: made with the org and never removed, so it is read once per process.</summary>
    private async Task<string> VerifyAuthenticatorIdAsync(string orgId, CancellationToken ct)
    {
        if (!AuthenticatorIds.TryGetValue(orgId, out var id))
        {
            id = await db.Authenticators.AsNoTracking().Where(a => a.OrgId == orgId && a.Key == DefaultAuthenticators.OktaVerify).Select(a => a.Id).FirstAsync(ct);
            AuthenticatorIds[orgId] = id;
        }

        return id;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> AuthenticatorIds = new(StringComparer.Ordinal);

    /// <summary>Logs a refused answer (<c>user.authentication.auth_via_mfa</c> FAILURE with the reason) and returns the refusal to throw.</summary>
    private async Task<FastPassRefusedException> RefuseAsync(string orgId, UserEntity? user, UserFactorEntity? factor, int status, string reason, string message,
        CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await write.RunAsync(orgId, () =>
        {
            Stage(user, factor, new LogOutcome(LogOutcomeResult.Failure, reason), null, null, secondFactor: false);
            return Task.CompletedTask;
        }, ct);
        return new FastPassRefusedException(status, reason, message);
    }

    private void Stage(UserEntity? user, UserFactorEntity? factor, LogOutcome outcome, string? transactionId, string? keyType, bool secondFactor)
    {
        var targets = new List<LogTarget>();
        if (user is not null)
        {
            targets.Add(UserResources.Target(user));
        }

        if (factor is not null)
        {
            targets.Add(FactorResources.Target(factor) with { DetailEntry = new Dictionary<string, object?> { ["methodTypeUsed"] = "Okta Verify FastPass" } });
        }

        log.Stage(EventTypes.AuthViaMfa, targets, outcome, displayMessage: "Authentication of user via MFA",
            debugData: new Dictionary<string, object?>
            {
                ["factor"] = "SIGNED_NONCE", ["factorIntent"] = secondFactor ? "SECOND_FACTOR" : "PRIMARY",
                ["keyTypeUsedForAuthentication"] = keyType, ["transactionId"] = transactionId,
            },
            actor: user is null ? SignInEvents.Unknown(null) : SignInEvents.Actor(user));
    }
}
