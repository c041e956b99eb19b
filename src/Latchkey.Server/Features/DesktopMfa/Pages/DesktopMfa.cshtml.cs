using System.Text;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa.Pages;

/// <summary>A Desktop MFA app as the console lists it: the app and when its client secret was made.</summary>
public sealed record DesktopMfaAppRow(AppEntity App, DateTimeOffset? SecretCreated);

/// <summary>
/// Applications > Desktop MFA (issue 13 item 6, docs/desktop-mfa.md): the org settings (recovery PINs, number matching), changed
/// with <see cref="AdminPermission.SecurityManage"/> through <see cref="DesktopMfaApi.SetSettingAsync"/> as the
/// <c>PUT /device-access/api/v1/desktop-mfa/...</c> routes do; the org's Desktop MFA apps, each with its configuration
/// profile to download (JSON or plist, <see cref="DesktopMfaApi.ReadProfileAsync"/>: logged, never cached) and its client
/// secret to rotate (the new one shown once), both with <see cref="AdminPermission.AppsManage"/> as in the API.
/// </summary>
public sealed class DesktopMfaPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, DesktopMfaSecrets secrets, TimeProvider time)
    : ConsolePage
{
    public const string Here = "/admin/security/desktop-mfa";

    public override AdminPermission Reads => AdminPermission.AppsRead;
    public override string Section => ConsoleNavigation.DesktopMfa;

    /// <summary>The org settings in the order shown: the API's key and what it does.</summary>
    public static readonly IReadOnlyList<(string Key, string Label, string Explains)> Settings =
    [
        (DesktopMfaApi.RecoveryPinKey, "Recovery PINs",
            "A help-desk admin can give a person locked out at a computer a one-time PIN (8 digits, 2 minutes) the computer checks offline with the person's device access code."),
        (DesktopMfaApi.NumberMatchingKey, "Number matching",
            "A Desktop MFA push shows a number at the login window that the person must choose in the authenticator app."),
    ];

    public IReadOnlyDictionary<string, bool> Flags { get; private set; } = new Dictionary<string, bool>();

    public IReadOnlyList<DesktopMfaAppRow> Apps { get; private set; } = [];

    /// <summary>The secret a rotation just made: the app and its only plaintext copy (this response only).</summary>
    public (AppEntity App, string Secret)? Rotated { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var flags = new Dictionary<string, bool>();
        foreach (var (key, _, _) in Settings)
        {
            flags[key] = await OrgSettings.FlagAsync(db, Me.OrgId, key, ct);
        }

        Flags = flags;
        var apps = await db.Apps.AsNoTracking().Where(a => a.OrgId == Me.OrgId && a.Name == DesktopMfaApp.Name).ToListAsync(ct);
        var ids = apps.Select(a => a.Id).ToList();
        var created = await db.AppClients.AsNoTracking().Where(c => ids.Contains(c.AppId)).ToDictionaryAsync(c => c.AppId, c => c.SecretCreated, ct);
        Apps = apps.OrderBy(a => a.Label, StringComparer.OrdinalIgnoreCase).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => new DesktopMfaAppRow(a, created.TryGetValue(a.Id, out var at) ? at : null)).ToList();
    }

    /// <summary>Turns a setting on (<paramref name="enabled"/> "true") or off (anything else).</summary>
    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostSettingAsync([FromForm] string? setting, [FromForm] string? enabled) => ChangeAsync(async () =>
    {
        var (key, label, _) = Settings.FirstOrDefault(s => s.Key == setting);
        if (key is null)
        {
            throw new ApiException(ApiErrors.Validation("setting", $"One of {string.Join(", ", Settings.Select(s => s.Key))}."));
        }

        var on = enabled == "true";
        await DesktopMfaApi.SetSettingAsync(Caller, key, on, db, write, log, HttpContext.RequestAborted);
        return $"{label} {(on ? "are on" : "are off")} for Desktop MFA.";
    }, Here);

    /// <summary>The configuration profile as a file to save (<c>?handler=Profile&amp;appId=...&amp;format=json|plist</c>); a refusal shows the page with why.</summary>
    [Requires(AdminPermission.AppsManage)]
    public async Task<IActionResult> OnGetProfileAsync(string? appId, string? format)
    {
        try
        {
            var plist = format == "plist";
            if (!plist && format != "json")
            {
                throw new ApiException(ApiErrors.Validation("format", "Either json or plist."));
            }

            var (app, profile) = await DesktopMfaApi.ReadProfileAsync(Caller, appId ?? "", ApiUrls.OrgUrl(Request), db, write, log, secrets, HttpContext.RequestAborted);
            Response.Headers.CacheControl = "no-store";
            var text = plist ? DesktopMfaApi.ToPlist(profile) : profile.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
            return File(Encoding.UTF8.GetBytes(text), plist ? "application/x-plist" : "application/json", $"desktop-mfa-{app.Id}.{(plist ? "plist" : "json")}");
        }
        catch (ApiException e)
        {
            Refuse(Describe(e.Error));
            await LoadAsync();
            return Page();
        }
    }

    /// <summary>A new client secret, after the confirm box is ticked; shown on this very answer, once.</summary>
    [Requires(AdminPermission.AppsManage)]
    public async Task<IActionResult> OnPostRotateAsync([FromForm] string? appId, [FromForm] string? confirm)
    {
        try
        {
            if (confirm != "yes")
            {
                throw new ApiException(ApiErrors.Validation("confirm", "Tick the box to confirm: computers with the current profile stop working until they get the new one. Nothing was changed"));
            }

            var (app, secret, _) = await DesktopMfaApi.RotateSecretAsync(Caller, appId ?? "", db, write, log, secrets, time, HttpContext.RequestAborted);
            Rotated = (app, secret);
            Notice = $"{app.Label} has a new client secret. Download its configuration profile again and deploy it: computers with the old one are refused from now on.";
        }
        catch (ApiException e)
        {
            Refuse(Describe(e.Error));
        }

        await LoadAsync();
        return Page();
    }
}
