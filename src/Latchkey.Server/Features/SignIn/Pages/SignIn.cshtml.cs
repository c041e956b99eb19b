using Latchkey.Core.SignIn;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Latchkey.Server.Features.SignIn.Pages;

/// <summary>
/// The sign-in page at <c>/</c>: username, then password (then a new password when it has expired), driven by the same
/// <see cref="SignInEngine"/> as IDX, in-process. The transaction's handle travels in a hidden field of each form (it is
/// stored hashed, expires, and every step replaces its version, so a replayed form is stale). Every refusal of a password
/// reads the same, whatever the real reason (no account enumeration); the System Log has the reason. A signed-in person
/// goes to their dashboard, or back where they came from (only ever a path on this site). When the sign-in asks for a
/// second factor (<c>?acr_values=urn:okta:loa:2fa:any</c>), the user then chooses an authenticator and enters its code or
/// approves a push, with the number to match (docs/sign-in.md).
/// </summary>
public sealed class SignInPageModel(SignInEngine engine, LatchkeyDbContext db, WebUserAccessor users, SecondFactors factors,
    AuthenticatorApp.FastPassChallenges fastPass) : PageModel
{
    public const string Generic = "Unable to sign in. Check your username and password.";

    public string Step { get; private set; } = "identify";
    public string? StateHandle { get; private set; }
    public string? Username { get; private set; }
    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true, Name = "fromURI")]
    public string? FromUri { get; set; }

    /// <summary>The assurance the sign-in asks for, as OpenID Connect's <c>acr_values</c>.</summary>
    [BindProperty(SupportsGet = true, Name = "acr_values")]
    public string? AcrValues { get; set; }

    /// <summary>A FastPass challenge just issued (the org-signed JWT the page's script hands to the app on this computer's loopback).</summary>
    public string? FastPassChallenge { get; private set; }

    /// <summary>At the second-factor steps: the user's authenticators, and the chosen one with its push number.</summary>
    public SecondFactorView? Factors { get; private set; }

    /// <summary>OpenID Connect's <c>prompt=login</c>: sign in again even with a session (an app's step-up asks for it).</summary>
    [BindProperty(SupportsGet = true, Name = "prompt")]
    public string? Prompt { get; set; }

    /// <summary>After any handler: a sign-in for an app link lets its forms' redirect chain reach that app (<see cref="Dashboard.LaunchFormAction"/>).</summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        await next();
        await Dashboard.LaunchFormAction.AllowAppOfAsync(Response, db, FromUri, HttpContext.RequestAborted);
    }

    public async Task<IActionResult> OnGetAsync()
    {
        if (Prompt != "login" && await users.GetAsync(HttpContext) is not null)
        {
            return Redirect(Destination);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostIdentifyAsync([FromForm] string? username)
    {
        username = username?.Trim();
        if (string.IsNullOrEmpty(username))
        {
            return Show("identify", null, null, "Enter your username.");
        }

        if (username.Length > SignInEngine.MaxIdentifierLength)
        {
            return Show("identify", null, null, $"A username has at most {SignInEngine.MaxIdentifierLength} characters.");
        }

        var ct = HttpContext.RequestAborted;
        var tx = await engine.StartAsync(await ServerOrg.IdAsync(db, ct), ct, AcrValues);
        var result = await engine.IdentifyAsync(tx, username, ct);
        return result.Transaction is { } next
            ? Show("password", next.Handle, username, null)
            : Show("identify", null, null, Expired);
    }

    public async Task<IActionResult> OnPostPasswordAsync([FromForm] string? stateHandle, [FromForm] string? password)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await engine.FindAsync(await ServerOrg.IdAsync(db, ct), stateHandle, ct);
        if (tx is null)
        {
            return Show("identify", null, null, Expired);
        }

        var username = tx.State.Identifier;
        if (string.IsNullOrEmpty(password))
        {
            return Show("password", tx.Handle, username, "Enter your password.");
        }

        // Says what is wrong (the field's own limit, the same for every account): refused before the engine, so it costs no attempt.
        if (password.Length > SignInEngine.MaxPasswordLength)
        {
            return Show("password", tx.Handle, username, $"A password has at most {SignInEngine.MaxPasswordLength} characters.");
        }

        var result = await engine.AnswerPasswordAsync(tx, password, SignInCompletion.Session, HttpContext, ct);
        if (result.Session is { } session)
        {
            SessionStore.WriteCookie(HttpContext, session.CookieSecret);
            return Redirect(Destination);
        }

        if (result.RetryAfterSeconds is { } wait)
        {
            Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Show("password", tx.Handle, username,
                $"Too many failed sign-ins from your network. Wait {wait} seconds, then try again.");
        }

        if (result.Stale || result.Transaction is null)
        {
            return Show("identify", null, null, Expired);
        }

        if (result.Refused)
        {
            return result.Reason == SignInReasons.PolicyDenied
                ? Show("identify", null, null, PolicyDeniedMessage(result))
                : Show("password", result.Transaction.Handle, username, Generic);
        }

        return result.Transaction.State.Step == SignInStep.ChangePassword
            ? Show("change-password", result.Transaction.Handle, username, null)
            : await ShowFactorAsync(result.Transaction, null);
    }

    /// <summary>Chooses an authenticator and method (<c>choice</c> is <c>authenticatorId:method</c>); a push is sent at once.</summary>
    public async Task<IActionResult> OnPostChooseAsync([FromForm] string? stateHandle, [FromForm] string? choice)
    {
        var ct = HttpContext.RequestAborted;
        if (await FindAsync(stateHandle, SignInStep.SelectAuthenticator, SignInStep.Authenticator) is not { } tx)
        {
            return Show("identify", null, null, Expired);
        }

        if (choice?.Split(':') is not [var authenticatorId, var method])
        {
            return await ShowFactorAsync(tx, "Choose how to verify.");
        }

        return await ShowOutcomeAsync(tx, await factors.ChooseAsync(tx, authenticatorId, method, HttpContext, ct));
    }

    /// <summary>
    /// "Sign in with FastPass" at the username step: a passwordless sign-in whose challenge the page's script hands to
    /// Latchkey Verify on this computer (docs/fastpass.md); whoever's device answers is signed in.
    /// </summary>
    public async Task<IActionResult> OnPostFastPassAsync()
    {
        var ct = HttpContext.RequestAborted;
        var tx = await engine.StartAsync(await ServerOrg.IdAsync(db, ct), ct, AcrValues);
        var challenge = await fastPass.CreateAsync(tx.OrgId, Api.ApiUrls.OrgUrl(Request), null, new AuthenticatorApp.DeviceChallengeOptions(), ct);
        var launched = await engine.LaunchDeviceChallengeAsync(tx, challenge, ct);
        if (launched.Transaction is not { } next)
        {
            return Show("identify", null, null, Expired);
        }

        FastPassChallenge = challenge.Request;
        return Show("fastpass", next.Handle, null, null);
    }

    /// <summary>After Latchkey Verify answered the FastPass challenge (the script submits this when it sees the answer; without script, a button).</summary>
    public async Task<IActionResult> OnPostFastPassPollAsync([FromForm] string? stateHandle)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await FindAsync(stateHandle, SignInStep.DeviceChallenge, SignInStep.Authenticator);
        if (tx is null || (tx.State.Step == SignInStep.Authenticator && await factors.ChosenMethodAsync(tx, ct) != FactorTypes.SignedNonce))
        {
            return Show("identify", null, null, Expired);
        }

        if (tx.State.Step == SignInStep.Authenticator)
        {
            var outcome = await factors.PollFastPassAsync(tx, SignInCompletion.Session, ct);
            return outcome.Result.Session is null && outcome.Message is null && outcome.Result.Transaction is { } waiting
                ? await ShowFactorAsync(waiting, NotAnswered + ", or verify another way.", "status")
                : await ShowOutcomeAsync(tx, outcome);
        }

        var (answeredBy, expired) = await fastPass.StatusAsync(tx, ct);
        if (answeredBy is null)
        {
            return expired ? Show("identify", null, null, "The FastPass sign-in expired before Latchkey Verify answered. Try again, or sign in with your username.")
                : Show("fastpass", tx.Handle, null, null, NotAnswered + ", or sign in with your username.");
        }

        var result = await engine.DeviceChallengeVerifiedAsync(tx, answeredBy, SignInCompletion.Session, ct);
        if (result.Session is not { } session)
        {
            return Show("identify", null, null, result.Reason == SignInReasons.PolicyDenied ? PolicyDeniedMessage(result) : Expired);
        }

        SessionStore.WriteCookie(HttpContext, session.CookieSecret);
        return Redirect(Destination);
    }

    /// <summary>What the person reads when the org's sign-on policy keeps them out: which rule, and whom to ask.</summary>
    private static string PolicyDeniedMessage(SignInResult result) =>
        $"Your organization's sign-on policy does not let you sign in here. {result.PolicyDenial} Ask your administrator if you need access.";

    private const string NotAnswered = "Latchkey Verify has not answered yet: start `latchkey-verify listen` on this computer and try again";

    /// <summary>Whether the FastPass challenge still waits for the app, for the page's script (<c>{"waiting": true|false}</c>); read only.</summary>
    public async Task<IActionResult> OnPostFastPassStatusAsync([FromForm] string? stateHandle)
    {
        var tx = await FindAsync(stateHandle, SignInStep.DeviceChallenge, SignInStep.Authenticator);
        var waiting = tx is not null && await fastPass.StatusAsync(tx, HttpContext.RequestAborted) is (null, false);
        return new JsonResult(new { waiting });
    }

    /// <summary>The code of the chosen authenticator.</summary>
    public async Task<IActionResult> OnPostCodeAsync([FromForm] string? stateHandle, [FromForm] string? code)
    {
        if (await FindAsync(stateHandle, SignInStep.Authenticator) is not { } tx || tx.State.ChallengeId is not null)
        {
            return Show("identify", null, null, Expired);
        }

        code = code?.Replace(" ", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(code) || code.Length > 16)
        {
            return await ShowFactorAsync(tx, "Enter the code your authenticator shows.");
        }

        return await ShowOutcomeAsync(tx, await factors.AnswerCodeAsync(tx, code, SignInCompletion.Session, HttpContext.RequestAborted));
    }

    /// <summary>
    /// The security key's answer: <c>credential</c> is the <c>PublicKeyCredential</c> JSON the page's script got from
    /// <c>navigator.credentials.get()</c> over the challenge this sign-in keeps.
    /// </summary>
    public async Task<IActionResult> OnPostSecurityKeyAsync([FromForm] string? stateHandle, [FromForm] string? credential)
    {
        if (await FindAsync(stateHandle, SignInStep.Authenticator) is not { } tx
            || await factors.ChosenMethodAsync(tx, HttpContext.RequestAborted) != FactorTypes.WebAuthn)
        {
            return Show("identify", null, null, Expired);
        }

        if (string.IsNullOrEmpty(credential) || credential.Length > 64 * 1024)
        {
            return await ShowFactorAsync(tx, "Use your security key when the browser asks (this needs JavaScript).");
        }

        return await ShowOutcomeAsync(tx, await factors.AnswerSecurityKeyAsync(tx, credential, SignInCompletion.Session, HttpContext, HttpContext.RequestAborted));
    }

    /// <summary>After the push was answered on the device (the page's script submits this when it sees the answer; without script, a button).</summary>
    public async Task<IActionResult> OnPostPollAsync([FromForm] string? stateHandle)
    {
        if (await FindAsync(stateHandle, SignInStep.Authenticator) is not { } tx || tx.State.ChallengeId is null)
        {
            return Show("identify", null, null, Expired);
        }

        var outcome = await factors.PollAsync(tx, SignInCompletion.Session, HttpContext.RequestAborted);
        if (outcome.Result.Session is null && outcome.Message is null && outcome.Result.Transaction is { } waiting)
        {
            return await ShowFactorAsync(waiting, "The push has not been answered yet. Approve it on your device, then continue.", "status");
        }

        return await ShowOutcomeAsync(tx, outcome);
    }

    /// <summary>
    /// Whether the push is still waiting, for the page's script (<c>{"waiting": true|false}</c>); it changes nothing, so the
    /// answer itself is then taken by <see cref="OnPostPollAsync"/> as a form post, as without script.
    /// </summary>
    public async Task<IActionResult> OnPostPushStatusAsync([FromForm] string? stateHandle)
    {
        var tx = await FindAsync(stateHandle, SignInStep.Authenticator);
        var waiting = tx?.State.ChallengeId is { } id && await factors.PushWaitingAsync(tx.OrgId, id, HttpContext.RequestAborted);
        return new JsonResult(new { waiting });
    }

    /// <summary>Chooses what to set up (<c>enroll</c> is an authenticator id), for a user with no second factor yet.</summary>
    public async Task<IActionResult> OnPostEnrollAsync([FromForm] string? stateHandle, [FromForm] string? enroll)
    {
        if (await FindAsync(stateHandle, SignInStep.SelectAuthenticator, SignInStep.Authenticator) is not { } tx)
        {
            return Show("identify", null, null, Expired);
        }

        if (string.IsNullOrEmpty(enroll))
        {
            return await ShowFactorAsync(tx, "Choose what to set up.");
        }

        return await ShowOutcomeAsync(tx, await factors.EnrollAsync(tx, enroll, HttpContext, HttpContext.RequestAborted));
    }

    /// <summary>After the authenticator app was set up with the activation link (the page's script submits this when it sees it; without script, a button).</summary>
    public async Task<IActionResult> OnPostEnrollPollAsync([FromForm] string? stateHandle)
    {
        var ct = HttpContext.RequestAborted;
        if (await FindAsync(stateHandle, SignInStep.Authenticator) is not { } tx || await factors.EnrollingKeyAsync(tx, ct) != Authenticators.DefaultAuthenticators.OktaVerify)
        {
            return Show("identify", null, null, Expired);
        }

        var outcome = await factors.PollEnrollmentAsync(tx, SignInCompletion.Session, ct);
        if (outcome.Result.Session is null && outcome.Result.Transaction is { } waiting)
        {
            return await ShowFactorAsync(waiting, "The app has not been set up yet. Run the command on your device, then continue.", "status");
        }

        return await ShowOutcomeAsync(tx, outcome);
    }

    /// <summary>Whether the authenticator app's set-up still waits, for the page's script (<c>{"waiting": true|false}</c>); read only.</summary>
    public async Task<IActionResult> OnPostEnrollStatusAsync([FromForm] string? stateHandle)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await FindAsync(stateHandle, SignInStep.Authenticator);
        var waiting = tx?.State.Enrolling is not null && !await factors.AppEnrolledAsync(tx, ct);
        return new JsonResult(new { waiting });
    }

    /// <summary>The new security key: <c>credential</c> is the JSON of <c>navigator.credentials.create()</c> over the challenge this sign-in keeps.</summary>
    public async Task<IActionResult> OnPostRegisterKeyAsync([FromForm] string? stateHandle, [FromForm] string? credential)
    {
        var ct = HttpContext.RequestAborted;
        if (await FindAsync(stateHandle, SignInStep.Authenticator) is not { } tx || await factors.EnrollingKeyAsync(tx, ct) != Authenticators.DefaultAuthenticators.WebAuthn)
        {
            return Show("identify", null, null, Expired);
        }

        if (string.IsNullOrEmpty(credential) || credential.Length > 64 * 1024)
        {
            return await ShowFactorAsync(tx, "Use your security key when the browser asks (this needs JavaScript).");
        }

        return await ShowOutcomeAsync(tx, await factors.AnswerSecurityKeyEnrollmentAsync(tx, credential, SignInCompletion.Session, HttpContext, ct));
    }

    private async Task<SignInTransaction?> FindAsync(string? stateHandle, params string[] steps)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await engine.FindAsync(await ServerOrg.IdAsync(db, ct), stateHandle, ct);
        return tx is not null && steps.Contains(tx.State.Step) ? tx : null;
    }

    private async Task<IActionResult> ShowOutcomeAsync(SignInTransaction tx, SecondFactors.Outcome outcome)
    {
        if (outcome.Result.Session is { } session)
        {
            SessionStore.WriteCookie(HttpContext, session.CookieSecret);
            return Redirect(Destination);
        }

        FastPassChallenge = outcome.Challenge?.Request;
        return outcome.Result.Transaction is { } next ? await ShowFactorAsync(next, outcome.Message) : Show("identify", null, null, Expired);
    }

    /// <summary>The second-factor step the transaction is at: choose, enter a code, or wait for the push.</summary>
    private async Task<IActionResult> ShowFactorAsync(SignInTransaction tx, string? message, string messageRole = "alert")
    {
        Factors = await factors.ViewAsync(tx, Api.ApiUrls.OrgUrl(Request), HttpContext.RequestAborted);
        var step = Factors switch
        {
            { Enrolling.ActivationData: not null } => "enroll-webauthn",
            { Enrolling.ActivationLink: not null } => "enroll-app",
            { Enrolling: not null } => "enroll-code",
            { Choices.Count: 0, Enrollable.Count: > 0 } => "select-enroll",
            { Current: not null, CurrentMethod: FactorTypes.Push } => "challenge-push",
            { Current: not null, CurrentMethod: FactorTypes.WebAuthn } => "challenge-webauthn",
            { Current: not null, CurrentMethod: FactorTypes.SignedNonce } => "challenge-fastpass",
            { Current: not null } => "challenge-code",
            _ => "select-authenticator",
        };
        if (Factors is { Choices.Count: 0, Enrollable.Count: 0 })
        {
            message ??= "This sign-in needs a second factor, but none is set up for your account and none can be set up here. "
                + "Ask your administrator.";
        }

        var page = Show(step, tx.Handle, tx.State.Identifier, messageRole == "alert" ? message : null);
        Status = messageRole == "status" ? message : null;
        return page;
    }

    /// <summary>A message that is not an error (shown in a <c>role="status"</c> region).</summary>
    public string? Status { get; private set; }

    public async Task<IActionResult> OnPostChangePasswordAsync([FromForm] string? stateHandle, [FromForm] string? newPassword,
        [FromForm] string? confirmPassword)
    {
        var ct = HttpContext.RequestAborted;
        var tx = await engine.FindAsync(await ServerOrg.IdAsync(db, ct), stateHandle, ct);
        if (tx is null)
        {
            return Show("identify", null, null, Expired);
        }

        var username = tx.State.Identifier;
        if (string.IsNullOrEmpty(newPassword) || newPassword.Length > SignInEngine.MaxPasswordLength)
        {
            return Show("change-password", tx.Handle, username, "Enter a new password.");
        }

        if (!string.Equals(newPassword, confirmPassword, StringComparison.Ordinal))
        {
            return Show("change-password", tx.Handle, username, "The two new passwords are not the same.");
        }

        var result = await engine.ChangePasswordAsync(tx, newPassword, null, SignInCompletion.Session, ct);
        if (result.Session is { } session)
        {
            SessionStore.WriteCookie(HttpContext, session.CookieSecret);
            return Redirect(Destination);
        }

        if (result.PolicyViolation is { } violation)
        {
            return Show("change-password", tx.Handle, username, violation);
        }

        return Show("identify", null, null, Expired);
    }

    private const string Expired = "This sign-in has expired or was already used. Start again.";

    private string Destination => WebShell.IsLocalUrl(FromUri) && FromUri != "/" ? FromUri! : "/app/UserHome";

    private PageResult Show(string step, string? handle, string? username, string? error, string? status = null)
    {
        (Step, StateHandle, Username, Error, Status) = (step, handle, username, error, status);
        return Page();
    }
}
