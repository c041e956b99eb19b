using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.SignIn;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// The IDX endpoints (okta-api.md section 10.4) over <see cref="SignInEngine"/>: <c>introspect</c> (an empty body starts
/// an org sign-in), <c>identify</c>, <c>challenge</c>, <c>challenge/answer</c>, <c>cancel</c>. Bodies are JSON of any
/// <c>+json</c> type; answers are <c>application/ion+json; okta-version=1.0.0</c>. An unknown, expired, used or raced
/// state handle: 401 <c>idx.session.expired</c>; a form the current step does not offer: 400 with the current step.
/// </summary>
public static class IdxEndpoints
{
    public static void MapIdxEndpoints(this IEndpointRouteBuilder app)
    {
        var idx = app.MapGroup("/idp/idx");
        idx.MapPost("/introspect", Introspect);
        idx.MapPost("/identify", Identify);
        idx.MapPost("/challenge", Challenge);
        idx.MapPost("/challenge/answer", Answer);
        idx.MapPost("/cancel", Cancel);
        idx.MapPost("/authenticators/poll", Poll);
        idx.MapPost("/challenge/poll", Poll);
        idx.MapPost("/authenticators/poll/cancel", CancelPoll);
        idx.MapPost("/authenticators/okta-verify/launch", Launch);
        idx.MapPost("/credential/enroll", Enroll);
    }

    /// <summary>Body <c>{authenticator: {id, methodType?}, stateHandle}</c>: choose an authenticator to enroll (<c>select-authenticator-enroll</c>).</summary>
    private static async Task<IResult> Enroll(HttpContext context, LatchkeyDbContext db, SignInEngine engine, SecondFactors factors)
    {
        var (body, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.SelectAuthenticator, SignInStep.Authenticator);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        var authenticator = JsonBody.Object(body, "authenticator", "authenticator");
        var id = authenticator is null ? null : JsonBody.String(authenticator, "id", "authenticator.id");
        return await OutcomeAsync(context, tx, await factors.EnrollAsync(tx, id, context, context.RequestAborted));
    }

    /// <summary>The response for <paramref name="tx"/> as it stands, with the user's factors at the second-factor step.</summary>
    private static async Task<IResult> StateAsync(HttpContext context, SignInTransaction tx, JsonArray? messages = null, int status = StatusCodes.Status200OK,
        AuthenticatorApp.DeviceChallenge? challenge = null)
    {
        var view = await context.RequestServices.GetRequiredService<SecondFactors>().ViewAsync(tx, ApiUrls.OrgUrl(context.Request), context.RequestAborted);
        return Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request), messages, view, challenge), status);
    }

    /// <summary>A second-factor action's outcome: success, the next state, or the state with the message.</summary>
    private static async Task<IResult> OutcomeAsync(HttpContext context, SignInTransaction tx, SecondFactors.Outcome outcome)
    {
        var result = outcome.Result;
        if (result.Session is { } session)
        {
            SessionStore.WriteCookie(context, session.CookieSecret);
            return Ion(IdxResponses.Success(tx, session, tx.State.Identifier ?? "", ApiUrls.OrgUrl(context.Request)));
        }

        if (result.Refused && result.Reason == SignInReasons.PolicyDenied && result.Transaction is { } denied)
        {
            return PolicyDenied(context, denied);
        }

        if (result.Transaction is not { } next)
        {
            return Expired();
        }

        return await StateAsync(context, next, outcome.Message is { } text ? [IdxResponses.Message(text, outcome.MessageKey!)] : null, outcome.Status,
            outcome.Challenge);
    }

    /// <summary>
    /// Body <c>{stateHandle}</c>: where the chosen push stands (<c>challenge-poll</c>), or the authenticator app's
    /// enrollment (<c>enroll-poll</c>); success once the push is approved or the app enrolled.
    /// </summary>
    private static async Task<IResult> Poll(HttpContext context, LatchkeyDbContext db, SignInEngine engine, SecondFactors factors)
    {
        var (_, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.Authenticator, SignInStep.DeviceChallenge);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        if (tx.State.Step == SignInStep.DeviceChallenge)
        {
            // device-challenge-poll: success once a device key answered the passwordless challenge.
            var fastPass = context.RequestServices.GetRequiredService<AuthenticatorApp.FastPassChallenges>();
            var (answeredBy, expired) = await fastPass.StatusAsync(tx, context.RequestAborted);
            return answeredBy is not null
                ? await OutcomeAsync(context, tx, new SecondFactors.Outcome(await engine.DeviceChallengeVerifiedAsync(tx, answeredBy, SignInCompletion.Session, context.RequestAborted)))
                : expired
                    ? Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request), [IdxResponses.Message(
                        "The FastPass challenge expired before Latchkey Verify answered it. Try again, or sign in with your username.",
                        "oie.okta_verify.signed_nonce.expired")]), StatusCodes.Status403Forbidden)
                    : Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request)));
        }

        if (await factors.ChosenMethodAsync(tx, context.RequestAborted) == Factors.FactorTypes.SignedNonce)
        {
            return await OutcomeAsync(context, tx, await factors.PollFastPassAsync(tx, SignInCompletion.Session, context.RequestAborted));
        }

        if (tx.State.Enrolling is not null && await factors.EnrollingKeyAsync(tx, context.RequestAborted) == Authenticators.DefaultAuthenticators.OktaVerify)
        {
            // enroll-poll: the authenticator app enrolls with this step's activation link.
            return await OutcomeAsync(context, tx, await factors.PollEnrollmentAsync(tx, SignInCompletion.Session, context.RequestAborted));
        }

        if (await factors.ChosenMethodAsync(tx, context.RequestAborted) != Factors.FactorTypes.Push)
        {
            return await NotAvailableAsync(context, tx);
        }

        return await OutcomeAsync(context, tx, await factors.PollAsync(tx, SignInCompletion.Session, context.RequestAborted));
    }

    /// <summary>
    /// Body <c>{stateHandle}</c> at the username step (or at <c>device-challenge-poll</c>, for a fresh challenge): sign in
    /// with FastPass, no username (okta-api.md §10.5). Answers <c>device-challenge-poll</c> with the loopback challenge in
    /// <c>authenticatorChallenge</c>; whoever's enrolled device key answers it is signed in.
    /// </summary>
    private static async Task<IResult> Launch(HttpContext context, LatchkeyDbContext db, SignInEngine engine, AuthenticatorApp.FastPassChallenges fastPass)
    {
        var (_, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.Identify, SignInStep.DeviceChallenge);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        var orgUrl = ApiUrls.OrgUrl(context.Request);
        if (!await FastPassActiveAsync(db, tx.OrgId, context.RequestAborted))
        {
            return Ion(IdxResponses.ForState(tx, orgUrl, [IdxResponses.Message("FastPass is not active in this organization.", "idx.authenticator.not.available")]),
                StatusCodes.Status400BadRequest);
        }

        var challenge = await fastPass.CreateAsync(tx.OrgId, orgUrl, null, new AuthenticatorApp.DeviceChallengeOptions(), context.RequestAborted);
        var launched = await engine.LaunchDeviceChallengeAsync(tx, challenge, context.RequestAborted);
        return launched.Transaction is { } next ? Ion(IdxResponses.ForState(next, orgUrl, challenge: challenge)) : Expired();
    }

    /// <summary>
    /// Body <c>{stateHandle, reason?, statusCode?}</c>: the browser found no app on the loopback ports (reason
    /// <c>OV_UNREACHABLE_BY_LOOPBACK</c>) or gave up: the challenge is dropped; passwordless goes back to the username
    /// step, a second factor back to choosing one.
    /// </summary>
    private static async Task<IResult> CancelPoll(HttpContext context, LatchkeyDbContext db, SignInEngine engine, SecondFactors factors)
    {
        var (_, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.DeviceChallenge, SignInStep.Authenticator);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        if (tx.State.Step == SignInStep.DeviceChallenge)
        {
            var back = await engine.DeviceChallengeCancelledAsync(tx, context.RequestAborted);
            return back.Transaction is { } identify ? Ion(IdxResponses.ForState(identify, ApiUrls.OrgUrl(context.Request))) : Expired();
        }

        if (await factors.ChosenMethodAsync(tx, context.RequestAborted) != Factors.FactorTypes.SignedNonce)
        {
            return await NotAvailableAsync(context, tx);
        }

        return await OutcomeAsync(context, tx, new SecondFactors.Outcome(await engine.FactorAbandonedAsync(tx, context.RequestAborted)));
    }

    private static async Task<bool> FastPassActiveAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        Authenticators.AuthenticatorsApi.MethodActive(await db.Authenticators.AsNoTracking()
            .FirstOrDefaultAsync(a => a.OrgId == orgId && a.Key == Authenticators.DefaultAuthenticators.OktaVerify, ct), Factors.FactorTypes.SignedNonce);

    /// <summary>Body <c>{stateHandle}</c> or <c>{stateToken}</c>: the transaction as it stands; no body (or <c>{}</c>): a new org sign-in.</summary>
    private static async Task<IResult> Introspect(HttpContext context, LatchkeyDbContext db, SignInEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        var orgId = await ServerOrg.IdAsync(db, context.RequestAborted);
        var handle = JsonBody.String(body, "stateHandle", "stateHandle") ?? JsonBody.String(body, "stateToken", "stateToken");
        if (handle is null && body["interactionHandle"] is null)
        {
            // acr_values, as OpenID Connect's authorize and the Identity Engine's interact take it: a second factor may be asked for.
            var acr = JsonBody.String(body, "acr_values", "acr_values") ?? JsonBody.String(body, "acrValues", "acrValues");
            return Ion(IdxResponses.ForState(await engine.StartAsync(orgId, context.RequestAborted, acr), ApiUrls.OrgUrl(context.Request)));
        }

        var tx = await engine.FindAsync(orgId, handle, context.RequestAborted);
        return tx is null ? Expired() : await StateAsync(context, tx);
    }

    /// <summary>Body <c>{identifier, stateHandle, rememberMe?, credentials?: {passcode}}</c>: with credentials, the password step follows at once.</summary>
    private static async Task<IResult> Identify(HttpContext context, LatchkeyDbContext db, SignInEngine engine)
    {
        var (body, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.Identify);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        var identifier = JsonBody.String(body, "identifier", "identifier")?.Trim();
        if (Invalid(context, tx, identifier, SignInEngine.MaxIdentifierLength) is { } refusal)
        {
            return refusal;
        }

        var identified = await engine.IdentifyAsync(tx, identifier!, context.RequestAborted);
        if (identified.Transaction is not { } next)
        {
            return Expired();
        }

        return Passcode(body) is { } passcode ? await AnswerAsync(context, engine, next, passcode) : Ion(IdxResponses.ForState(next, ApiUrls.OrgUrl(context.Request)));
    }

    /// <summary>Body <c>{authenticator: {id, methodType}, stateHandle}</c>: choose the authenticator to answer (only the password today).</summary>
    private static async Task<IResult> Challenge(HttpContext context, LatchkeyDbContext db, SignInEngine engine, SecondFactors factors)
    {
        var (body, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.Password, SignInStep.SelectAuthenticator, SignInStep.Authenticator);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        var authenticator = JsonBody.Object(body, "authenticator", "authenticator");
        var id = authenticator is null ? null : JsonBody.String(authenticator, "id", "authenticator.id");
        var method = authenticator is null ? null : JsonBody.String(authenticator, "methodType", "authenticator.methodType");
        if (tx.State.Step != SignInStep.Password)
        {
            return await OutcomeAsync(context, tx, await factors.ChooseAsync(tx, id, method, context, context.RequestAborted));
        }

        if ((id is null && method is null) || (id is not null && id != PasswordAuthenticator.Id(tx.OrgId)) || (method is not null && method != "password"))
        {
            return Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request),
                [IdxResponses.Message("The authenticator is not available for this sign-in.", "idx.authenticator.not.available")]), StatusCodes.Status400BadRequest);
        }

        return Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request)));
    }

    /// <summary>Body <c>{credentials: {passcode}, stateHandle}</c>: the password, or the new password when it has expired.</summary>
    private static async Task<IResult> Answer(HttpContext context, LatchkeyDbContext db, SignInEngine engine, SecondFactors factors)
    {
        var (body, loaded, refused) = await LoadAtAsync(context, db, engine, SignInStep.Password, SignInStep.ChangePassword, SignInStep.Authenticator);
        if (loaded is not { } tx)
        {
            return refused!;
        }

        var passcode = Passcode(body);
        if (tx.State.Step == SignInStep.Authenticator && await factors.EnrollingKeyAsync(tx, context.RequestAborted) == Authenticators.DefaultAuthenticators.WebAuthn)
        {
            return SecurityKeyRegistration(body) is { } registration
                ? await OutcomeAsync(context, tx, await factors.AnswerSecurityKeyEnrollmentAsync(tx, registration, SignInCompletion.Session, context, context.RequestAborted))
                : await NotAvailableAsync(context, tx, IdxResponses.Message(
                    "credentials needs the new credential's clientData and attestation (the attestation object), base64url", "E0000001"));
        }

        if (tx.State.Step == SignInStep.Authenticator)
        {
            switch (await factors.ChosenMethodAsync(tx, context.RequestAborted))
            {
                case Factors.FactorTypes.WebAuthn:
                    return SecurityKeyAnswer(body) is { } credential
                        ? await OutcomeAsync(context, tx, await factors.AnswerSecurityKeyAsync(tx, credential, SignInCompletion.Session, context, context.RequestAborted))
                        : await NotAvailableAsync(context, tx, IdxResponses.Message(
                            "credentials needs the assertion: id (the credential id), clientData, authenticatorData and signatureData, base64url",
                            "E0000001"));
                case "totp" or "otp":
                    return Invalid(context, tx, passcode, 16)
                        ?? await OutcomeAsync(context, tx, await factors.AnswerCodeAsync(tx, passcode!, SignInCompletion.Session, context.RequestAborted));
                default:
                    return await NotAvailableAsync(context, tx); // a push is answered on the device, not here
            }
        }

        return Invalid(context, tx, passcode, SignInEngine.MaxPasswordLength) ?? await AnswerAsync(context, engine, tx, passcode!);
    }

    /// <summary>Ends the transaction and answers a new one at the username step.</summary>
    private static async Task<IResult> Cancel(HttpContext context, LatchkeyDbContext db, SignInEngine engine)
    {
        var (_, tx) = await LoadAsync(context, db, engine);
        if (tx is null)
        {
            return Expired();
        }

        await engine.CancelAsync(tx, context.RequestAborted);
        return Ion(IdxResponses.ForState(await engine.StartAsync(tx.OrgId, context.RequestAborted), ApiUrls.OrgUrl(context.Request)));
    }

    private static async Task<IResult> AnswerAsync(HttpContext context, SignInEngine engine, SignInTransaction tx, string passcode)
    {
        var orgUrl = ApiUrls.OrgUrl(context.Request);
        var ct = context.RequestAborted;
        var result = tx.State.Step == SignInStep.ChangePassword
            ? await engine.ChangePasswordAsync(tx, passcode, null, SignInCompletion.Session, ct)
            : await engine.AnswerPasswordAsync(tx, passcode, SignInCompletion.Session, context, ct);
        if (result.Session is { } session)
        {
            SessionStore.WriteCookie(context, session.CookieSecret);
            return Ion(IdxResponses.Success(tx, session, tx.State.Identifier ?? "", orgUrl));
        }

        if (result.RetryAfterSeconds is not null)
        {
            return Ion(IdxResponses.ForState(tx, orgUrl, [IdxResponses.TooManyRequests()]), StatusCodes.Status429TooManyRequests);
        }

        if (result.PolicyViolation is { } violation)
        {
            return Ion(IdxResponses.ForState(tx, orgUrl, [IdxResponses.Message(violation, "password.passwordRequirementsNotMet")]),
                StatusCodes.Status400BadRequest);
        }

        if (result.Refused && result.Reason == SignInReasons.PolicyDenied && result.Transaction is { } denied)
        {
            return PolicyDenied(context, denied);
        }

        if (result.Refused && result.Transaction is { } current)
        {
            return Ion(IdxResponses.ForState(current, orgUrl, [IdxResponses.AuthenticationFailed()]), StatusCodes.Status401Unauthorized);
        }

        return result.Transaction is { } next ? await StateAsync(context, next) : Expired();
    }

    /// <summary>The org's sign-on policy refused a person whose credentials were right: 403, as the real service answers it.</summary>
    private static IResult PolicyDenied(HttpContext context, SignInTransaction tx) =>
        Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request), [IdxResponses.AccessDenied()]), StatusCodes.Status403Forbidden);

    /// <summary>The body and the live transaction, provided it is at one of <paramref name="steps"/>; else the refusal (expired, or not available).</summary>
    private static async Task<(JsonObject Body, SignInTransaction? Tx, IResult? Refusal)> LoadAtAsync(HttpContext context, LatchkeyDbContext db,
        SignInEngine engine, params string[] steps)
    {
        var (body, tx) = await LoadAsync(context, db, engine);
        return tx is null ? (body, null, Expired())
            : steps.Contains(tx.State.Step) ? (body, tx, null)
            : (body, null, NotAvailable(context, tx));
    }

    private static async Task<(JsonObject Body, SignInTransaction? Tx)> LoadAsync(HttpContext context, LatchkeyDbContext db, SignInEngine engine)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, allowEmpty: true);
        var handle = JsonBody.String(body, "stateHandle", "stateHandle");
        var orgId = await ServerOrg.IdAsync(db, context.RequestAborted);
        return (body, await engine.FindAsync(orgId, handle, context.RequestAborted));
    }

    /// <summary>
    /// A security key's answer: <c>credentials</c> <c>{clientData, authenticatorData, signatureData}</c> (base64url) as the
    /// Identity Engine takes it, with the credential's <c>id</c> (or <c>credentialId</c>); null when a part is missing.
    /// </summary>
    private static string? SecurityKeyAnswer(JsonObject body)
    {
        if (JsonBody.Object(body, "credentials", "credentials") is not { } c)
        {
            return null;
        }

        var id = JsonBody.String(c, "id", "credentials.id") ?? JsonBody.String(c, "credentialId", "credentials.credentialId");
        var clientData = JsonBody.String(c, "clientData", "credentials.clientData");
        var authenticatorData = JsonBody.String(c, "authenticatorData", "credentials.authenticatorData");
        var signature = JsonBody.String(c, "signatureData", "credentials.signatureData");
        return id is null || clientData is null || authenticatorData is null || signature is null
            ? null
            : WebAuthn.WebAuthnJson.AssertionCredential(id, clientData, authenticatorData, signature);
    }

    /// <summary>
    /// A security key's registration: <c>credentials</c> <c>{clientData, attestation}</c> (base64url) as the Identity
    /// Engine takes it; the credential id is read from the attestation object. Null when a part is missing or unreadable.
    /// </summary>
    private static string? SecurityKeyRegistration(JsonObject body)
    {
        if (JsonBody.Object(body, "credentials", "credentials") is not { } c
            || JsonBody.String(c, "clientData", "credentials.clientData") is not { } clientData
            || JsonBody.String(c, "attestation", "credentials.attestation") is not { } attestation)
        {
            return null;
        }

        try
        {
            return WebAuthn.WebAuthnJson.AttestationCredential(attestation, clientData);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary><c>credentials.passcode</c>, or <c>credentials.totp</c> as Okta Verify's code is sent.</summary>
    private static string? Passcode(JsonObject body) =>
        JsonBody.Object(body, "credentials", "credentials") is { } credentials
            ? JsonBody.String(credentials, "passcode", "credentials.passcode") ?? JsonBody.String(credentials, "totp", "credentials.totp")
            : null;

    /// <summary>A blank or over-long field: 400 with the current step and a message that says which limit.</summary>
    private static IResult? Invalid(HttpContext context, SignInTransaction tx, string? value, int maxLength)
    {
        var message = string.IsNullOrEmpty(value)
            ? IdxResponses.Message("This field cannot be left blank", "model.validation.field.blank")
            : value.Length > maxLength
                ? IdxResponses.Message($"This field cannot be longer than {maxLength} characters", "model.validation.field.string.maxLength")
                : null;
        return message is null ? null : Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request), [message]), StatusCodes.Status400BadRequest);
    }

    /// <summary>At the second-factor step: the step as it stands (the user's authenticators) and why the request was refused.</summary>
    private static Task<IResult> NotAvailableAsync(HttpContext context, SignInTransaction tx, JsonObject? message = null) =>
        StateAsync(context, tx, [message ?? IdxResponses.Message("This step is not available in the current state of the sign-in.", "idx.remediation.not.available")],
            StatusCodes.Status400BadRequest);

    private static IResult NotAvailable(HttpContext context, SignInTransaction tx) =>
        Ion(IdxResponses.ForState(tx, ApiUrls.OrgUrl(context.Request),
            [IdxResponses.Message("This step is not available in the current state of the sign-in.", "idx.remediation.not.available")]),
            StatusCodes.Status400BadRequest);

    private static IResult Expired() => Ion(IdxResponses.Error(IdxResponses.SessionExpired()), StatusCodes.Status401Unauthorized);

    public static IResult Ion(JsonObject body, int status = StatusCodes.Status200OK) =>
        TypedResults.Text(body.ToJsonString(ApiJson.Options), IdxResponses.MediaType, Encoding.UTF8, status);
}
