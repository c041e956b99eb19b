using System.Text.Json.Nodes;
using Latchkey.Core.SignIn;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// The parts of the org's default PASSWORD and OKTA_SIGN_ON policies that sign-in obeys (lockout, session lifetimes),
/// read from their stored settings; a policy without settings (an org from before they were stored) has the defaults.
/// </summary>
public static class SignInPolicies
{
    public const string PasswordType = "PASSWORD";
    public const string SignOnType = "OKTA_SIGN_ON";

    /// <summary>The settings a new org's default policies start with.</summary>
    public static string? DefaultSettings(string type) => type switch
    {
        PasswordType => new JsonObject
        {
            ["password"] = new JsonObject
            {
                ["lockout"] = new JsonObject { ["maxAttempts"] = LockoutPolicy.Default.MaxAttempts, ["autoUnlockMinutes"] = LockoutPolicy.Default.AutoUnlockMinutes },
            },
        }.ToJsonString(),
        SignOnType => new JsonObject
        {
            ["session"] = new JsonObject
            {
                ["maxSessionIdleMinutes"] = SessionPolicy.Default.MaxIdleMinutes,
                ["maxSessionLifetimeMinutes"] = SessionPolicy.Default.MaxLifetimeMinutes,
                ["usePersistentCookie"] = false,
            },
        }.ToJsonString(),
        _ => null,
    };

    public static async Task<SessionPolicy> SessionAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        Session(await SettingsAsync(db, orgId, SignOnType, ct));

    private static LockoutPolicy Lockout(JsonNode? settings)
    {
        var lockout = settings?["password"]?["lockout"];
        return new LockoutPolicy(
            Number(lockout?["maxAttempts"]) ?? LockoutPolicy.Default.MaxAttempts,
            Number(lockout?["autoUnlockMinutes"]) ?? LockoutPolicy.Default.AutoUnlockMinutes);
    }

    private static SessionPolicy Session(JsonNode? settings)
    {
        var session = settings?["session"];
        return new SessionPolicy(
            Number(session?["maxSessionIdleMinutes"]) ?? SessionPolicy.Default.MaxIdleMinutes,
            Number(session?["maxSessionLifetimeMinutes"]) ?? SessionPolicy.Default.MaxLifetimeMinutes);
    }

    /// <summary>Both policies a password sign-in obeys, read in one query.</summary>
    public static async Task<(LockoutPolicy Lockout, SessionPolicy Session)> ForPasswordSignInAsync(LatchkeyDbContext db, string orgId, CancellationToken ct)
    {
        var rows = await db.Policies.AsNoTracking()
            .Where(p => p.OrgId == orgId && (p.Type == PasswordType || p.Type == SignOnType) && p.IsSystem)
            .Select(p => new { p.Type, p.SettingsJson }).ToListAsync(ct);
        JsonNode? Settings(string type) => rows.FirstOrDefault(r => r.Type == type)?.SettingsJson is { } json ? JsonNode.Parse(json) : null;
        return (Lockout(Settings(PasswordType)), Session(Settings(SignOnType)));
    }

    private static async Task<JsonNode?> SettingsAsync(LatchkeyDbContext db, string orgId, string type, CancellationToken ct)
    {
        var json = await db.Policies.AsNoTracking()
            .Where(p => p.OrgId == orgId && p.Type == type && p.IsSystem)
            .Select(p => p.SettingsJson).FirstOrDefaultAsync(ct);
        return json is null ? null : JsonNode.Parse(json);
    }

    private static int? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0 ? n : null;
}
