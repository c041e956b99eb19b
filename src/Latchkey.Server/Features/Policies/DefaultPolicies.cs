using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// A new org starts with one system "Default Policy" of each policy type, as the real service's new org
/// does; every new app is bound to the default ACCESS_POLICY. (The Policies API itself is a later issue.)
/// </summary>
public static class DefaultPolicies
{
    public const string AccessPolicy = "ACCESS_POLICY";
    private static readonly string[] Types = ["OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL", AccessPolicy, "PROFILE_ENROLLMENT", "DEVICE_SIGNAL_COLLECTION"];

    public static void Seed(LatchkeyDbContext db, string orgId, DateTimeOffset now)
    {
        foreach (var type in Types)
        {
            db.Policies.Add(new PolicyEntity
            {
                Id = RandomIds.NewId(type == AccessPolicy ? IdPrefix.AccessPolicy : IdPrefix.ClassicPolicy, now), OrgId = orgId, Type = type,
                Name = "Default Policy", Description = "The default policy applies in all situations if no other policy applies.",
                Status = "ACTIVE", Priority = 1, IsSystem = true, Created = now, LastUpdated = now,
                SettingsJson = SignInPolicies.DefaultSettings(type),
            });
        }
    }

    public static async Task<string> AccessPolicyIdAsync(LatchkeyDbContext db, string orgId, CancellationToken ct) =>
        await db.Policies.Where(p => p.OrgId == orgId && p.Type == AccessPolicy && p.IsSystem).Select(p => p.Id).FirstAsync(ct);
}
