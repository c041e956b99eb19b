using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Dashboard;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.AuthenticatorApp;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.WebAuthn;
using Latchkey.Server.Persistence;
using Latchkey.Server.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.SignIn;

/// <summary>One authenticator a user can answer at the second-factor step, with the factor behind each of its methods.</summary>
public sealed record FactorChoice(AuthenticatorEntity Authenticator, IReadOnlyDictionary<string, UserFactorEntity> Methods, string? DeviceName)
{
    /// <summary>For security keys: the user's credential ids (any of them may answer).</summary>
    public IReadOnlyList<string> CredentialIds { get; init; } = [];

    public string Id => Authenticator.Id;

    /// <summary>The method used when the client names none: push before a code.</summary>
    public string DefaultMethod => Methods.ContainsKey(FactorTypes.Push) ? FactorTypes.Push : Methods.Keys.First();
}

/// <summary>An authenticator the user can enroll at the second-factor step (having none to answer), with its methods.</summary>
public sealed record EnrollChoice(AuthenticatorEntity Authenticator, IReadOnlyList<string> Methods)
{
    public string Id => Authenticator.Id;
}

/// <summary>
/// The enrollment under way: for an authenticator app's codes (Google Authenticator) the secret and its QR code, shown
/// while the enrollment waits for its first code; for the authenticator app the activation link (and its QR code).
/// </summary>
public sealed record EnrollmentView(EnrollChoice Choice, string? QrCodeDataUri)
{
    /// <summary>The TOTP secret (base32) and its <c>otpauth://</c> URI, for a code authenticator.</summary>
    public string? SharedSecret { get; init; }
    public string? OtpAuthUri { get; init; }

    /// <summary>The authenticator app's activation link (<c>latchkey-verify enroll --link</c>), for Okta Verify.</summary>
    public string? ActivationLink { get; init; }

    /// <summary>For a security key: the <c>PublicKeyCredentialCreationOptions</c> JSON to pass to the browser (no QR code then).</summary>
    public string? ActivationData { get; init; }
}

/// <summary>What the second-factor step shows: the choices, and once one is made, it with its method and push number.</summary>
public sealed record SecondFactorView(IReadOnlyList<FactorChoice> Choices, FactorChoice? Current = null, string? CurrentMethod = null, int? CorrectAnswer = null)
{
    /// <summary>For a security key: the challenge to sign and the user verification the org asks for.</summary>
    public (string Challenge, string UserVerification)? WebAuthnChallenge { get; init; }

    /// <summary>With no choices: the authenticators the user can enroll instead.</summary>
    public IReadOnlyList<EnrollChoice> Enrollable { get; init; } = [];

    /// <summary>The enrollment chosen, while it waits to be finished.</summary>
    public EnrollmentView? Enrolling { get; init; }
}

/// <summary>
/// The factors a user can answer after the password (issue 11 item 7): Okta Verify (push and its code, from the newest
/// enrollment on a device that is active, or a code enrolled through the API), Google Authenticator and security keys
/// (WebAuthn). Only active factors of active authenticators and methods count; a suspended device's factors are not offered.
/// </summary>
public sealed class SecondFactors(LatchkeyDbContext db, SignInEngine engine, TotpFactors totp, PushChallenges pushes, WebAuthnCeremonies webAuthn,
    FastPassChallenges fastPass, OrgWrite write, FactorSecrets secrets, TimeProvider time, IOptions<LatchkeyOptions> options, Policies.EnrollPolicy enrollPolicy)
{
    /// <summary>What a second-factor action did: the result, and a message to show when it did not get on (and a FastPass challenge just issued).</summary>
    public sealed record Outcome(SignInResult Result, string? Message = null, string? MessageKey = null, int Status = StatusCodes.Status200OK)
    {
        public DeviceChallenge? Challenge { get; init; }
    }

    /// <summary>Chooses <paramref name="authenticatorId"/>'s <paramref name="methodType"/> (null: its default); a push is sent at once.</summary>
    public async Task<Outcome> ChooseAsync(SignInTransaction tx, string? authenticatorId, string? methodType, HttpContext http, CancellationToken ct)
    {
        var choices = await ChoicesAsync(tx.OrgId, tx.State.UserId!, ct);
        var choice = choices.FirstOrDefault(c => c.Id == authenticatorId);
        var method = methodType ?? choice?.DefaultMethod;
        if (choice is null || method is null || !choice.Methods.TryGetValue(method, out var factor))
        {
            return NotAvailable(tx);
        }

        string? challengeId = null;
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == tx.State.UserId, ct);
        if (method == FactorTypes.Push)
        {
            var origin = new PushOrigin(http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString(), "Latchkey sign-in");
            challengeId = (await pushes.SendAsync(user, factor, askNumber: false, origin, SignInEvents.Actor(user), ct)).Id;
        }
        else if (method == FactorTypes.WebAuthn)
        {
            // The challenge is kept in the transaction: only an assertion over it answers this sign-in.
            challengeId = (await webAuthn.AssertionOptionsAsync(user, http, ct)).Challenge;
        }
        else if (method == FactorTypes.SignedNonce)
        {
            // FastPass: the challenge is signed before the write; only its nonce's hash is stored with the choice.
            var challenge = await fastPass.CreateAsync(tx.OrgId, Api.ApiUrls.OrgUrl(http.Request), user, new DeviceChallengeOptions(), ct);
            return new Outcome(await engine.ChooseFactorAsync(tx, factor.Id, null, ct, challenge)) { Challenge = challenge };
        }

        return new Outcome(await engine.ChooseFactorAsync(tx, factor.Id, challengeId, ct));
    }

    /// <summary>
    /// Chooses <paramref name="authenticatorId"/> to enroll, offered only to a user with no second factor to answer: a code
    /// authenticator gets a new secret (its factor pending until the first code), the authenticator app an activation link.
    /// </summary>
    public async Task<Outcome> EnrollAsync(SignInTransaction tx, string? authenticatorId, HttpContext http, CancellationToken ct)
    {
        var userId = tx.State.UserId!;
        var choice = (await ChoicesAsync(tx.OrgId, userId, ct)).Count == 0
            ? (await EnrollChoicesAsync(tx.OrgId, userId, ct)).FirstOrDefault(c => c.Id == authenticatorId)
            : null;
        if (choice is null)
        {
            return NotAvailable(tx);
        }

        if (choice.Authenticator.Key == DefaultAuthenticators.OktaVerify)
        {
            return new Outcome(await engine.ChooseEnrollmentAsync(tx, choice.Id, null, null, issueAppToken: true, ct));
        }

        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, ct);
        if (choice.Authenticator.Key == DefaultAuthenticators.WebAuthn)
        {
            // The challenge is kept in the transaction: only a credential made over it finishes this enrollment.
            var creation = await webAuthn.RegistrationOptionsAsync(user, http, ct);
            return new Outcome(await engine.ChooseEnrollmentAsync(tx, choice.Id, null, creation.Challenge, issueAppToken: false, ct));
        }

        var self = new ApiCaller(tx.OrgId, user.Id, user.Login, user.Login, TokenId: "", AdminGrant.None);
        UserFactorEntity factor;
        try
        {
            (factor, _) = await FactorsApi.EnrollTotpAsync(self, user.Id, FactorProviders.Google, db, write, secrets, time, options.Value, ct);
        }
        catch (ApiException e)
        {
            return NotAvailable(tx, e.Error.Causes.Count > 0 ? e.Error.Causes[0] : e.Error.Summary);
        }

        return new Outcome(await engine.ChooseEnrollmentAsync(tx, choice.Id, factor.Id, null, issueAppToken: false, ct));
    }

    /// <summary>
    /// Where the authenticator app's enrollment stands: done once the user has a usable Okta Verify factor (the app
    /// enrolled with the activation link of this step), which finishes the sign-in; else still waiting.
    /// </summary>
    public async Task<Outcome> PollEnrollmentAsync(SignInTransaction tx, SignInCompletion completion, CancellationToken ct) =>
        await AppEnrolledAsync(tx, ct) ? new Outcome(await engine.FactorVerifiedAsync(tx, completion, ct)) : new Outcome(new SignInResult { Transaction = tx });

    /// <summary>Whether the authenticator being enrolled at this step can now be answered (read only).</summary>
    public async Task<bool> AppEnrolledAsync(SignInTransaction tx, CancellationToken ct) =>
        tx.State is { Enrolling: { } id, UserId: { } userId } && (await ChoicesAsync(tx.OrgId, userId, ct)).Any(c => c.Id == id);

    /// <summary>
    /// The authenticators <paramref name="userId"/> may enroll at the second-factor step: the active ones Latchkey can
    /// enroll there that the org's MFA_ENROLL policy for them allows (none when its rule says <c>NEVER</c>).
    /// </summary>
    public async Task<List<EnrollChoice>> EnrollChoicesAsync(string orgId, string userId, CancellationToken ct)
    {
        var policy = await enrollPolicy.DecideAsync(orgId, userId, ct);
        var allowed = (await ActiveEnrollChoicesAsync(orgId, ct)).Where(c => policy.Allows(c.Authenticator.Key)).ToList();
        // Authenticators the policy requires come alone when one of them can be set up here: the person sets up one of those.
        var required = allowed.Where(c => policy.Required.Contains(c.Authenticator.Key)).ToList();
        return required.Count > 0 ? required : allowed;
    }

    private async Task<List<EnrollChoice>> ActiveEnrollChoicesAsync(string orgId, CancellationToken ct)
    {
        var authenticators = await db.Authenticators.AsNoTracking()
            .Where(a => a.OrgId == orgId && (a.Key == DefaultAuthenticators.OktaVerify || a.Key == DefaultAuthenticators.GoogleOtp
                || a.Key == DefaultAuthenticators.WebAuthn)).ToListAsync(ct);
        var choices = new List<EnrollChoice>();
        if (authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.OktaVerify) is { } verify)
        {
            var methods = new[] { FactorTypes.Push, "totp" }.Where(m => AuthenticatorsApi.MethodActive(verify, m)).ToList();
            if (methods.Count > 0)
            {
                choices.Add(new EnrollChoice(verify, methods));
            }
        }

        if (authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.GoogleOtp) is { } google && AuthenticatorsApi.MethodActive(google, "otp"))
        {
            choices.Add(new EnrollChoice(google, ["otp"]));
        }

        if (authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.WebAuthn) is { } keys && AuthenticatorsApi.MethodActive(keys, WebAuthnPolicy.Method))
        {
            choices.Add(new EnrollChoice(keys, [WebAuthnPolicy.Method]));
        }

        return choices;
    }

    /// <summary>The method of the chosen factor (<c>push</c>, <c>totp</c>, <c>otp</c>, <c>webauthn</c>), or null.</summary>
    public async Task<string?> ChosenMethodAsync(SignInTransaction tx, CancellationToken ct)
    {
        var type = tx.State.FactorId is { } id
            ? await db.UserFactors.AsNoTracking().Where(f => f.Id == id && f.OrgId == tx.OrgId).Select(f => f.FactorType).FirstOrDefaultAsync(ct)
            : null;
        return type switch { FactorTypes.Totp => "totp", null => null, _ => type };
    }

    /// <summary>
    /// Checks the assertion of a security key (the <c>PublicKeyCredential</c> JSON) over the challenge this sign-in
    /// keeps; right: the sign-in succeeds. Every refusal is logged with its reason and shown as one message.
    /// </summary>
    public Task<Outcome> AnswerSecurityKeyAsync(SignInTransaction tx, string credentialJson, SignInCompletion completion, HttpContext http,
        CancellationToken ct) =>
        SecurityKeyAsync(tx, completion, (user, challenge) => webAuthn.VerifyAssertionAsync(user, credentialJson, challenge, http, SignInEvents.Actor(user), ct),
            "The security key was not accepted: {0}. Choose how to verify again.", ct);

    /// <summary>The key of the authenticator being enrolled at this step, or null when none is.</summary>
    public async Task<string?> EnrollingKeyAsync(SignInTransaction tx, CancellationToken ct) =>
        tx.State.Enrolling is { } id
            ? await db.Authenticators.AsNoTracking().Where(a => a.Id == id && a.OrgId == tx.OrgId).Select(a => a.Key).FirstOrDefaultAsync(ct)
            : null;

    /// <summary>
    /// Finishes a security key's enrollment: the registration (<c>PublicKeyCredential</c> JSON) over the challenge this
    /// sign-in keeps; a good one registers the key and is the second factor. A refusal spends the challenge: choose again.
    /// </summary>
    public Task<Outcome> AnswerSecurityKeyEnrollmentAsync(SignInTransaction tx, string credentialJson, SignInCompletion completion, HttpContext http,
        CancellationToken ct) =>
        SecurityKeyAsync(tx, completion,
            (user, challenge) => webAuthn.RegisterAsync(user, credentialJson, null, http, SignInEvents.Actor(user), ct, expectedChallenge: challenge),
            "The security key was not registered: {0}. Choose what to set up again.", ct);

    /// <summary>
    /// A security key's answer over the challenge this sign-in keeps: a good one is the second factor; a refusal spends
    /// the challenge (back to choosing), with the reason in <paramref name="refusal"/>.
    /// </summary>
    private async Task<Outcome> SecurityKeyAsync(SignInTransaction tx, SignInCompletion completion,
        Func<UserEntity, string, Task<WebAuthnOutcome>> check, string refusal, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == tx.State.UserId && u.OrgId == tx.OrgId, ct);
        if (user is null || tx.State.ChallengeId is not { } challenge)
        {
            return new Outcome(SignInResult.StaleHandle);
        }

        var outcome = await check(user, challenge);
        if (outcome.Succeeded)
        {
            return new Outcome(await engine.FactorVerifiedAsync(tx, completion, ct));
        }

        return new Outcome(await engine.FactorAbandonedAsync(tx, ct), string.Format(System.Globalization.CultureInfo.InvariantCulture, refusal, outcome.Reason),
            "api.authn.authenticator.challenge.invalid", StatusCodes.Status401Unauthorized);
    }

    /// <summary>Checks a code for the chosen TOTP factor; right: the sign-in succeeds.</summary>
    public async Task<Outcome> AnswerCodeAsync(SignInTransaction tx, string code, SignInCompletion completion, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == tx.State.UserId && u.OrgId == tx.OrgId, ct);
        if (user is null || tx.State.FactorId is not { } factorId || tx.State.ChallengeId is not null)
        {
            return new Outcome(SignInResult.StaleHandle);
        }

        var answer = await totp.AnswerAsync(user, factorId, code, activating: tx.State.Enrolling is not null, SignInEvents.Actor(user), ct);
        return answer.Outcome switch
        {
            Core.Authenticators.Totp.TotpOutcome.Accepted when !answer.NotActive => new Outcome(await engine.FactorVerifiedAsync(tx, completion, ct)),
            Core.Authenticators.Totp.TotpOutcome.Replayed => Refused(tx, "That code was already used. Wait for the next one.", "errors.E0000082"),
            Core.Authenticators.Totp.TotpOutcome.Locked => Refused(tx, "Too many wrong codes. Try again in a few minutes, or choose another authenticator.", "errors.E0000069"),
            _ => Refused(tx, "Invalid code. Try again.", "api.authn.authenticator.challenge.invalid"),
        };
    }

    /// <summary>Where the chosen push stands: still waiting, approved (the sign-in succeeds), or denied or expired (choose again).</summary>
    public async Task<Outcome> PollAsync(SignInTransaction tx, SignInCompletion completion, CancellationToken ct)
    {
        var push = tx.State.ChallengeId is { } id ? await db.PushChallenges.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.OrgId == tx.OrgId, ct) : null;
        if (push is null)
        {
            return new Outcome(SignInResult.StaleHandle);
        }

        return pushes.StatusOf(push) switch
        {
            PushStatus.Waiting => new Outcome(new SignInResult { Transaction = tx }),
            PushStatus.Success => new Outcome(await engine.FactorVerifiedAsync(tx, completion, ct)),
            PushStatus.Rejected => new Outcome(await engine.FactorAbandonedAsync(tx, ct), "The push was denied on your device. Choose how to verify again.",
                "oie.okta_verify.push.rejected", StatusCodes.Status403Forbidden),
            _ => new Outcome(await engine.FactorAbandonedAsync(tx, ct), "The push expired before it was answered. Choose how to verify again.",
                "oie.okta_verify.push.expired", StatusCodes.Status403Forbidden),
        };
    }

    /// <summary>Where the chosen FastPass challenge stands: still waiting, answered by the device (the sign-in succeeds), or expired (choose again).</summary>
    public async Task<Outcome> PollFastPassAsync(SignInTransaction tx, SignInCompletion completion, CancellationToken ct)
    {
        var (answeredBy, expired) = await fastPass.StatusAsync(tx, ct);
        return answeredBy is not null ? new Outcome(await engine.FactorVerifiedAsync(tx, completion, ct))
            : expired ? new Outcome(await engine.FactorAbandonedAsync(tx, ct), "The FastPass challenge expired before Latchkey Verify answered it. Choose how to verify again.",
                "oie.okta_verify.signed_nonce.expired", StatusCodes.Status403Forbidden)
            : new Outcome(new SignInResult { Transaction = tx });
    }

    /// <summary>Whether push <paramref name="challengeId"/> still waits for its answer (read only).</summary>
    public async Task<bool> PushWaitingAsync(string orgId, string challengeId, CancellationToken ct) =>
        await db.PushChallenges.AsNoTracking().FirstOrDefaultAsync(p => p.Id == challengeId && p.OrgId == orgId, ct) is { } push
        && pushes.StatusOf(push) == PushStatus.Waiting;

    /// <summary>
    /// What the user needs to finish the enrollment chosen: the activation link of the authenticator app (for this sign-in
    /// only), or the secret of a code authenticator while its factor still waits for the first code.
    /// </summary>
    private async Task<EnrollmentView?> EnrollmentViewAsync(SignInTransaction tx, EnrollChoice choice, string orgUrl, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == tx.State.UserId, ct);
        if (choice.Authenticator.Key == DefaultAuthenticators.OktaVerify)
        {
            var link = $"latchkey-verify://enroll?s={Uri.EscapeDataString(orgUrl)}&t={AppEnrollmentTokens.For(tx)}&u={user.Id}&f={choice.Id}";
            return new EnrollmentView(choice, MySecurity.QrCodeDataUri(link)) { ActivationLink = link };
        }

        if (choice.Authenticator.Key == DefaultAuthenticators.WebAuthn)
        {
            return tx.State.ChallengeId is { } challenge && await webAuthn.WaitingOptionsAsync(user, challenge, ct) is { } creation
                ? new EnrollmentView(choice, null) { ActivationData = creation }
                : null;
        }

        var factor = await db.UserFactors.AsNoTracking()
            .FirstOrDefaultAsync(f => f.Id == tx.State.FactorId && f.OrgId == tx.OrgId && f.Status == FactorStatus.PendingActivation, ct);
        if (factor is null || secrets.Open(factor.OrgId, factor.Id, factor.SealedSecret) is not { } secret)
        {
            return null;
        }

        var shared = Core.Authenticators.Totp.TotpVerifier.ToBase32(secret);
        var org = await db.Orgs.AsNoTracking().Where(o => o.Id == tx.OrgId).Select(o => o.Name).FirstAsync(ct);
        var uri = MySecurity.OtpAuthUri(org, user.Login, shared);
        return new EnrollmentView(choice, MySecurity.QrCodeDataUri(uri)) { SharedSecret = shared, OtpAuthUri = uri };
    }

    private static Outcome NotAvailable(SignInTransaction tx, string message = "The authenticator is not available for this sign-in.") =>
        new(new SignInResult { Transaction = tx }, message, "idx.authenticator.not.available", StatusCodes.Status400BadRequest);

    private static Outcome Refused(SignInTransaction tx, string message, string key) =>
        new(new SignInResult { Transaction = tx, Refused = true }, message, key, StatusCodes.Status401Unauthorized);

    public async Task<List<FactorChoice>> ChoicesAsync(string orgId, string userId, CancellationToken ct)
    {
        var authenticators = await db.Authenticators.AsNoTracking()
            .Where(a => a.OrgId == orgId && (a.Key == DefaultAuthenticators.OktaVerify || a.Key == DefaultAuthenticators.GoogleOtp || a.Key == DefaultAuthenticators.WebAuthn))
            .ToListAsync(ct);
        var factors = await db.UserFactors.AsNoTracking()
            .Where(f => f.OrgId == orgId && f.UserId == userId && f.Status == FactorStatus.Active).OrderByDescending(f => f.Id).ToListAsync(ct);
        var enrollmentIds = factors.Where(f => f.EnrollmentId is not null).Select(f => f.EnrollmentId!).Distinct().ToList();
        var devices = await db.DeviceEnrollments.AsNoTracking().Where(e => enrollmentIds.Contains(e.Id))
            .Join(db.Devices, e => e.DeviceId, d => d.Id, (e, d) => new { EnrollmentId = e.Id, d.Status, d.DisplayName }).ToListAsync(ct);
        bool Usable(UserFactorEntity f) => f.EnrollmentId is null || devices.Any(d => d.EnrollmentId == f.EnrollmentId && d.Status == DeviceStatus.Active);
        string? DeviceOf(UserFactorEntity f) => devices.FirstOrDefault(d => d.EnrollmentId == f.EnrollmentId)?.DisplayName;

        var choices = new List<FactorChoice>();
        var verify = authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.OktaVerify);
        if (verify is not null)
        {
            var methods = new Dictionary<string, UserFactorEntity>();
            if (AuthenticatorsApi.MethodActive(verify, FactorTypes.Push) && factors.FirstOrDefault(f => f.FactorType == FactorTypes.Push && Usable(f)) is { } push)
            {
                methods[FactorTypes.Push] = push;
            }

            if (AuthenticatorsApi.MethodActive(verify, "totp")
                && factors.FirstOrDefault(f => f.FactorType == FactorTypes.Totp && f.Provider == FactorProviders.Okta && Usable(f)) is { } code)
            {
                methods["totp"] = code;
            }

            // FastPass: the device-bound key of an enrollment on an active device.
            if (AuthenticatorsApi.MethodActive(verify, FactorTypes.SignedNonce)
                && factors.FirstOrDefault(f => f.FactorType == FactorTypes.SignedNonce && f.EnrollmentId is not null && Usable(f)) is { } fastPassFactor)
            {
                methods[FactorTypes.SignedNonce] = fastPassFactor;
            }

            if (methods.Count > 0)
            {
                choices.Add(new FactorChoice(verify, methods, methods.Values.Select(DeviceOf).FirstOrDefault(n => n is not null)));
            }
        }

        var google = authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.GoogleOtp);
        if (AuthenticatorsApi.MethodActive(google, "otp")
            && factors.FirstOrDefault(f => f.FactorType == FactorTypes.Totp && f.Provider == FactorProviders.Google) is { } otp)
        {
            choices.Add(new FactorChoice(google!, new Dictionary<string, UserFactorEntity> { ["otp"] = otp }, null));
        }

        var keys = authenticators.FirstOrDefault(a => a.Key == DefaultAuthenticators.WebAuthn);
        if (AuthenticatorsApi.MethodActive(keys, WebAuthnPolicy.Method) && factors.FirstOrDefault(f => f.FactorType == FactorTypes.WebAuthn) is { } key)
        {
            var credentials = await db.WebAuthnCredentials.AsNoTracking().Where(c => c.OrgId == orgId && c.UserId == userId)
                .OrderBy(c => c.Created).Select(c => c.CredentialId).ToListAsync(ct);
            choices.Add(new FactorChoice(keys!, new Dictionary<string, UserFactorEntity> { [WebAuthnPolicy.Method] = key }, null) { CredentialIds = credentials });
        }

        return choices;
    }

    /// <summary>The view of a transaction at the second-factor step (null at any other step); <paramref name="orgUrl"/> goes into activation links.</summary>
    public async Task<SecondFactorView?> ViewAsync(SignInTransaction tx, string orgUrl, CancellationToken ct)
    {
        if (tx.State.Step is not (Core.SignIn.SignInStep.SelectAuthenticator or Core.SignIn.SignInStep.Authenticator) || tx.State.UserId is null)
        {
            return null;
        }

        var choices = await ChoicesAsync(tx.OrgId, tx.State.UserId, ct);
        if (choices.Count == 0 || tx.State.Enrolling is not null)
        {
            var enrollable = await EnrollChoicesAsync(tx.OrgId, tx.State.UserId, ct);
            var enrolling = enrollable.FirstOrDefault(c => c.Id == tx.State.Enrolling) is { } chosen
                ? await EnrollmentViewAsync(tx, chosen, orgUrl, ct)
                : null;
            // While an enrollment waits it stays the step (even once the app enrolled, until the next poll finishes the sign-in).
            return new SecondFactorView(choices) { Enrollable = enrollable, Enrolling = enrolling };
        }
        var current = tx.State.FactorId is { } id ? choices.FirstOrDefault(c => c.Methods.Values.Any(f => f.Id == id)) : null;
        var method = current?.Methods.First(m => m.Value.Id == tx.State.FactorId).Key;
        int? number = null;
        (string, string)? keyChallenge = null;
        if (tx.State.ChallengeId is { } challenge && method == FactorTypes.Push)
        {
            number = await db.PushChallenges.AsNoTracking().Where(p => p.Id == challenge).Select(p => p.CorrectAnswer).FirstOrDefaultAsync(ct);
        }
        else if (tx.State.ChallengeId is { } keyed && method == WebAuthnPolicy.Method)
        {
            keyChallenge = (keyed, (await WebAuthnPolicy.ForOrgAsync(db, tx.OrgId, ct)).VerifyUserVerification);
        }

        return new SecondFactorView(choices, current, method, number) { WebAuthnChallenge = keyChallenge };
    }
}
