using System.Text.Json.Nodes;
using Latchkey.Core.SignIn;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// The parts of the org's default PASSWORD and OKTA_SIGN_ON policies that sign-in obeys: the lockout from the PASSWORD
/// policy's <c>settings.password.lockout</c>, the session lifetimes from the OKTA_SIGN_ON default rule's
/// <c>actions.signon.session</c>; a value not stored (an org from before it was) has the default.
/// </summary>
public static class SignInPolicies
{
    public const string PasswordType = "PASSWORD";
    public const string SignOnType = "OKTA_SIGN_ON";

    /// <summary>The settings a new org's default policies start with (OKTA_SIGN_ON has none: its session is on its default rule).</summary>
    public static string? DefaultSettings(string type) => type switch
    {
        PasswordType => new JsonObject
        {
            ["password"] = new JsonObject
            {
                ["lockout"] = new JsonObject { ["maxAttempts"] = LockoutPolicy.Default.MaxAttempts, ["autoUnlockMinutes"] = LockoutPolicy.Default.AutoUnlockMinutes },
            },
        }.ToJsonString(),
        _ => null,
    };

    public static async Task<SessionPolicy> SessionAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        Session(Parse(await SignOnRuleActions(db, orgId).FirstOrDefaultAsync(ct)));

    private static LockoutPolicy Lockout(JsonNode? settings)
    {
        var lockout = settings?["password"]?["lockout"];
        return new LockoutPolicy(
            Number(lockout?["maxAttempts"]) ?? LockoutPolicy.Default.MaxAttempts,
            Number(lockout?["autoUnlockMinutes"]) ?? LockoutPolicy.Default.AutoUnlockMinutes);
    }

    private static SessionPolicy Session(JsonNode? actions)
    {
        var session = actions?["signon"]?["session"];
        return new SessionPolicy(
            Number(session?["maxSessionIdleMinutes"]) ?? SessionPolicy.Default.MaxIdleMinutes,
            Number(session?["maxSessionLifetimeMinutes"]) ?? SessionPolicy.Default.MaxLifetimeMinutes);
    }

    /// <summary>Both policies a password sign-in obeys, read in one query.</summary>
    public static async Task<(LockoutPolicy Lockout, SessionPolicy Session)> ForPasswordSignInAsync(LatchkeyDbContext db, string orgId, CancellationToken ct)
    {
        var rows = await db.Policies.AsNoTracking()
            .Where(p => p.OrgId == orgId && p.IsSystem && (p.Type == PasswordType || p.Type == SignOnType))
            .Select(p => new { p.Type, p.SettingsJson, Rule = db.PolicyRules.Where(r => r.PolicyId == p.Id && r.IsSystem).Select(r => r.ActionsJson).FirstOrDefault() })
            .ToListAsync(ct);
        var password = rows.FirstOrDefault(r => r.Type == PasswordType);
        var signOn = rows.FirstOrDefault(r => r.Type == SignOnType);
        return (Lockout(Parse(password?.SettingsJson)), Session(Parse(signOn?.Rule)));
    }

    /// <summary>
    /// The actions of the default OKTA_SIGN_ON policy's default rule: the one place the org's session lifetimes are kept
    /// (edited with <c>PUT /api/v1/policies/{id}/rules/{ruleId}</c>, <c>actions.signon.session</c>).
    /// </summary>
    private static IQueryable<string?> SignOnRuleActions(LatchkeyDbContext db, string orgId) =>
        db.Policies.AsNoTracking().Where(p => p.OrgId == orgId && p.IsSystem && p.Type == SignOnType)
            .Select(p => db.PolicyRules.Where(r => r.PolicyId == p.Id && r.IsSystem).Select(r => r.ActionsJson).FirstOrDefault());

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static int? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0 ? n : null;
}
