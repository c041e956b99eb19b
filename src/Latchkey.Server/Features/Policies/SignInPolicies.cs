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

    private static LockoutPolicy Lockout(JsonNode? settings)
    {
        var lockout = settings?["password"]?["lockout"];
        return new LockoutPolicy(
            Number(lockout?["maxAttempts"]) ?? LockoutPolicy.Default.MaxAttempts,
            Number(lockout?["autoUnlockMinutes"]) ?? LockoutPolicy.Default.AutoUnlockMinutes);
    }

    /// <summary>The session lifetimes of a sign-on rule's <c>actions</c> (<c>signon.session</c>); a value not stored has the default.</summary>
    public static SessionPolicy Session(JsonNode? actions)
    {
        var session = actions?["signon"]?["session"];
        return new SessionPolicy(
            Number(session?["maxSessionIdleMinutes"]) ?? SessionPolicy.Default.MaxIdleMinutes,
            Number(session?["maxSessionLifetimeMinutes"]) ?? SessionPolicy.Default.MaxLifetimeMinutes);
    }

    /// <summary>The lockout of the org's default PASSWORD policy (<c>settings.password.lockout</c>).</summary>
    public static async Task<LockoutPolicy> LockoutAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        Lockout(Parse(await db.Policies.AsNoTracking().Where(p => p.OrgId == orgId && p.IsSystem && p.Type == PasswordType)
            .Select(p => p.SettingsJson).FirstOrDefaultAsync(ct)));

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);

    private static int? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0 ? n : null;
}
