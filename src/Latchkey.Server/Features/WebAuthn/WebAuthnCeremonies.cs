using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>Options for <c>navigator.credentials.create()</c> / <c>get()</c> as JSON, and the challenge they carry.</summary>
public sealed record WebAuthnOptions(string OptionsJson, string Challenge, DateTimeOffset ExpiresAt)
{
    public JsonObject Options => JsonNode.Parse(OptionsJson)!.AsObject();
}

/// <summary>How a ceremony ended: on success the factor and credential; on failure why, in words a person can act on.</summary>
public sealed record WebAuthnOutcome(bool Succeeded, string? Reason, UserFactorEntity? Factor, WebAuthnCredentialEntity? Credential)
{
    public static WebAuthnOutcome Fail(string reason, UserFactorEntity? factor = null) => new(false, reason, factor, null);
}

/// <summary>
/// The WebAuthn registration and assertion ceremonies, run by ASP.NET Core Identity's <see cref="PasskeyHandler{TUser}"/>
/// over Latchkey's tables (<see cref="WebAuthnUserStore"/>). The relying party is the org: its id is the host of the
/// org URL the request came to, the only origin accepted is that URL. Each challenge is stored in the database, bound to
/// its user and purpose, used at most once and only for 5 minutes, so the node that finishes a ceremony need not be the
/// one that started it. On top of the handler's checks: the org's user verification setting, the attestation statement
/// (<see cref="WebAuthnAttestation"/>), the AAGUID allow-list, and the signature counter, applied in one conditional
/// update so that a counter that did not move forward is refused and logged as a possible clone. Every registration and
/// verification, success or failure, is in the System Log with the user and the factor as targets.
/// </summary>
public sealed class WebAuthnCeremonies(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time, WebAuthnUserManager users)
{
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);
    public const string Registration = "registration";
    public const string Assertion = "assertion";
    private const string ReasonKey = "latchkey.webauthn.reason";

    /// <summary>Creation options for <paramref name="user"/> (their registered credentials excluded); <paramref name="factorId"/>: the pending factor of a Factors API enrollment.</summary>
    public async Task<WebAuthnOptions> RegistrationOptionsAsync(UserEntity user, HttpContext http, CancellationToken ct, string? factorId = null)
    {
        var policy = await WebAuthnPolicy.ForOrgAsync(db, user.OrgId, ct);
        var handler = Handler(policy.RegistrationUserVerification, policy.Attachment, http);
        var made = await handler.MakeCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = user.Id, Name = user.Login, DisplayName = DisplayName(user),
        }, http);
        return await StoreChallengeAsync(user, Registration, factorId, made.CreationOptionsJson, made.AttestationState ?? throw NoState(), ct);
    }

    /// <summary>Request options for <paramref name="user"/>: any of their credentials may answer (<c>allowCredentials</c> lists them).</summary>
    public async Task<WebAuthnOptions> AssertionOptionsAsync(UserEntity user, HttpContext http, CancellationToken ct, string? factorId = null)
    {
        var policy = await WebAuthnPolicy.ForOrgAsync(db, user.OrgId, ct);
        if (!await db.WebAuthnCredentials.AnyAsync(c => c.OrgId == user.OrgId && c.UserId == user.Id, ct))
        {
            throw new ApiException(ApiErrors.Validation("factorType", "The user has no security key or biometric authenticator registered"));
        }

        var handler = Handler(policy.VerifyUserVerification, policy.Attachment, http);
        var made = await handler.MakeRequestOptionsAsync(ToWebAuthnUser(user), http);
        return await StoreChallengeAsync(user, Assertion, factorId, made.RequestOptionsJson, made.AssertionState ?? throw NoState(), ct);
    }

    /// <summary>
    /// Finishes a registration: <paramref name="credentialJson"/> is the <c>PublicKeyCredential</c> JSON of
    /// <c>navigator.credentials.create()</c>. The challenge is <paramref name="expectedChallenge"/> when the caller
    /// kept it (a sign-in transaction), else the one the client data names; either way one issued to this user for a
    /// registration, unused and unexpired. On success the credential is stored with an ACTIVE <c>webauthn</c> factor
    /// (the pending one of <paramref name="factorId"/>, or a new one named <paramref name="name"/>).
    /// </summary>
    public async Task<WebAuthnOutcome> RegisterAsync(UserEntity user, string credentialJson, string? name, HttpContext http, LogActor? actor,
        CancellationToken ct, string? expectedChallenge = null, string? factorId = null)
    {
        var credential = WebAuthnJson.Parse(credentialJson);
        if (credential is null)
        {
            return await RegistrationFailedAsync(user, factorId, "The credential is not a PublicKeyCredential JSON object", actor, ct);
        }

        var (state, refusal) = await ConsumeAsync(user, Registration, expectedChallenge ?? WebAuthnJson.ChallengeOf(credential), factorId, ct);
        if (state is null)
        {
            return await RegistrationFailedAsync(user, factorId, refusal!, actor, ct);
        }

        var policy = await WebAuthnPolicy.ForOrgAsync(db, user.OrgId, ct);
        var handler = Handler(policy.RegistrationUserVerification, policy.Attachment, http);
        http.Items.Remove(ReasonKey);
        var result = await handler.PerformAttestationAsync(new PasskeyAttestationContext
        {
            HttpContext = http, CredentialJson = credentialJson, AttestationState = state.StateJson,
        });
        if (!result.Succeeded)
        {
            return await RegistrationFailedAsync(user, factorId, ReasonOf(http, result.Failure), actor, ct);
        }

        if (result.UserEntity.Id != user.Id)
        {
            return await RegistrationFailedAsync(user, factorId, "The registration was started for another user", actor, ct);
        }

        var attestation = ParsedAttestation.Parse(WebAuthnJson.Bytes(WebAuthnJson.Text(credential["response"], "attestationObject"))!);
        if (CheckModel(policy, attestation) is { } modelRefusal)
        {
            return await RegistrationFailedAsync(user, factorId, modelRefusal, actor, ct);
        }

        var passkey = result.Passkey;
        var attachment = WebAuthnJson.AttachmentOf(credential);
        var model = policy.AllowedModels.GetValueOrDefault(attestation.Aaguid)?.Name;
        var displayName = Clean(name) ?? model ?? (attachment == "platform" ? "Built-in authenticator" : "Security key");
        return await write.RunAsync(user.OrgId, async () =>
        {
            var now = IsoTime.Truncate(time.GetUtcNow());
            var factor = factorId is null ? null : await db.UserFactors.FirstOrDefaultAsync(f => f.Id == factorId && f.OrgId == user.OrgId && f.UserId == user.Id, ct);
            if (factorId is not null && factor is not { Status: FactorStatus.PendingActivation })
            {
                return Failed(user, factor, "The enrollment is no longer pending: enroll the factor again", actor);
            }

            if (factor is null)
            {
                factor = new UserFactorEntity
                {
                    Id = RandomIds.NewId(IdPrefix.WebAuthnFactor, now), OrgId = user.OrgId, UserId = user.Id, FactorType = FactorTypes.WebAuthn,
                    Provider = FactorProviders.Fido, Status = FactorStatus.Active, ProfileJson = "{}", Created = now, LastUpdated = now,
                };
                db.UserFactors.Add(factor);
            }

            var credentialId = Base64Url.EncodeToString(passkey.CredentialId);
            (factor.Status, factor.ActivationExpiresAt, factor.LastUpdated, factor.Version) = (FactorStatus.Active, null, now, factor.Version + 1);
            factor.ProfileJson = new JsonObject { ["credentialId"] = credentialId, ["authenticatorName"] = displayName }.ToJsonString();
            var row = new WebAuthnCredentialEntity
            {
                Id = factor.Id, OrgId = user.OrgId, UserId = user.Id, CredentialId = credentialId, PublicKey = passkey.PublicKey,
                Aaguid = attestation.Aaguid, Attachment = attachment, TransportsJson = JsonSerializer.Serialize(passkey.Transports ?? []),
                AttestationFormat = attestation.Format, SignCount = passkey.SignCount, UserVerified = passkey.IsUserVerified,
                BackupEligible = passkey.IsBackupEligible, BackedUp = passkey.IsBackedUp, Name = displayName, Created = now,
            };
            db.WebAuthnCredentials.Add(row);
            log.Stage(EventTypes.FactorActivate, [UserResources.Target(user), FactorResources.Target(factor)], new LogOutcome(LogOutcomeResult.Success),
                debugData: Debug(factor, row), actor: actor);
            return new WebAuthnOutcome(true, null, factor, row);
        }, ct);
    }

    /// <summary>
    /// Verifies an assertion of <paramref name="user"/>: <paramref name="credentialJson"/> is the <c>PublicKeyCredential</c>
    /// JSON of <c>navigator.credentials.get()</c>. The challenge is <paramref name="expectedChallenge"/> when the caller
    /// kept it (the IDX transaction that asked for it), else the one the client data names; either way one issued to this
    /// user for an assertion, unused and unexpired, and used up by this call. <paramref name="factorId"/>: only that
    /// factor's credential may answer. Refusals: wrong challenge, origin or RP id, a signature that does not verify, user
    /// verification the org requires and the authenticator did not do, an unknown credential, and a signature counter
    /// that did not move forward (logged as a possible clone).
    /// </summary>
    public async Task<WebAuthnOutcome> VerifyAssertionAsync(UserEntity user, string credentialJson, string? expectedChallenge, HttpContext http,
        LogActor? actor, CancellationToken ct, string? factorId = null)
    {
        var credential = WebAuthnJson.Parse(credentialJson);
        var credentialId = WebAuthnJson.Text(credential, "id");
        if (credential is null || credentialId is null)
        {
            return await VerifyFailedAsync(user, null, "The credential is not a PublicKeyCredential JSON object with an id", actor, ct);
        }

        var row = credentialId.Length > 1400 ? null : await db.WebAuthnCredentials.AsNoTracking()
            .FirstOrDefaultAsync(c => c.CredentialId == credentialId && c.OrgId == user.OrgId && c.UserId == user.Id, ct);
        var factor = row is null ? null : await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.Id == row.Id, ct);
        var (state, refusal) = await ConsumeAsync(user, Assertion, expectedChallenge ?? WebAuthnJson.ChallengeOf(credential), null, ct);
        if (state is null)
        {
            return await VerifyFailedAsync(user, factor, refusal!, actor, ct);
        }

        if (row is null || factor is null || (factorId is not null && row.Id != factorId))
        {
            return await VerifyFailedAsync(user, factor, factorId is not null && row is not null
                ? "The credential is not the one of this factor"
                : "The credential is not registered to this user (unknown credential)", actor, ct);
        }

        if (factor.Status != FactorStatus.Active)
        {
            return await VerifyFailedAsync(user, factor, "The factor is not active", actor, ct);
        }

        var policy = await WebAuthnPolicy.ForOrgAsync(db, user.OrgId, ct);
        var handler = Handler(policy.VerifyUserVerification, policy.Attachment, http);
        http.Items.Remove(ReasonKey);
        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext
        {
            HttpContext = http, CredentialJson = credentialJson, AssertionState = state.StateJson,
        });
        if (!result.Succeeded)
        {
            return await VerifyFailedAsync(user, factor, ReasonOf(http, result.Failure), actor, ct);
        }

        if (result.User.Id != user.Id)
        {
            return await VerifyFailedAsync(user, factor, "The credential belongs to another user", actor, ct);
        }

        // The signature is good; now the counter (WebAuthn section 7.2 step 22), as one conditional update: it must
        // move forward, unless the authenticator keeps none (0 then and 0 stored).
        var count = (long)(WebAuthnJson.SignCountOf(credential) ?? 0);
        var backedUp = result.Passkey.IsBackedUp;
        return await write.RunAsync(user.OrgId, async () =>
        {
            var now = IsoTime.Truncate(time.GetUtcNow());
            var moved = await db.WebAuthnCredentials
                .Where(c => c.Id == row.Id && (c.SignCount < count || (count == 0 && c.SignCount == 0)))
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.SignCount, count).SetProperty(c => c.LastUsed, now).SetProperty(c => c.BackedUp, backedUp), ct);
            if (moved == 0)
            {
                var stored = await db.WebAuthnCredentials.AsNoTracking().Where(c => c.Id == row.Id).Select(c => (long?)c.SignCount).FirstOrDefaultAsync(ct);
                return Failed(user, factor, stored is null
                    ? "The credential was removed"
                    : $"Possible cloned authenticator: its signature counter {count} is not greater than the {stored} last seen", actor);
            }

            (row.SignCount, row.LastUsed, row.BackedUp) = (count, now, backedUp);
            log.Stage(EventTypes.UserVerify, [UserResources.Target(user), FactorResources.Target(factor)], new LogOutcome(LogOutcomeResult.Success),
                debugData: Debug(factor, row), actor: actor);
            return new WebAuthnOutcome(true, null, factor, row);
        }, ct);
    }

    /// <summary>The user's credentials, oldest first.</summary>
    public Task<List<WebAuthnCredentialEntity>> ListAsync(UserEntity user, CancellationToken ct) =>
        db.WebAuthnCredentials.AsNoTracking().Where(c => c.OrgId == user.OrgId && c.UserId == user.Id).OrderBy(c => c.Created).ThenBy(c => c.Id).ToListAsync(ct);

    /// <summary>Removes one of the user's credentials with its factor (<c>user.mfa.factor.deactivate</c>); false when there is no such credential of theirs.</summary>
    public async Task<bool> RemoveAsync(UserEntity user, string factorId, LogActor? actor, CancellationToken ct) =>
        await write.RunAsync(user.OrgId, async () =>
        {
            var factor = await db.UserFactors.FirstOrDefaultAsync(f => f.Id == factorId && f.OrgId == user.OrgId && f.UserId == user.Id && f.FactorType == FactorTypes.WebAuthn, ct);
            if (factor is null)
            {
                return false;
            }

            db.UserFactors.Remove(factor);
            await db.WebAuthnCredentials.Where(c => c.Id == factorId).ExecuteDeleteAsync(ct);
            log.Stage(EventTypes.FactorDeactivate, [UserResources.Target(user), FactorResources.Target(factor)], actor: actor);
            return true;
        }, ct);

    private PasskeyHandler<WebAuthnUser> Handler(string userVerification, string? attachment, HttpContext http)
    {
        var orgUrl = Authority(ApiUrls.OrgUrl(http.Request));
        var options = new IdentityPasskeyOptions
        {
            ServerDomain = http.Request.Host.Host,
            AuthenticatorTimeout = ChallengeLifetime,
            UserVerificationRequirement = userVerification,
            ResidentKeyRequirement = "discouraged",
            // "direct": the authenticator's attestation names its model (AAGUID) for the allow-list.
            AttestationConveyancePreference = "direct",
            AuthenticatorAttachment = attachment,
            // The algorithms whose keys WebAuthnAttestation can check a self attestation with.
            IsAllowedAlgorithm = alg => alg is -7 or -257,
            ValidateOrigin = context =>
            {
                var valid = !context.CrossOrigin && Authority(context.Origin) is { } origin && origin == orgUrl;
                if (!valid)
                {
                    Refuse(context.HttpContext, $"The origin '{context.Origin}' is not this org's URL '{orgUrl}'{(context.CrossOrigin ? " (or the ceremony ran cross-origin)" : "")}");
                }

                return ValueTask.FromResult(valid);
            },
            VerifyAttestationStatement = context =>
            {
                string? refusal;
                try
                {
                    refusal = WebAuthnAttestation.Verify(ParsedAttestation.Parse(context.AttestationObject), context.ClientDataHash.Span);
                }
                catch (FormatException e)
                {
                    refusal = e.Message;
                }

                if (refusal is not null)
                {
                    Refuse(context.HttpContext, refusal);
                }

                return ValueTask.FromResult(refusal is null);
            },
        };
        return new PasskeyHandler<WebAuthnUser>(users, Microsoft.Extensions.Options.Options.Create(options));
    }

    /// <summary>The allow-list (when not empty): the model must be on it, attested (not <c>none</c>), and chain to the entry's roots when it has some.</summary>
    private string? CheckModel(WebAuthnPolicy policy, ParsedAttestation attestation)
    {
        if (policy.AllowedModels.Count == 0)
        {
            return null;
        }

        if (attestation.Format == WebAuthnAttestation.None)
        {
            return "This org allows only listed authenticator models, and this authenticator did not attest its model (attestation 'none')";
        }

        if (!policy.AllowedModels.TryGetValue(attestation.Aaguid, out var entry))
        {
            return $"The authenticator model {attestation.Aaguid} is not on this org's allow-list of security keys";
        }

        var roots = entry?.RootCertificatesJson is null ? [] : JsonSerializer.Deserialize<string[]>(entry.RootCertificatesJson) ?? [];
        if (roots.Length > 0 && !WebAuthnAttestation.ChainsTo(attestation, roots.Select(Convert.FromBase64String).ToList(), time.GetUtcNow()))
        {
            return $"The attestation of model {attestation.Aaguid} does not chain to the attestation root certificates this org lists for it";
        }

        return null;
    }

    private async Task<WebAuthnOptions> StoreChallengeAsync(UserEntity user, string purpose, string? factorId, string optionsJson, string state, CancellationToken ct)
    {
        var challenge = WebAuthnJson.Text(JsonNode.Parse(optionsJson), "challenge")
            ?? throw new InvalidOperationException("The passkey handler made options without a challenge.");
        var now = IsoTime.Truncate(time.GetUtcNow());
        // Not the org's data (no log event): a row of its own, like a session's; spent and expired ones are cleared here.
        await db.WebAuthnChallenges.Where(c => c.ExpiresAt < now).ExecuteDeleteAsync(ct);
        var row = new WebAuthnChallengeEntity
        {
            Id = challenge, OrgId = user.OrgId, UserId = user.Id, Purpose = purpose, FactorId = factorId, StateJson = state, OptionsJson = optionsJson, Created = now,
            ExpiresAt = now + ChallengeLifetime,
        };
        db.WebAuthnChallenges.Add(row);
        await db.SaveChangesAsync(ct);
        db.Entry(row).State = EntityState.Detached;
        return new WebAuthnOptions(optionsJson, challenge, row.ExpiresAt);
    }

    /// <summary>The options given with <paramref name="challenge"/> of <paramref name="user"/>, while it is unused and unexpired; else null.</summary>
    public async Task<string?> WaitingOptionsAsync(UserEntity user, string challenge, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return await db.WebAuthnChallenges.AsNoTracking()
            .Where(c => c.Id == challenge && c.OrgId == user.OrgId && c.UserId == user.Id && c.UsedAt == null && c.ExpiresAt > now)
            .Select(c => c.OptionsJson).FirstOrDefaultAsync(ct);
    }

    /// <summary>Uses up the challenge (one conditional update: of two answers racing it, one gets it) and returns it, or why not.</summary>
    private async Task<(WebAuthnChallengeEntity? State, string? Refusal)> ConsumeAsync(UserEntity user, string purpose, string? challenge, string? factorId, CancellationToken ct)
    {
        const string unknown = "The challenge is not one this server issued to this user, or it was used already or expired (wrong challenge)";
        if (string.IsNullOrEmpty(challenge) || challenge.Length > 100)
        {
            return (null, unknown);
        }

        var now = IsoTime.Truncate(time.GetUtcNow());
        var used = await db.WebAuthnChallenges
            .Where(c => c.Id == challenge && c.OrgId == user.OrgId && c.UserId == user.Id && c.Purpose == purpose && c.UsedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.UsedAt, now), ct);
        if (used == 0)
        {
            return (null, unknown);
        }

        var row = await db.WebAuthnChallenges.AsNoTracking().FirstAsync(c => c.Id == challenge, ct);
        return factorId is not null && row.FactorId != factorId ? (null, "The challenge was issued for another factor") : (row, null);
    }

    private async Task<WebAuthnOutcome> RegistrationFailedAsync(UserEntity user, string? factorId, string reason, LogActor? actor, CancellationToken ct) =>
        await write.RunAsync(user.OrgId, async () =>
        {
            var factor = factorId is null ? null : await db.UserFactors.AsNoTracking().FirstOrDefaultAsync(f => f.Id == factorId && f.UserId == user.Id, ct);
            log.Stage(EventTypes.FactorActivate, Targets(user, factor), new LogOutcome(LogOutcomeResult.Failure, reason),
                debugData: new Dictionary<string, object?> { ["factor"] = FactorTypes.WebAuthn }, actor: actor);
            return WebAuthnOutcome.Fail(reason, factor);
        }, ct);

    private async Task<WebAuthnOutcome> VerifyFailedAsync(UserEntity user, UserFactorEntity? factor, string reason, LogActor? actor, CancellationToken ct) =>
        await write.RunAsync(user.OrgId, () => Task.FromResult(Failed(user, factor, reason, actor)), ct);

    /// <summary>Stages the failed verification's event (inside the caller's write) and returns the failure.</summary>
    private WebAuthnOutcome Failed(UserEntity user, UserFactorEntity? factor, string reason, LogActor? actor)
    {
        log.Stage(EventTypes.UserVerify, Targets(user, factor), new LogOutcome(LogOutcomeResult.Failure, reason),
            debugData: new Dictionary<string, object?> { ["factor"] = FactorTypes.WebAuthn, ["factorId"] = factor?.Id }, actor: actor);
        return WebAuthnOutcome.Fail(reason, factor);
    }

    private static LogTarget[] Targets(UserEntity user, UserFactorEntity? factor) =>
        factor is null ? [UserResources.Target(user)] : [UserResources.Target(user), FactorResources.Target(factor)];

    private static Dictionary<string, object?> Debug(UserFactorEntity factor, WebAuthnCredentialEntity row) => new()
    {
        ["factor"] = factor.FactorType, ["factorId"] = factor.Id, ["provider"] = factor.Provider, ["aaguid"] = row.Aaguid,
        ["signCount"] = row.SignCount, ["attachment"] = row.Attachment,
    };

    /// <summary>Why the handler refused: the reason our own check left (origin, attestation) or the framework's message.</summary>
    private static string ReasonOf(HttpContext http, PasskeyException? failure) =>
        http.Items[ReasonKey] as string ?? failure?.Message ?? "The credential was refused";

    private static void Refuse(HttpContext http, string reason) => http.Items[ReasonKey] = reason;

    private static string? Authority(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Authority) : null;

    private static InvalidOperationException NoState() => new("The passkey handler made options without a ceremony state.");

    private static string? Clean(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Trim()[..Math.Min(name.Trim().Length, 255)];

    private static string DisplayName(UserEntity user) => $"{user.FirstName} {user.LastName}".Trim() is { Length: > 0 } full ? full : user.Login;

    private static WebAuthnUser ToWebAuthnUser(UserEntity user) => new(user.Id, user.OrgId, user.Login, DisplayName(user));
}
