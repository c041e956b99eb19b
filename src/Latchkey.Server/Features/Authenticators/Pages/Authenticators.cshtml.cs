using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Authenticators.Pages;

/// <summary>One authenticator as the console lists it, with its methods and their statuses.</summary>
public sealed record AuthenticatorRow(AuthenticatorEntity Authenticator, IReadOnlyList<(string Type, string Status)> Methods)
{
    /// <summary>The settings the console shows for this authenticator, each with its current value.</summary>
    public IReadOnlyList<(SettingField Field, string? Value)> Settings { get; init; } = [];
}

/// <summary>
/// A setting the console's form offers: of the authenticator (<see cref="Method"/> null) or of one of its methods. Its
/// choices are the values <see cref="AuthenticatorSettings"/> accepts, so the form never offers one the API would refuse.
/// </summary>
public sealed record SettingField(string Key, string? Method, string Path, string Label)
{
    public SettingRule Rule => (Method is null ? AuthenticatorSettings.Rule(Key, Path) : AuthenticatorSettings.MethodRule(Key, Method, Path))!;

    /// <summary>The form field's name (and, with the authenticator's id, its element id).</summary>
    public string Name => Method is null ? Path : $"{Method}.{Path}";

    public static string Describe(string value) => value switch
    {
        "ALWAYS" => "Always",
        "NEVER" => "Never",
        "HIGH_RISK_ONLY" => "High-risk sign-ins only (none without a risk engine: as Never)",
        "DISCOURAGED" => "Discouraged",
        "PREFERRED" => "Preferred",
        "REQUIRED" => "Required",
        _ => value,
    };
}

/// <summary>
/// Security > Authenticators: the org's authenticators and their methods; an admin with
/// <see cref="AdminPermission.SecurityManage"/> activates and deactivates them and changes their settings (number challenge,
/// user verification) through the same code as <c>POST /api/v1/authenticators/{id}/lifecycle/...</c> and
/// <c>PUT /api/v1/authenticators/{id}</c> (the same rules, refusals and events); other admins see the values only.
/// </summary>
public sealed class AuthenticatorsPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.SecurityRead;
    public override string Section => ConsoleNavigation.Authenticators;

    /// <summary>The settings Security > Authenticators shows and, for an admin who may, changes.</summary>
    public static readonly SettingField[] Fields =
    [
        new(DefaultAuthenticators.OktaVerify, null, AuthenticatorSettings.NumberChallengeRequired, "Number challenge"),
        new(DefaultAuthenticators.OktaVerify, null, AuthenticatorSettings.UserVerification, "User verification"),
        new(DefaultAuthenticators.WebAuthn, "webauthn", AuthenticatorSettings.UserVerification, "User verification"),
    ];

    public IReadOnlyList<AuthenticatorRow> Rows { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var all = await db.Authenticators.AsNoTracking().Where(a => a.OrgId == Me.OrgId).ToListAsync(HttpContext.RequestAborted);
        Rows = all.OrderBy(a => a.Created).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => new AuthenticatorRow(a, AuthenticatorsApi.StoredMethods(a)
                .Select(m => ((string?)m!["type"] ?? "", (string?)m["status"] ?? "")).ToList())
            {
                Settings = Fields.Where(f => f.Key == a.Key).Select(f => (f, AuthenticatorSettings.Value(SettingsOf(a, f.Method), f.Path))).ToList(),
            })
            .ToList();
    }

    private static JsonNode? SettingsOf(AuthenticatorEntity a, string? method) => method is null
        ? a.SettingsJson is null ? null : JsonNode.Parse(a.SettingsJson)
        : AuthenticatorsApi.StoredMethods(a).FirstOrDefault(m => (string?)m!["type"] == method)?["settings"];

    /// <summary>
    /// Saves an authenticator's settings form through the API's replace operations (the authenticator's own settings, then
    /// each method's): only the fields the form has for this authenticator are read, anything else posted is ignored.
    /// </summary>
    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostSettingsAsync([FromForm] string? authenticatorId) => ChangeAsync(async () =>
    {
        var ct = HttpContext.RequestAborted;
        var a = await AuthenticatorsApi.FindAsync(db, Me.OrgId, authenticatorId ?? "", track: false, ct);
        var bodies = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var field in Fields.Where(f => f.Key == a.Key))
        {
            if (Request.Form[field.Name].ToString() is { Length: > 0 } value)
            {
                if (!bodies.TryGetValue(field.Method ?? "", out var body))
                {
                    bodies[field.Method ?? ""] = body = new JsonObject { ["settings"] = new JsonObject() };
                }

                var settings = (JsonObject)body["settings"]!;
                var parts = field.Path.Split('.');
                var node = parts[..^1].Aggregate(settings, (n, part) => (JsonObject)(n[part] ??= new JsonObject()));
                node[parts[^1]] = field.Rule.IsInteger && int.TryParse(value, out var number) ? number : value;
            }
        }

        foreach (var (method, body) in bodies.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            if (method.Length == 0)
            {
                await AuthenticatorSettings.ReplaceAsync(Caller, a.Id, body, db, write, log, time, ct);
            }
            else
            {
                await AuthenticatorSettings.ReplaceMethodAsync(Caller, a.Id, method, body, db, write, log, time, ct);
            }
        }

        return $"{a.Name}: settings saved.";
    }, "/admin/security/authenticators");

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostActivateAsync([FromForm] string? authenticatorId) => SetAsync(authenticatorId, DefaultAuthenticators.Active);

    [Requires(AdminPermission.SecurityManage)]
    public Task<IActionResult> OnPostDeactivateAsync([FromForm] string? authenticatorId) => SetAsync(authenticatorId, DefaultAuthenticators.Inactive);

    private Task<IActionResult> SetAsync(string? authenticatorId, string status) => ChangeAsync(async () =>
    {
        var a = await AuthenticatorsApi.ChangeStatusAsync(Caller, authenticatorId ?? "", status, db, write, log, time, HttpContext.RequestAborted);
        return status == DefaultAuthenticators.Active
            ? $"{a.Name} is active: people can enroll it."
            : $"{a.Name} is inactive: it is no longer offered for enrollment.";
    }, "/admin/security/authenticators");
}
