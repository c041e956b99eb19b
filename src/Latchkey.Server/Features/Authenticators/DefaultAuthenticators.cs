using System.Text.Json.Nodes;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Authenticators;

/// <summary>
/// The authenticators a new org starts with (DESIGN.md, settled conventions): the password, the authenticator app
/// (push, TOTP and the device-bound key of FastPass), security keys and biometrics, Google Authenticator; and those
/// Latchkey cannot deliver yet (email, phone, security question) present but INACTIVE.
/// </summary>
public static class DefaultAuthenticators
{
    public const string Active = "ACTIVE";
    public const string Inactive = "INACTIVE";

    public const string Password = "okta_password";
    public const string OktaVerify = "okta_verify";
    public const string WebAuthn = "webauthn";
    public const string GoogleOtp = "google_otp";

    private sealed record Definition(string Key, string Type, string Name, string Status, Func<JsonObject?> Settings, Func<JsonArray> Methods);

    private static readonly Definition[] Definitions =
    [
        new(Password, "password", "Password", Active, () => null, () => [Method("password", Active)]),
        new(OktaVerify, "app", "Okta Verify", Active,
            () => new JsonObject
            {
                ["channelBinding"] = new JsonObject { ["style"] = "NUMBER_CHALLENGE", ["required"] = "ALWAYS" },
                ["compliance"] = new JsonObject { ["fips"] = "OPTIONAL" },
                ["userVerification"] = "PREFERRED",
            },
            () =>
            [
                Method("push", Active, new JsonObject { ["algorithms"] = new JsonArray("ES256"), ["keyProtection"] = "ANY", ["transactionTypes"] = new JsonArray("LOGIN") }),
                Method("totp", Active, new JsonObject { ["timeIntervalInSeconds"] = 30, ["encoding"] = "base32", ["algorithm"] = "HMacSHA1", ["passCodeLength"] = 6 }),
                Method("signed_nonce", Active, new JsonObject { ["algorithms"] = new JsonArray("ES256"), ["keyProtection"] = "ANY", ["showSignInWithOV"] = "ALWAYS" }),
            ]),
        new(WebAuthn, "security_key", "Security Key or Biometric", Active, () => null,
            () => [Method("webauthn", Active, new JsonObject { ["userVerification"] = "DISCOURAGED", ["attachment"] = "ANY" })]),
        new(GoogleOtp, "app", "Google Authenticator", Active, () => null, () => [Method("otp", Active)]),
        new("okta_email", "email", "Email", Inactive, () => new JsonObject { ["allowedFor"] = "any", ["tokenLifetimeInMinutes"] = 5 }, () => [Method("email", Inactive)]),
        new("phone_number", "phone", "Phone", Inactive, () => new JsonObject { ["allowedFor"] = "none" }, () => [Method("sms", Inactive), Method("voice", Inactive)]),
        new("security_question", "security_question", "Security Question", Inactive, () => new JsonObject { ["allowedFor"] = "recovery" },
            () => [Method("security_question", Inactive)]),
    ];

    /// <summary>The password authenticator keeps the id the sign-in pipeline has always shown for it.</summary>
    public static string PasswordId(string orgId) => IdPrefix.Authenticator + orgId[3..];

    /// <summary>True when <paramref name="orgId"/> lacks one of the default authenticators (an org made by an earlier version).</summary>
    public static async Task<bool> AnyMissingAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        await db.Authenticators.CountAsync(a => a.OrgId == orgId && Keys.Contains(a.Key), ct) < Definitions.Length;

    private static readonly string[] Keys = Definitions.Select(d => d.Key).ToArray();

    /// <summary>Adds the authenticators <paramref name="orgId"/> lacks (all of them for a new org; none once seeded).</summary>
    public static async Task EnsureAsync(LatchkeyDbContext db, string orgId, DateTimeOffset now, CancellationToken ct)
    {
        var present = await db.Authenticators.Where(a => a.OrgId == orgId).Select(a => a.Key).ToListAsync(ct);
        foreach (var d in Definitions.Where(d => !present.Contains(d.Key)))
        {
            db.Authenticators.Add(new AuthenticatorEntity
            {
                Id = d.Key == Password ? PasswordId(orgId) : RandomIds.NewId(IdPrefix.Authenticator, now), OrgId = orgId, Key = d.Key, Type = d.Type,
                Name = d.Name, Status = d.Status, SettingsJson = d.Settings()?.ToJsonString(), MethodsJson = d.Methods().ToJsonString(),
                Created = now, LastUpdated = now,
            });
        }
    }

    private static JsonObject Method(string type, string status, JsonObject? settings = null)
    {
        var method = new JsonObject { ["type"] = type, ["status"] = status };
        if (settings is not null)
        {
            method["settings"] = settings;
        }

        return method;
    }
}
