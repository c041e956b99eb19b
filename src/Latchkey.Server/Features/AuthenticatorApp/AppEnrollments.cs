using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.AuthenticatorApp;

/// <summary>What the device reported about itself at enrollment, validated.</summary>
public sealed record DeviceReport(string ClientInstanceId, string DisplayName, string Platform, string? SerialNumber, bool SecureHardwarePresent,
    string ScreenLockType, JsonObject Profile);

/// <summary>
/// <c>POST /idp/authenticators</c> (docs/authenticator-app.md §2): a signed-in user enrolls the authenticator app on a
/// device. The device proves it holds the key it registers (a JWS by that key, naming this user and org, minutes old);
/// the server registers the device (or reuses the one of the same app install), links the user, stores the public
/// keys and creates the device's push, FastPass (<c>signed_nonce</c>) and TOTP factors, all in one write with its
/// System Log events. Nothing about the hardware is assumed: the device's claim is recorded as it made it.
/// </summary>
public sealed partial class AppEnrollments(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, SessionStore sessions, FactorSecrets secrets,
    TimeProvider time)
{
    public static readonly string[] Platforms = ["ANDROID", "IOS", "MACOS", "WINDOWS", "CHROMEOS", "LINUX"];
    private static readonly string[] ScreenLocks = ["NONE", "PASSCODE", "BIOMETRIC"];

    public async Task<JsonObject> EnrollAsync(HttpContext context, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var token = ActivationToken(context);
        var user = token is not null
            ? await TokenUserAsync(token, ct) ?? throw new ApiException(new ApiError(401, "E0000011", "Invalid token provided",
                ["The activation link is not valid any more: it was used, or its sign-in ended or expired. Start the set-up again."]))
            : (await sessions.SignedInAsync(context, ct) ?? throw new ApiException(ApiErrors.InvalidSession())).User;
        if (JsonBody.String(body, "key", "key") is { } key && key != DefaultAuthenticators.OktaVerify)
        {
            throw new ApiException(ApiErrors.Validation("key", $"Only the {DefaultAuthenticators.OktaVerify} authenticator enrolls a device"));
        }

        var device = ReadDevice(JsonBody.Object(body, "device", "device") ?? throw new ApiException(ApiErrors.Validation("device", "The field cannot be left blank")));
        var keys = JsonBody.Object(body, "keys", "keys") ?? throw new ApiException(ApiErrors.Validation("keys", "The field cannot be left blank"));
        var proofKey = DeviceKeys.Normalize(JsonBody.Object(keys, "proofOfPossession", "keys.proofOfPossession"))
            ?? throw new ApiException(ApiErrors.Validation("keys.proofOfPossession", "An EC P-256 public JWK (kty, crv, x, y; no private part) is required"));
        (string Canonical, string Thumbprint)? uvKey = keys["userVerification"] is null ? null
            : DeviceKeys.Normalize(JsonBody.Object(keys, "userVerification", "keys.userVerification"))
              ?? throw new ApiException(ApiErrors.Validation("keys.userVerification", "An EC P-256 public JWK (kty, crv, x, y; no private part) is expected"));
        CheckProof(JsonBody.String(body, "proof", "proof"), proofKey, device, user, ApiUrls.OrgUrl(context.Request));

        var orgId = user.OrgId;
        var authenticator = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == orgId && a.Key == DefaultAuthenticators.OktaVerify, ct);
        if (authenticator is not { Status: DefaultAuthenticators.Active })
        {
            throw new ApiException(ApiErrors.Validation("key", "The Okta Verify authenticator is not active in this organization"));
        }

        var methods = new[] { FactorTypes.Push, FactorTypes.SignedNonce, "totp" }.Where(m => AuthenticatorsApi.MethodActive(authenticator, m)).ToList();
        var totpSecret = methods.Contains("totp") ? TotpVerifier.NewSecret() : null;
        var now = IsoTime.Truncate(time.GetUtcNow());
        var ids = new Dictionary<string, string>
        {
            [FactorTypes.Push] = RandomIds.NewId(IdPrefix.PushFactor, now),
            [FactorTypes.SignedNonce] = RandomIds.NewId(IdPrefix.SignedNonceFactor, now),
            ["totp"] = RandomIds.NewId(IdPrefix.OktaTotpFactor, now),
        };
        var sealedSecret = totpSecret is null ? null : secrets.Seal(orgId, ids["totp"], totpSecret);

        var (enrollment, deviceRow) = await write.RunAsync<(DeviceEnrollmentEntity, DeviceEntity)>(orgId, async () =>
        {
            if (token is not null)
            {
                // The link is used up by this enrollment; a second one racing with it finds no token and is refused.
                if (!await AppEnrollmentTokens.ConsumeAsync(db, token, ct))
                {
                    throw new ApiException(new ApiError(401, "E0000011", "Invalid token provided", ["The activation link was used already."]));
                }
            }

            var row = await db.Devices.FirstOrDefaultAsync(d => d.OrgId == orgId && d.ClientInstanceId == device.ClientInstanceId, ct);
            if (row is not null && row.Status != DeviceStatus.Active)
            {
                throw new ApiException(new ApiError(403, "E0000006", "You do not have permission to perform the requested action",
                    [$"The device is {row.Status.ToLowerInvariant()} in this organization: an admin must {(row.Status == DeviceStatus.Suspended ? "unsuspend it" : "delete it")} before it enrolls again"]));
            }

            if (row is null)
            {
                row = new DeviceEntity
                {
                    Id = RandomIds.NewId(IdPrefix.Device, now), OrgId = orgId, Status = DeviceStatus.Active, ClientInstanceId = device.ClientInstanceId,
                    DisplayName = device.DisplayName, Platform = device.Platform, SerialNumber = device.SerialNumber,
                    ProfileJson = device.Profile.ToJsonString(), Created = now, LastUpdated = now,
                };
                db.Devices.Add(row);
                log.Stage(EventTypes.DeviceEnrollmentCreate, [DeviceResources.Target(row)], new LogOutcome(LogOutcomeResult.Success), actor: SignInEvents.Actor(user),
                    debugData: new Dictionary<string, object?>
                    {
                        ["device_name"] = row.DisplayName, ["os_platform"] = row.Platform, ["os_version"] = (string?)device.Profile["osVersion"],
                        ["serial_number"] = row.SerialNumber, ["udid"] = (string?)device.Profile["udid"], ["managed"] = false,
                        ["device_status"] = row.Status, ["okta_device_id"] = row.Id,
                    });
            }
            else
            {
                (row.DisplayName, row.Platform, row.SerialNumber, row.ProfileJson, row.LastUpdated) =
                    (device.DisplayName, device.Platform, device.SerialNumber, device.Profile.ToJsonString(), now);
            }

            if (!await db.DeviceUsers.AnyAsync(l => l.DeviceId == row.Id && l.UserId == user.Id, ct))
            {
                db.DeviceUsers.Add(new DeviceUserEntity
                {
                    OrgId = orgId, DeviceId = row.Id, UserId = user.Id, ManagementStatus = "NOT_MANAGED", ScreenLockType = device.ScreenLockType, Created = now,
                });
                log.Stage(EventTypes.DeviceUserAdd, [UserResources.Target(user), DeviceResources.Target(row)], new LogOutcome(LogOutcomeResult.Success), actor: SignInEvents.Actor(user));
            }

            // Enrolling again on the same device replaces the keys and the factors: the old ones belonged to an install that is gone.
            var enrollment = await db.DeviceEnrollments.FirstOrDefaultAsync(e => e.DeviceId == row.Id && e.UserId == user.Id, ct);
            if (enrollment is not null)
            {
                await RemoveFactorsAsync(enrollment.Id, ct);
                (enrollment.ProofKeyJwk, enrollment.ProofKeyId, enrollment.UserVerificationKeyJwk, enrollment.HardwareProtected, enrollment.LastSeen) =
                    (proofKey.Canonical, proofKey.Thumbprint, uvKey?.Canonical, device.SecureHardwarePresent, now);
            }
            else
            {
                enrollment = new DeviceEnrollmentEntity
                {
                    Id = RandomIds.NewId(IdPrefix.DeviceEnrollment, now), OrgId = orgId, UserId = user.Id, DeviceId = row.Id,
                    ProofKeyJwk = proofKey.Canonical, ProofKeyId = proofKey.Thumbprint, UserVerificationKeyJwk = uvKey?.Canonical,
                    HardwareProtected = device.SecureHardwarePresent, Created = now, LastSeen = now,
                };
                db.DeviceEnrollments.Add(enrollment);
            }

            foreach (var method in methods)
            {
                var factor = new UserFactorEntity
                {
                    Id = ids[method], OrgId = orgId, UserId = user.Id, EnrollmentId = enrollment.Id,
                    FactorType = method == "totp" ? FactorTypes.Totp : method, Provider = FactorProviders.Okta, Status = FactorStatus.Active,
                    ProfileJson = FactorProfile(method, user, row, device).ToJsonString(), SealedSecret = method == "totp" ? sealedSecret : null,
                    Created = now, LastUpdated = now,
                };
                db.UserFactors.Add(factor);
                log.Stage(EventTypes.FactorActivate, [UserResources.Target(user), FactorResources.Target(factor)], actor: SignInEvents.Actor(user));
            }

            return (enrollment, row);
        }, ct);

        return Resource(enrollment, deviceRow, user, authenticator.Id, methods, ids, totpSecret, ApiUrls.OrgUrl(context.Request));
    }

    /// <summary>
    /// The activation link's token (<c>Authorization: OTDT &lt;token&gt;</c>), with which the app enrolls for a sign-in that
    /// is at its <c>enroll-poll</c> step instead of with a session of its own; null when the request has none.
    /// </summary>
    private static string? ActivationToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("OTDT ", StringComparison.Ordinal) ? header[5..].Trim() : null;
    }

    /// <summary>The user a live activation token was issued for (one who may still sign in), or null.</summary>
    private async Task<UserEntity?> TokenUserAsync(string token, CancellationToken ct)
    {
        var userId = await AppEnrollmentTokens.UserIdAsync(db, token, time.GetUtcNow(), ct);
        var user = userId is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        return user is not null && UserLifecycle.CanSignIn(user.Status) ? user : null;
    }

    /// <summary>Removes an enrollment's factors and the pushes still waiting on it (inside the caller's write).</summary>
    public async Task RemoveFactorsAsync(string enrollmentId, CancellationToken ct)
    {
        db.UserFactors.RemoveRange(await db.UserFactors.Where(f => f.EnrollmentId == enrollmentId).ToListAsync(ct));
        db.PushChallenges.RemoveRange(await db.PushChallenges.Where(p => p.EnrollmentId == enrollmentId && p.Status == PushStatus.Waiting).ToListAsync(ct));
    }

    private void CheckProof(string? token, (string Canonical, string Thumbprint) key, DeviceReport device, UserEntity user, string orgUrl)
    {
        var proof = DeviceProof.Read(token);
        if (proof is null || !proof.VerifiedBy(key.Canonical))
        {
            throw new ApiException(ApiErrors.Validation("proof", "A JWS (ES256, typ okta-devicebind+jwt) signed by keys.proofOfPossession is required"));
        }

        var wrong = proof.Claim("iss") != device.ClientInstanceId ? "iss must be the device's clientInstanceId"
            : proof.Claim("sub") != user.Id ? "sub must be the signed-in user's id"
            : proof.Claim("aud") != orgUrl ? $"aud must be {orgUrl}"
            : proof.CheckTime(time.GetUtcNow(), DeviceRequests.Lifetime, DeviceRequests.Skew) switch
            {
                ProofTime.Valid => null,
                ProofTime.ClockSkew => $"clock_skew: the device clock is {Math.Abs(Math.Round((proof.Skew(time.GetUtcNow()) ?? TimeSpan.Zero).TotalSeconds))} seconds off the server's",
                ProofTime.Expired => "the proof has expired",
                _ => "iat and exp are required",
            };
        if (wrong is not null)
        {
            throw new ApiException(ApiErrors.Validation("proof", wrong));
        }
    }

    private static DeviceReport ReadDevice(JsonObject d)
    {
        var failures = new List<(string, string)>();
        string? Text(string name, int max, bool required)
        {
            var value = JsonBody.String(d, name, $"device.{name}")?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                if (required)
                {
                    failures.Add(($"device.{name}", "The field cannot be left blank"));
                }

                return null;
            }

            if (value.Length > max || value.Any(char.IsControl))
            {
                failures.Add(($"device.{name}", $"At most {max} printable characters"));
                return null;
            }

            return value;
        }

        var instance = Text("clientInstanceId", 100, required: true);
        if (instance is not null && !InstanceId().IsMatch(instance))
        {
            failures.Add(("device.clientInstanceId", "8 to 100 letters, digits, '.', '_' or '-'"));
        }

        var name = Text("displayName", 255, required: true);
        var platform = Text("platform", 20, required: true)?.ToUpperInvariant();
        if (platform is not null && !Platforms.Contains(platform))
        {
            failures.Add(("device.platform", $"One of {string.Join(", ", Platforms)}"));
        }

        var screenLock = Text("screenLockType", 20, required: false)?.ToUpperInvariant() ?? "NONE";
        if (!ScreenLocks.Contains(screenLock))
        {
            failures.Add(("device.screenLockType", $"One of {string.Join(", ", ScreenLocks)}"));
        }

        var profile = new JsonObject
        {
            ["displayName"] = name, ["platform"] = platform, ["registered"] = true,
            ["secureHardwarePresent"] = JsonBody.Bool(d, "secureHardwarePresent", "device.secureHardwarePresent") ?? false,
        };
        foreach (var field in new[] { "osVersion", "manufacturer", "model", "serialNumber", "udid" })
        {
            if (Text(field, 255, required: false) is { } value)
            {
                profile[field] = value;
            }
        }

        if (failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(failures));
        }

        return new DeviceReport(instance!, name!, platform!, (string?)profile["serialNumber"], (bool)profile["secureHardwarePresent"]!, screenLock, profile);
    }

    private static JsonObject FactorProfile(string method, UserEntity user, DeviceEntity device, DeviceReport report) => method == "totp"
        ? new JsonObject { ["credentialId"] = user.Login }
        : new JsonObject
        {
            ["credentialId"] = user.Login, ["deviceType"] = $"Latchkey_Verify_{device.Platform}", ["name"] = device.DisplayName,
            ["platform"] = device.Platform, ["version"] = (string?)report.Profile["osVersion"], ["keys"] = new JsonArray(),
        };

    private static JsonObject Resource(DeviceEnrollmentEntity e, DeviceEntity device, UserEntity user, string authenticatorId, List<string> methods,
        Dictionary<string, string> ids, byte[]? totpSecret, string orgUrl)
    {
        var list = new JsonArray();
        foreach (var method in methods)
        {
            var m = new JsonObject { ["type"] = method, ["id"] = ids[method], ["status"] = FactorStatus.Active };
            if (method == "totp" && totpSecret is not null)
            {
                // The only time the secret leaves the server.
                (m["sharedSecret"], m["encoding"], m["algorithm"], m["timeIntervalInSeconds"], m["passCodeLength"]) =
                    (TotpVerifier.ToBase32(totpSecret), "base32", "HMacSHA1", 30, 6);
            }

            list.Add(m);
        }

        return new JsonObject
        {
            ["id"] = e.Id, ["key"] = DefaultAuthenticators.OktaVerify, ["authenticatorId"] = authenticatorId, ["status"] = FactorStatus.Active,
            ["created"] = IsoTime.Write(e.Created),
            ["user"] = new JsonObject { ["id"] = user.Id, ["login"] = user.Login },
            ["device"] = new JsonObject
            {
                ["id"] = device.Id, ["status"] = device.Status, ["profile"] = JsonNode.Parse(device.ProfileJson),
                ["hardwareProtected"] = e.HardwareProtected,
            },
            ["methods"] = list,
            ["_links"] = new JsonObject { ["pending"] = new JsonObject { ["href"] = $"{orgUrl}/idp/authenticators/{e.Id}/pending" } },
        };
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{8,100}$")]
    private static partial Regex InstanceId();
}
