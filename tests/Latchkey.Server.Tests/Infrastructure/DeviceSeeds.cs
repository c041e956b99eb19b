using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>One user's enrollment on a seeded device: its TOTP factor (and the secret), its push factor, two pushes.</summary>
public sealed record SeededEnrollment(string Id, string UserId, string TotpFactorId, byte[] TotpSecret, string PushFactorId,
    string WaitingPushId, string AnsweredPushId);

public sealed record SeededDevice(string Id, string DisplayName, IReadOnlyList<SeededEnrollment> Enrollments);

/// <summary>
/// Writes what the authenticator app's enrollment (docs/authenticator-app.md, built on another branch) leaves in the
/// database: a device, a user link and an enrollment per user with a real P-256 proof key, the enrollment's TOTP factor
/// (its secret sealed as the Factors API seals it) and push factor, one push still waiting and one answered.
/// </summary>
public static class DeviceSeeds
{
    public static async Task<SeededDevice> SeedDeviceAsync(this ServerFixture server, IReadOnlyList<string> userIds, string? displayName = null,
        string platform = "MACOS", string? serialNumber = null, JsonObject? profile = null)
    {
        var services = server.Factory.Services;
        var now = IsoTime.Truncate(services.GetRequiredService<TimeProvider>().GetUtcNow());
        var secrets = services.GetRequiredService<FactorSecrets>();
        displayName ??= "Laptop " + ServerFixture.Unique();
        return await server.WithDbAsync(async db =>
        {
            var orgId = await db.Users.Where(u => u.Id == userIds[0]).Select(u => u.OrgId).SingleAsync();
            var device = new DeviceEntity
            {
                Id = RandomIds.NewId(IdPrefix.Device, now), OrgId = orgId, Status = "ACTIVE", ClientInstanceId = "cli" + ServerFixture.Unique(20),
                DisplayName = displayName, Platform = platform, SerialNumber = serialNumber,
                ProfileJson = (profile ?? new JsonObject { ["osVersion"] = "14.5", ["manufacturer"] = "Apple", ["model"] = "MacBookPro18,3", ["secureHardwarePresent"] = false })
                    .ToJsonString(),
                Created = now, LastUpdated = now,
            };
            db.Devices.Add(device);
            var enrollments = new List<SeededEnrollment>();
            foreach (var userId in userIds)
            {
                var (jwk, kid) = ProofKey();
                var enrollment = new DeviceEnrollmentEntity
                {
                    Id = RandomIds.NewId(IdPrefix.DeviceEnrollment, now), OrgId = orgId, UserId = userId, DeviceId = device.Id,
                    ProofKeyJwk = jwk, ProofKeyId = kid, Created = now, LastSeen = now,
                };
                db.DeviceUsers.Add(new DeviceUserEntity
                {
                    OrgId = orgId, DeviceId = device.Id, UserId = userId, ManagementStatus = "NOT_MANAGED", ScreenLockType = "BIOMETRIC", Created = now,
                });
                db.DeviceEnrollments.Add(enrollment);

                var secret = TotpVerifier.NewSecret();
                var totp = Factor(RandomIds.NewId(IdPrefix.OktaTotpFactor, now), FactorTypes.Totp, orgId, userId, enrollment.Id, now);
                totp.SealedSecret = secrets.Seal(orgId, totp.Id, secret);
                var push = Factor(RandomIds.NewId(IdPrefix.PushFactor, now), "push", orgId, userId, enrollment.Id, now);
                db.UserFactors.AddRange(totp, push);
                var waiting = Push(orgId, userId, push.Id, enrollment.Id, "WAITING", now);
                var answered = Push(orgId, userId, push.Id, enrollment.Id, "SUCCESS", now);
                db.PushChallenges.AddRange(waiting, answered);
                enrollments.Add(new SeededEnrollment(enrollment.Id, userId, totp.Id, secret, push.Id, waiting.Id, answered.Id));
            }

            await db.SaveChangesAsync();
            return new SeededDevice(device.Id, displayName, enrollments);
        });
    }

    private static UserFactorEntity Factor(string id, string type, string orgId, string userId, string enrollmentId, DateTimeOffset now) => new()
    {
        Id = id, OrgId = orgId, UserId = userId, FactorType = type, Provider = FactorProviders.Okta, Status = FactorStatus.Active,
        ProfileJson = "{}", EnrollmentId = enrollmentId, Created = now, LastUpdated = now,
    };

    private static PushChallengeEntity Push(string orgId, string userId, string factorId, string enrollmentId, string status, DateTimeOffset now) => new()
    {
        Id = RandomIds.NewId(IdPrefix.PushTransaction, now), OrgId = orgId, UserId = userId, FactorId = factorId, EnrollmentId = enrollmentId,
        Nonce = RandomIds.NewUrlSafeSecret(), Status = status, ContextJson = "{}", Created = now, ExpiresAt = now.AddMinutes(5),
    };

    /// <summary>A fresh P-256 public key as a JWK and its RFC 7638 thumbprint.</summary>
    private static (string Jwk, string Kid) ProofKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(includePrivateParameters: false);
        var (x, y) = (Base64Url(p.Q.X!), Base64Url(p.Q.Y!));
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}";
        return (canonical, Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
