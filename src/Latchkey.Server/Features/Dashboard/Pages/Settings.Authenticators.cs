using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Hosting;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.Dashboard.Pages;

/// <summary>
/// "My settings", the person's own authenticators (issue 11 item 8): set up an authenticator app for codes (TOTP, the QR
/// code and the secret shown once, confirmed with a first code), list their authenticators and devices, and remove one.
/// Every change goes through the Management API's own code (enroll, activate, unenroll a factor; the device lifecycle's
/// removal of a person), as this person: the System Log's actor is them.
/// </summary>
public sealed partial class SettingsPageModel
{
    /// <summary>The set-up just started by this request (the only response that shows its secret), or null.</summary>
    public NewAppEnrollment? NewApp { get; private set; }

    /// <summary>The person's authenticators and devices, read once per response.</summary>
    public async Task<MyAuthenticators> MineAsync() =>
        _mine ??= await MySecurity.LoadAsync(HttpContext.RequestServices.GetRequiredService<LatchkeyDbContext>(), Me.User, HttpContext.RequestAborted);

    private MyAuthenticators? _mine;

    /// <summary>Acts as the signed-in person through the API's code (their own account; the System Log's actor).</summary>
    private Features.ApiTokens.ApiCaller Self()
    {
        var self = Me.AsCaller();
        self.Attach(HttpContext);
        return self;
    }

    public async Task<IActionResult> OnPostEnrollAppAsync([FromServices] LatchkeyDbContext db, [FromServices] OrgWrite write, [FromServices] FactorSecrets secrets,
        [FromServices] TimeProvider time, [FromServices] IOptions<LatchkeyOptions> options)
    {
        ViewData["Me"] = Me;
        var ct = HttpContext.RequestAborted;
        try
        {
            var (factor, secret) = await FactorsApi.EnrollTotpAsync(Self(), Me.User.Id, MySecurity.AppProvider, db, write, secrets, time, options.Value, ct);
            var org = await db.Orgs.AsNoTracking().Where(o => o.Id == Me.OrgId).Select(o => o.Name).FirstAsync(ct);
            var uri = MySecurity.OtpAuthUri(org, Me.User.Login, secret);
            NewApp = new NewAppEnrollment(factor.Id, secret, uri, MySecurity.QrCodeDataUri(uri), factor.ActivationExpiresAt!.Value);
        }
        catch (ApiException e)
        {
            return Refuse(e.Error.Causes.Count > 0 ? e.Error.Causes[0] : e.Error.Summary);
        }

        // Shown on this response only: not kept for a redirect; a page with a form is sent no-store (antiforgery sees to it).
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAppAsync([FromForm] string? factorId, [FromForm] string? code, [FromServices] TotpFactors totp)
    {
        ViewData["Me"] = Me;
        if (string.IsNullOrWhiteSpace(factorId) || string.IsNullOrWhiteSpace(code))
        {
            return Refuse("Enter the 6-digit code your authenticator app shows.");
        }

        Self();
        var answer = await totp.AnswerAsync(Me.User, factorId, code.Replace(" ", "", StringComparison.Ordinal), activating: true, Me.Actor, HttpContext.RequestAborted);
        if (answer.Factor is null || answer.NotActive)
        {
            return Refuse("This set-up has expired or was already finished. Start again to get a new QR code.");
        }

        switch (answer.Outcome)
        {
            case TotpOutcome.Accepted:
                Flash = "Your authenticator app is set up: it gives you codes to sign in with.";
                return RedirectToPage();
            case TotpOutcome.Replayed:
                return Refuse("That code was already used. Wait for the next code and enter it.");
            case TotpOutcome.Locked:
                return Refuse("Too many wrong codes: try again in a few minutes.");
            default:
                return Refuse("That code is not right. Check the time on your phone and enter the code the app shows now.");
        }
    }

    public Task<IActionResult> OnPostRemoveFactorAsync([FromForm] string? factorId, [FromServices] LatchkeyDbContext db, [FromServices] OrgWrite write,
        [FromServices] SystemLogWriter log) =>
        RemoveAsync(async ct =>
        {
            var factor = await FactorsApi.DeleteAsync(Self(), Me.User.Id, factorId ?? "", db, write, log, ct);
            return $"{MySecurity.Describe(factor)} was removed.";
        });

    public Task<IActionResult> OnPostRemoveDeviceAsync([FromForm] string? deviceId, [FromServices] LatchkeyDbContext db, [FromServices] OrgWrite write,
        [FromServices] SystemLogWriter log) =>
        RemoveAsync(async ct =>
        {
            var device = await DeviceLifecycle.RemoveUserAsync(Self(), deviceId ?? "", Me.User.Id, db, write, log, ct);
            return $"{device.DisplayName} was removed from your devices, with the authenticator app's sign-in methods on it.";
        });

    /// <summary>Post-redirect-get: the removal's message, or why it was refused (not yours, already gone), back on this page.</summary>
    private async Task<IActionResult> RemoveAsync(Func<CancellationToken, Task<string>> remove)
    {
        try
        {
            Flash = await remove(HttpContext.RequestAborted);
        }
        catch (ApiException e) when (e.Error.Status == StatusCodes.Status404NotFound)
        {
            FlashError = "That is not one of yours, or it was already removed.";
        }

        return RedirectToPage();
    }
}
