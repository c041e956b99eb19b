using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>The Desktop MFA app's client secret at rest, sealed for its org and app so the profile can be downloaded again.</summary>
public sealed class DesktopMfaSecrets(IDataProtectionProvider protection) : RowSealer(protection, "Latchkey.DesktopMfa.ClientSecret.v1");

/// <summary>
/// The Desktop MFA app of the catalog (issue 13 item 1, okta-api.md §9): <c>POST /api/v1/apps</c> with
/// <c>{"name": "desktop_mfa", "label": "Desktop MFA"}</c> makes an OAuth client whose id is the app id and whose secret
/// is generated (shown once in the answer, kept hashed and sealed), hidden from dashboards, with its own access policy
/// ("Desktop MFA") bound to it. Its <c>settings.app</c> hold what the configuration profile carries besides the
/// credentials: <c>allowedFactors</c>, <c>loginPeriodWithOfflineFactor</c>, <c>loginPeriodWithNoOfflineFactor</c> (hours).
/// </summary>
public static class DesktopMfaApp
{
    public const string Name = "desktop_mfa";
    public const string SignOnMode = "OPENID_CONNECT";
    public const string PolicyName = "Desktop MFA";

    /// <summary>The methods a profile can allow, in the agent's default order.</summary>
    public static readonly string[] Factors = ["OV_Push", "OV_TOTP", "Offline_TOTP", "FIDO2_USB_key"];

    public const int DefaultOfflineHours = 168;
    public const int DefaultNoOfflineFactorHours = 48;

    /// <summary>At most a year: a longer offline period is a mistake, not a policy.</summary>
    public const int MaxHours = 8760;

    /// <summary>What a Desktop MFA app's body starts with besides every app's defaults: no dashboard tile, an OAuth service client.</summary>
    public static void Defaults(JsonObject body)
    {
        body["visibility"]!["hide"] = new JsonObject { ["iOS"] = true, ["web"] = true };
        body["credentials"]!["oauthClient"] = new JsonObject { ["token_endpoint_auth_method"] = "client_secret_basic" };
        body["settings"]!["oauthClient"] = new JsonObject { ["application_type"] = "service", ["grant_types"] = new JsonArray("client_credentials") };
    }

    /// <summary>Validates and completes the app's <c>settings.app</c>, adding each problem to <paramref name="failures"/>.</summary>
    public static void ReadSettings(JsonObject app, List<(string Field, string Message)> failures)
    {
        if (app["allowedFactors"] is null)
        {
            app["allowedFactors"] = new JsonArray(Factors.Select(f => (JsonNode)f).ToArray());
        }
        else if (app["allowedFactors"] is not JsonArray factors || factors.Count == 0
            || factors.Any(f => f is not JsonValue v || !v.TryGetValue<string>(out var s) || (s != "*" && !Factors.Contains(s, StringComparer.Ordinal))))
        {
            failures.Add(("allowedFactors", $"A non-empty list of {string.Join(", ", Factors)} (or \"*\" for all)."));
        }
        else if (factors.Select(f => (string)f!).Distinct(StringComparer.Ordinal).Count() != factors.Count)
        {
            failures.Add(("allowedFactors", "A method is listed twice."));
        }

        Hours(app, "loginPeriodWithOfflineFactor", DefaultOfflineHours, failures);
        Hours(app, "loginPeriodWithNoOfflineFactor", DefaultNoOfflineFactorHours, failures);
    }

    private static void Hours(JsonObject app, string key, int fallback, List<(string Field, string Message)> failures)
    {
        if (app[key] is null)
        {
            app[key] = fallback;
        }
        else if (app[key] is not JsonValue v || !v.TryGetValue<int>(out var hours) || hours < 0 || hours > MaxHours)
        {
            failures.Add((key, $"A whole number of hours from 0 to {MaxHours}."));
        }
    }

    /// <summary>
    /// Inside the creating write: the client credentials and the app's own "Desktop MFA" access policy, bound to it.
    /// Returns the client secret, for the one answer that shows it.
    /// </summary>
    public static async Task<string> ProvisionAsync(LatchkeyDbContext db, SystemLogWriter log, DesktopMfaSecrets secrets, AppEntity app,
        DateTimeOffset now, CancellationToken ct)
    {
        var secret = NewSecret();
        db.AppClients.Add(new AppClientEntity
        {
            AppId = app.Id, OrgId = app.OrgId, SecretHash = SecretHasher.Hash(secret),
            SealedSecret = secrets.Seal(app.OrgId, app.Id, System.Text.Encoding.UTF8.GetBytes(secret)), SecretCreated = now,
        });

        var name = PolicyName;
        for (var n = 2; await db.Policies.AnyAsync(p => p.OrgId == app.OrgId && p.Type == PolicyTypes.Access && p.Name == name, ct); n++)
        {
            name = $"{PolicyName} ({n})";
        }

        var policy = await PoliciesApi.AddAsync(db, log, app.OrgId, new JsonObject
        {
            ["type"] = PolicyTypes.Access, ["name"] = name,
            ["description"] = $"Who may use Desktop MFA through the app \"{app.Label}\"; made with the app. Its catch-all allows; add rules to refuse people or networks.",
        }, activate: true, now, ct);
        app.AccessPolicyId = policy.Id;
        return secret;
    }

    /// <summary>A new client secret: 256 random bits, URL-safe (43 characters, as long as the real service's are).</summary>
    public static string NewSecret() => RandomIds.NewUrlSafeSecret();

    /// <summary>The stored secret, opened for the profile download; null when it does not open (the admin rotates it then).</summary>
    public static string? OpenSecret(DesktopMfaSecrets secrets, AppClientEntity client) =>
        secrets.Open(client.OrgId, client.AppId, client.SealedSecret) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
}
