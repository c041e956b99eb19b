using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>
/// The proof an online Desktop MFA sign-in gives the agent, good for 5 minutes: which app, person and computer it was
/// for. Registering an offline factor takes one, so the app's credentials alone (on every computer) cannot register a
/// device access code for anyone. Sealed with Data Protection; the expiry inside is checked on the server's clock.
/// The same kind of seal, for another purpose, binds a security-key challenge to the app, person and computer that
/// looked it up (<see cref="IssueChallenge"/>), so that its answer counts only there.
/// </summary>
public sealed class DesktopMfaLoginTokens(IDataProtectionProvider protection, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.DesktopMfa.LoginToken.v1");
    private readonly IDataProtector _challenges = protection.CreateProtector("Latchkey.DesktopMfa.KeyChallenge.v1");

    public string Issue(string appId, string userId, string computer) => Seal(_protector, appId, userId, computer, null);

    /// <summary>The person the token was issued for, provided it is of <paramref name="appId"/>, for <paramref name="computer"/> and not expired.</summary>
    public string? Open(string? token, string appId, string computer) => Unseal(_protector, token, appId, computer, null);

    /// <summary>A ticket for the security-key <paramref name="challenge"/> given to this app, person and computer (5 minutes, like the challenge).</summary>
    public string IssueChallenge(string appId, string userId, string computer, string challenge) => Seal(_challenges, appId, userId, computer, challenge);

    /// <summary>Whether <paramref name="ticket"/> was issued with <paramref name="challenge"/> to this app, person and computer, and is not expired.</summary>
    public bool OpensChallenge(string? ticket, string appId, string userId, string computer, string challenge) =>
        Unseal(_challenges, ticket, appId, computer, challenge) == userId;

    private string Seal(IDataProtector protector, string appId, string userId, string computer, string? challenge)
    {
        var payload = new JsonObject
        {
            ["app"] = appId, ["user"] = userId, ["computer"] = computer, ["exp"] = (time.GetUtcNow() + Lifetime).ToUnixTimeMilliseconds(),
        };
        if (challenge is not null)
        {
            payload["challenge"] = challenge;
        }

        return WebEncoders.Base64UrlEncode(protector.Protect(Encoding.UTF8.GetBytes(payload.ToJsonString())));
    }

    private string? Unseal(IDataProtector protector, string? token, string appId, string computer, string? challenge)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return null;
        }

        try
        {
            var payload = JsonNode.Parse(protector.Unprotect(WebEncoders.Base64UrlDecode(token)));
            return (string?)payload?["app"] == appId && (string?)payload?["computer"] == computer && (string?)payload?["challenge"] == challenge
                && (long?)payload?["exp"] > time.GetUtcNow().ToUnixTimeMilliseconds()
                ? (string?)payload?["user"] : null;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Offline enrollment on the server (issue 13 item 3): the agent registers the device access code it made for a person
/// on its computer (<c>POST /offline-enrollments</c>, with the login token of that person's online sign-in there), then
/// confirms it with one code of the new account within 5 minutes (<c>device.desktop_mfa.enrollment.create</c>). The
/// code itself is always checked by the agent, offline; the server keeps the secret sealed only to recognise it when
/// typed where the org account's code is expected (scenario A2).
/// </summary>
public static class DesktopMfaOffline
{
    public const string Pending = "PENDING";
    public const string Active = "ACTIVE";
    public static readonly TimeSpan ConfirmWithin = TimeSpan.FromMinutes(5);

    /// <summary>Base32 secrets of 16 to 64 bytes (the agent makes 20).</summary>
    private const int MinSecretBytes = 16, MaxSecretBytes = 64;

    public static void MapDesktopMfaOffline(this RouteGroupBuilder agent)
    {
        agent.MapPost("/offline-enrollments", (HttpContext c, DesktopMfaGate gate, DesktopMfaLoginTokens tokens, DesktopMfaSecrets secrets, TimeProvider time) =>
            DesktopMfaAgent.Handle(c, gate, (r, g) => RegisterAsync(r, g, tokens, secrets, time)));
        agent.MapPost("/offline-enrollments/{enrollmentId}/confirm", (string enrollmentId, HttpContext c, DesktopMfaGate gate, DesktopMfaSecrets secrets,
            TimeProvider time, SystemLogWriter log) => DesktopMfaAgent.Handle(c, gate, (r, g) => ConfirmAsync(enrollmentId, r, g, secrets, time, log)));
    }

    private static async Task<IResult> RegisterAsync(AgentRequest request, DesktopMfaGate gate, DesktopMfaLoginTokens tokens, DesktopMfaSecrets secrets,
        TimeProvider time)
    {
        var user = await gate.AdmitAsync(request, "Offline_TOTP");
        var computer = request.Computer.Describe();
        if (tokens.Open(request.LoginToken, gate.App.Id, request.Computer.TokenKey) != user.Id)
        {
            throw gate.Refuse(401, DesktopMfaReasons.LoginRequired,
                "Setting up a device access code needs a sign-in with an online method on this computer first (the login token is missing, older than 5 minutes, or of another person or computer).",
                user, "Offline_TOTP", computer);
        }

        var secret = request.Secret is { } text ? Base32(text) : null;
        if (secret is null || secret.Length is < MinSecretBytes or > MaxSecretBytes)
        {
            throw gate.Refuse(400, DesktopMfaReasons.InvalidRequest, $"secret: the new account's secret in base32, {MinSecretBytes} to {MaxSecretBytes} bytes.");
        }

        var now = IsoTime.Truncate(time.GetUtcNow());
        var enrollment = new DesktopMfaEnrollmentEntity
        {
            Id = RandomIds.NewId(IdPrefix.DesktopMfaEnrollment, now), OrgId = gate.App.OrgId, AppId = gate.App.Id, UserId = user.Id,
            ComputerName = request.Computer.Name, SerialNumber = request.Computer.SerialNumber, Platform = request.Computer.Platform,
            SealedSecret = "", Status = Pending, Created = now, ExpiresAt = now + ConfirmWithin,
        };
        enrollment.SealedSecret = secrets.Seal(enrollment.OrgId, enrollment.Id, secret);
        await gate.WriteAsync(async () =>
        {
            if (await DesktopMfaComputers.TouchAsync(gate.Db, gate.App.OrgId, gate.App.Id, request.Computer, now, reported: true, gate.Http.RequestAborted) is { } row)
            {
                // Checked now, pinned at confirmation: an enrollment never confirmed pins nothing.
                if (!DesktopMfaComputers.KeyMatches(row, request.Computer.PublicKey))
                {
                    throw gate.Refuse(409, DesktopMfaReasons.ComputerKeyMismatch,
                        $"computer.publicKey: another agent state already registered the computer id {request.Computer.AgentId} with a different signing key (was the state copied from another computer?). Move this computer's state directory aside, so that the agent makes a new id, and set the device access code up again.",
                        user, "Offline_TOTP", computer);
                }

                (enrollment.ComputerId, enrollment.ComputerPublicKey) = (row.Id, request.Computer.PublicKey is { } key ? Convert.ToBase64String(key) : null);
            }

            gate.Db.DesktopMfaEnrollments.Add(enrollment);
            return true;
        });
        return Results.Json(new JsonObject
        {
            ["id"] = enrollment.Id, ["status"] = Pending, ["expiresAt"] = IsoTime.Write(enrollment.ExpiresAt), ["label"] = Label(enrollment),
        }, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>The account's name in the authenticator app: "Device access code" and the computer's name or serial.</summary>
    public static string Label(DesktopMfaEnrollmentEntity e) => $"Device access code {e.SerialNumber ?? e.ComputerName}";

    private static async Task<IResult> ConfirmAsync(string enrollmentId, AgentRequest request, DesktopMfaGate gate, DesktopMfaSecrets secrets, TimeProvider time,
        SystemLogWriter log)
    {
        var user = await gate.AdmitAsync(request, "Offline_TOTP");
        var computer = request.Computer.Describe();
        var enrollment = enrollmentId.Length > 20 ? null
            : await gate.Db.DesktopMfaEnrollments.FirstOrDefaultAsync(e => e.Id == enrollmentId && e.AppId == gate.App.Id && e.UserId == user.Id, gate.Http.RequestAborted);
        if (enrollment is null || enrollment.Status != Pending)
        {
            throw gate.Refuse(404, DesktopMfaReasons.InvalidRequest, $"No device access code {enrollmentId} waits for confirmation for this person.", user, "Offline_TOTP", computer);
        }

        var now = IsoTime.Truncate(time.GetUtcNow());
        if (enrollment.ExpiresAt <= now)
        {
            throw gate.Refuse(410, DesktopMfaReasons.EnrollmentExpired,
                "The device access code was not confirmed within 5 minutes; set it up again (a new QR code).", user, "Offline_TOTP", computer);
        }

        var secret = secrets.Open(enrollment.OrgId, enrollment.Id, enrollment.SealedSecret);
        if (request.Code is null || TotpVerifier.Check(secret, request.Code, now, TotpFactorState.New, TotpPolicy.Default).Outcome != TotpOutcome.Accepted)
        {
            throw gate.Refuse(401, DesktopMfaReasons.InvalidCode,
                "That is not the code of the new \"Device access code\" account: type the code the authenticator app shows for it.", user, "Offline_TOTP", computer);
        }

        await gate.WriteAsync(async () =>
        {
            (enrollment.Status, enrollment.Activated) = (Active, now);
            if (enrollment.ComputerId is not null && await gate.Db.DesktopMfaComputers.FirstOrDefaultAsync(c => c.Id == enrollment.ComputerId, gate.Http.RequestAborted) is { } row)
            {
                if (!DesktopMfaComputers.PinKey(row, enrollment.ComputerPublicKey))
                {
                    throw gate.Refuse(409, DesktopMfaReasons.ComputerKeyMismatch,
                        "computer.publicKey: since this device access code was registered, another agent state pinned a different signing key for this computer id. Move this computer's state directory aside, so that the agent makes a new id, and set the device access code up again.",
                        user, "Offline_TOTP", computer);
                }

                // The readiness view lists people by their seat on a computer: a confirmed device access code gives one.
                await DesktopMfaComputers.SeatAsync(gate.Db, row, user.Id, now, gate.Http.RequestAborted);
            }

            log.Stage(EventTypes.DesktopMfaEnrollmentCreate, [UserResources.Target(user), AppResources.Target(gate.App),
                new LogTarget(enrollment.Id, "DesktopMfaEnrollment", null, Label(enrollment))],
                debugData: new Dictionary<string, object?> { ["computer"] = computer, ["platform"] = enrollment.Platform, ["factor"] = "Offline_TOTP" },
                actor: SignIn.SignInEvents.Actor(user));
            return true;
        });
        return Results.Json(new JsonObject { ["id"] = enrollment.Id, ["status"] = Active, ["label"] = Label(enrollment) });
    }

    /// <summary>
    /// The computer whose device access code <paramref name="code"/> is right now for the person (within the usual drift),
    /// or null: scenario A2's "this is your device access code; use the code of your org account".
    /// </summary>
    public static async Task<string?> DeviceAccessCodeOfAsync(LatchkeyDbContext db, DesktopMfaSecrets secrets, UserEntity user, string code, DateTimeOffset now,
        CancellationToken ct)
    {
        var enrollments = await db.DesktopMfaEnrollments.AsNoTracking().Where(e => e.UserId == user.Id && e.Status == Active).ToListAsync(ct);
        foreach (var e in enrollments)
        {
            if (TotpVerifier.Check(secrets.Open(e.OrgId, e.Id, e.SealedSecret), code, now, TotpFactorState.New, TotpPolicy.Default).Outcome == TotpOutcome.Accepted)
            {
                return e.SerialNumber is null ? e.ComputerName : $"{e.ComputerName} ({e.SerialNumber})";
            }
        }

        return null;
    }

    private static byte[]? Base32(string text)
    {
        try
        {
            return OtpNet.Base32Encoding.ToBytes(text.Trim().TrimEnd('='));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
