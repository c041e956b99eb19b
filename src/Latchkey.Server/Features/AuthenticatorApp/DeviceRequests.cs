using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.AuthenticatorApp;

/// <summary>An app request proven to come from an enrolled device: the enrollment, its device and its user.</summary>
public sealed record DeviceCaller(DeviceEnrollmentEntity Enrollment, DeviceEntity Device, UserEntity User);

/// <summary>
/// Authenticates the authenticator app's requests: <c>Authorization: DeviceProof &lt;JWS&gt;</c>, signed by the enrollment's
/// proof-of-possession key, for this org, issued within <see cref="Skew"/> of the server's clock and living at most
/// <see cref="Lifetime"/>. Each refusal names its cause so the app can tell the person what to do: enroll again
/// (<c>enrollment_not_found</c>), fix the clock (<c>clock_skew</c>), or ask an admin (<c>device_suspended</c>).
/// </summary>
public sealed class DeviceRequests(LatchkeyDbContext db, TimeProvider time)
{
    public const string Scheme = "DeviceProof";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    public async Task<DeviceCaller> AuthenticateAsync(HttpContext context, string orgId, CancellationToken ct)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith(Scheme + " ", StringComparison.Ordinal) ? header[(Scheme.Length + 1)..].Trim() : null;
        var proof = DeviceProof.Read(token) ?? throw Refused("invalid_token: send 'Authorization: DeviceProof <JWS>' signed by the device key");
        var enrollmentId = proof.Claim("iss");
        var enrollment = enrollmentId is { Length: <= 20 }
            ? await db.DeviceEnrollments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == enrollmentId && e.OrgId == orgId, ct)
            : null;
        if (enrollment is null)
        {
            throw Refused("enrollment_not_found: this device's enrollment was removed; enroll the app again");
        }

        Check(proof, enrollment, ApiUrls.OrgUrl(context.Request), time.GetUtcNow());
        var device = await db.Devices.AsNoTracking().FirstAsync(d => d.Id == enrollment.DeviceId, ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == enrollment.UserId, ct);
        RequireUsable(device, user);
        return new DeviceCaller(enrollment, device, user);
    }

    /// <summary>The key type of a token signed by the proof-of-possession key.</summary>
    public const string ProofOfPossession = "proofOfPossession";

    /// <summary>The key type of a token signed by the user-verification key (the device unlocked it with biometrics or a PIN).</summary>
    public const string UserVerification = "userVerification";

    /// <summary>
    /// Signature by the enrollment's key, audience, and time; throws the refusal with its cause. With
    /// <paramref name="userVerificationKey"/> the enrollment's user-verification key may sign too (FastPass), chosen by
    /// <c>kid</c>. Returns which key signed: <see cref="ProofOfPossession"/> or <see cref="UserVerification"/>.
    /// </summary>
    public static string Check(DeviceProof proof, DeviceEnrollmentEntity enrollment, string orgUrl, DateTimeOffset now, bool userVerificationKey = false)
    {
        var uvKey = userVerificationKey && enrollment.UserVerificationKeyJwk is { } uvJwk
            && DeviceKeys.Normalize(System.Text.Json.Nodes.JsonNode.Parse(uvJwk) as System.Text.Json.Nodes.JsonObject) is { } uv
            && proof.KeyId == uv.Thumbprint ? uv.Canonical : null;
        var keyType = uvKey is null ? ProofOfPossession : UserVerification;
        if (uvKey is null && proof.KeyId is { } kid && kid != enrollment.ProofKeyId || !proof.VerifiedBy(uvKey ?? enrollment.ProofKeyJwk))
        {
            throw Refused("invalid_signature: the token is not signed by this enrollment's device key");
        }

        if (proof.Claim("aud") != orgUrl)
        {
            throw Refused($"invalid_audience: the token is for '{proof.Claim("aud")}', not {orgUrl}");
        }

        switch (proof.CheckTime(now, Lifetime, Skew))
        {
            case ProofTime.Valid:
                return keyType;
            case ProofTime.ClockSkew:
                var off = proof.Skew(now) ?? TimeSpan.Zero;
                throw Refused($"clock_skew: the device clock is {Math.Abs(Math.Round(off.TotalSeconds))} seconds {(off > TimeSpan.Zero ? "ahead of" : "behind")} the server's; set the clock right");
            case ProofTime.Expired:
                throw Refused("expired: the token has expired; sign a new one");
            default:
                throw Refused("invalid_token: iat and exp are required");
        }
    }

    /// <summary>A suspended or deactivated device, or a user who may not sign in, proves nothing.</summary>
    public static void RequireUsable(DeviceEntity device, UserEntity user)
    {
        if (device.Status != DeviceStatus.Active)
        {
            throw new ApiException(new ApiError(403, "E0000006", "You do not have permission to perform the requested action",
                [device.Status == DeviceStatus.Suspended
                    ? "device_suspended: an admin suspended this device; its factors work again when it is unsuspended"
                    : "device_deactivated: an admin deactivated this device; enroll the app again"]));
        }

        if (user.Status is UserStatus.Suspended or UserStatus.Deprovisioned)
        {
            throw new ApiException(new ApiError(403, "E0000006", "You do not have permission to perform the requested action",
                ["user_not_active: the user is suspended or deactivated"]));
        }
    }

    public static ApiException Refused(string cause) => new(new ApiError(401, "E0000011", "Invalid token provided", [cause]));
}
