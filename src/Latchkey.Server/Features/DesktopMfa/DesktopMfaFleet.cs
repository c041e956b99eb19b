using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>A recovery PIN as the admin sees it once: the digits, until when the computer accepts them, for whom and where.</summary>
public sealed record RecoveryPin(string Pin, DateTimeOffset ExpiresAt, UserEntity User, DesktopMfaComputerEntity Computer);

/// <summary>One person on one computer: which offline factors work there, until when, and whether they could log in offline tomorrow.</summary>
public sealed record ReadinessRow(
    DesktopMfaComputerEntity Computer,
    UserEntity User,
    IReadOnlyList<string> OfflineFactors,
    bool RecoveryPin,
    DateTimeOffset? LastOnlineSignIn,
    DateTimeOffset? LastOfflineSignIn,
    DateTimeOffset? OfflineUntil,
    DateTimeOffset? SetUpOfflineBy,
    string Status,
    string Detail)
{
    public bool CanLogInOfflineTomorrow(DateTimeOffset now) => OfflineUntil is { } until && until > now.AddDays(1);
}

/// <summary>
/// The fleet side of Desktop MFA for admins (issue 13 items 3 and 4, docs/desktop-mfa.md): recovery PINs
/// (<c>POST /api/v1/users/{id}/desktop-mfa/recovery-pin</c>) and offline readiness (<c>GET /api/v1/desktop-mfa/readiness</c>);
/// the console's pages call the same methods.
/// </summary>
public sealed class DesktopMfaFleet(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, DesktopMfaSecrets secrets, TimeProvider time)
{
    public const string Ready = "READY";
    public const string Expired = "OFFLINE_PERIOD_ENDED";
    public const string NoOfflineFactor = "NO_OFFLINE_FACTOR";
    public const string OfflineNotAllowed = "OFFLINE_NOT_ALLOWED";
    public const string NotStarted = "NO_ONLINE_SIGN_IN";

    /// <summary>
    /// A recovery PIN for the person on the computer named by <paramref name="computerRef"/> (its id, the agent's id, its
    /// name or serial): it needs the org setting on and the person's device access code on that computer (the PIN is
    /// derived from it). Logged, also when refused.
    /// </summary>
    public async Task<RecoveryPin> GenerateRecoveryPinAsync(string orgId, UserEntity user, string? computerRef, CancellationToken ct)
    {
        var enrollments = await db.DesktopMfaEnrollments.AsNoTracking()
            .Where(e => e.UserId == user.Id && e.Status == DesktopMfaOffline.Active && e.ComputerId != null).ToListAsync(ct);
        var computerIds = enrollments.Select(e => e.ComputerId!).ToList();
        var computers = await db.DesktopMfaComputers.AsNoTracking().Where(c => computerIds.Contains(c.Id)).ToListAsync(ct);
        var matches = string.IsNullOrWhiteSpace(computerRef) ? []
            : computers.Where(c => c.Id == computerRef || c.AgentId == computerRef || string.Equals(c.Name, computerRef, StringComparison.OrdinalIgnoreCase)
                || string.Equals(c.SerialNumber, computerRef, StringComparison.OrdinalIgnoreCase)).ToList();
        var computer = matches.Count == 1 ? matches[0] : null;

        string? refusal = null;
        if (!await OrgSettings.FlagAsync(db, orgId, DesktopMfaApi.RecoveryPinKey, ct))
        {
            refusal = $"Recovery PINs are turned off for this org: turn them on in Applications > Desktop MFA (or PUT {DesktopMfaApi.SettingsPrefix}/recovery-pin-settings).";
        }
        else if (string.IsNullOrWhiteSpace(computerRef))
        {
            refusal = "computer: the computer's id, name or serial number." + Known(computers);
        }
        else if (matches.Count > 1)
        {
            refusal = $"computer: \"{computerRef}\" names {matches.Count} computers of {user.Login}; give the computer's id." + Known(computers);
        }
        else if (computer is null)
        {
            refusal = $"computer: {user.Login} has no device access code on a computer \"{computerRef}\", and a recovery PIN needs one (the computer checks the PIN with it, offline)." + Known(computers);
        }

        var now = time.GetUtcNow();
        var step = RecoveryPins.StepAt(now);
        var enrollment = computer is null ? null : enrollments.Where(e => e.ComputerId == computer.Id).MaxBy(e => e.Activated);
        await write.RunAsync(orgId, () =>
        {
            var targets = new List<LogTarget> { UserResources.Target(user) };
            if (computer is not null)
            {
                targets.Add(new LogTarget(computer.Id, "DesktopMfaComputer", null, Describe(computer)));
            }

            log.Stage(EventTypes.DesktopMfaRecoveryPinGenerate, targets,
                refusal is null ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, refusal),
                debugData: new Dictionary<string, object?> { ["computer"] = computerRef, ["expiresAt"] = refusal is null ? IsoTime.Write(RecoveryPins.ExpiresAt(step)) : null });
            return Task.CompletedTask;
        }, ct);

        if (refusal is not null)
        {
            throw new ApiException(refusal.StartsWith("computer:", StringComparison.Ordinal)
                ? ApiErrors.Validation("computer", refusal["computer: ".Length..])
                : ApiErrors.Precondition("recovery PIN", refusal));
        }

        var secret = secrets.Open(enrollment!.OrgId, enrollment.Id, enrollment.SealedSecret)
            ?? throw new ApiException(ApiErrors.Precondition("recovery PIN",
                "The device access code of that computer cannot be opened on this server (its key ring changed): the person must set the device access code up again."));
        var key = RecoveryPins.Key(secret);
        return new RecoveryPin(RecoveryPins.Pin(key, step), RecoveryPins.ExpiresAt(step), user, computer!);
    }

    private static string Known(IReadOnlyList<DesktopMfaComputerEntity> computers) => computers.Count == 0
        ? " The person has no device access code on any computer yet."
        : $" Their computers with a device access code: {string.Join(", ", computers.Select(c => $"{Describe(c)} ({c.Id})"))}.";

    public static string Describe(DesktopMfaComputerEntity c) => c.SerialNumber is null ? c.Name : $"{c.Name} ({c.SerialNumber})";

    /// <summary>
    /// Readiness rows in (computer, person) order after <paramref name="after"/>: only those who could not log in
    /// offline <paramref name="lockedOutWithinDays"/> days from now when it is given. Returns the rows and the cursor of
    /// the next page (null at the end).
    /// </summary>
    public async Task<(IReadOnlyList<ReadinessRow> Rows, string? Next)> ReadinessAsync(string orgId, int? lockedOutWithinDays, string? after, int limit,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var recoveryPin = await OrgSettings.FlagAsync(db, orgId, DesktopMfaApi.RecoveryPinKey, ct);
        var (afterComputer, afterUser) = after?.Split('.', 2) is [var c, var u] ? (c, u) : ("", "");
        var rows = new List<ReadinessRow>();
        var scanned = 0;
        while (rows.Count < limit && scanned < 10_000)
        {
            var (ac, au) = (afterComputer, afterUser);
            var seats = await db.DesktopMfaSeats.AsNoTracking().Where(s => s.OrgId == orgId
                    && (string.Compare(s.ComputerId, ac) > 0 || (s.ComputerId == ac && string.Compare(s.UserId, au) > 0)))
                .OrderBy(s => s.ComputerId).ThenBy(s => s.UserId).Take(200).ToListAsync(ct);
            if (seats.Count == 0)
            {
                return (rows, null);
            }

            var computerIds = seats.Select(s => s.ComputerId).Distinct().ToList();
            var userIds = seats.Select(s => s.UserId).Distinct().ToList();
            var computers = await db.DesktopMfaComputers.AsNoTracking().Where(x => computerIds.Contains(x.Id)).ToDictionaryAsync(x => x.Id, ct);
            var users = await db.Users.AsNoTracking().Where(x => userIds.Contains(x.Id)).ToDictionaryAsync(x => x.Id, ct);
            var appIds = computers.Values.Select(x => x.AppId).Distinct().ToList();
            var apps = await db.Apps.AsNoTracking().Where(a => appIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
            var codes = (await db.DesktopMfaEnrollments.AsNoTracking()
                    .Where(e => e.Status == DesktopMfaOffline.Active && e.ComputerId != null && computerIds.Contains(e.ComputerId) && userIds.Contains(e.UserId))
                    .Select(e => new { e.ComputerId, e.UserId }).ToListAsync(ct))
                .Select(e => (e.ComputerId!, e.UserId)).ToHashSet();
            foreach (var seat in seats)
            {
                scanned++;
                (afterComputer, afterUser) = (seat.ComputerId, seat.UserId);
                if (!computers.TryGetValue(seat.ComputerId, out var computer) || !users.TryGetValue(seat.UserId, out var user))
                {
                    continue;
                }

                var row = Row(computer, user, seat, apps.GetValueOrDefault(computer.AppId), codes.Contains((seat.ComputerId, seat.UserId)), recoveryPin, now);
                if (lockedOutWithinDays is { } days && row.OfflineUntil is { } until && until > now.AddDays(days))
                {
                    continue;
                }

                rows.Add(row);
                if (rows.Count == limit)
                {
                    return (rows, $"{seat.ComputerId}.{seat.UserId}");
                }
            }
        }

        return (rows, $"{afterComputer}.{afterUser}");
    }

    private static ReadinessRow Row(DesktopMfaComputerEntity computer, UserEntity user, DesktopMfaSeatEntity seat, AppEntity? app, bool deviceAccessCode,
        bool recoveryPin, DateTimeOffset now)
    {
        var settings = app is null ? null : (JsonNode.Parse(app.BodyJson) as JsonObject)?["settings"]?["app"];
        var allowed = (settings?["allowedFactors"] as JsonArray)?.Select(f => (string?)f).ToList() is { Count: > 0 } list && !list.Contains("*")
            ? list : [.. DesktopMfaApp.Factors];
        var offlineHours = (int?)settings?["loginPeriodWithOfflineFactor"] ?? DesktopMfaApp.DefaultOfflineHours;
        var setUpHours = (int?)settings?["loginPeriodWithNoOfflineFactor"] ?? DesktopMfaApp.DefaultNoOfflineFactorHours;
        var factors = new List<string>();
        if (deviceAccessCode && allowed.Contains("Offline_TOTP"))
        {
            factors.Add("Offline_TOTP");
        }

        if (seat.OfflineSecurityKeys > 0 && allowed.Contains("FIDO2_USB_key"))
        {
            factors.Add("FIDO2_USB_key");
        }

        var pin = recoveryPin && deviceAccessCode;
        var lastOnline = seat.LastOnlineSignIn;
        if (offlineHours == 0)
        {
            return new ReadinessRow(computer, user, factors, pin, lastOnline, seat.LastOfflineSignIn, null, null, OfflineNotAllowed,
                "The app's profile allows no offline login (LoginPeriodWithOfflineFactor is 0): this person can log in only while the computer is online.");
        }

        if (lastOnline is null && factors.Count > 0)
        {
            return new ReadinessRow(computer, user, factors, pin, lastOnline, seat.LastOfflineSignIn, null, null, NotStarted,
                "No online login on this computer yet, so offline login has not started: the first online login (push or code) starts the offline period.");
        }

        if (factors.Count == 0)
        {
            var by = seat.FirstSeen.AddHours(setUpHours);
            return new ReadinessRow(computer, user, factors, pin, lastOnline, seat.LastOfflineSignIn, null, by, NoOfflineFactor,
                $"No offline factor on this computer: offline, this person cannot log in. Set up a device access code (latchkey-desktop enroll-offline) while online{(by > now ? $", by {IsoTime.Write(by)} as the profile asks" : "")}.");
        }

        var until = lastOnline!.Value.AddHours(offlineHours);
        return until > now
            ? new ReadinessRow(computer, user, factors, pin, lastOnline, seat.LastOfflineSignIn, until, null, Ready,
                $"Can log in offline with {string.Join(" or ", factors)} until {IsoTime.Write(until)}; each online login there extends it by {offlineHours} hours.")
            : new ReadinessRow(computer, user, factors, pin, lastOnline, seat.LastOfflineSignIn, until, null, Expired,
                $"The offline period ended at {IsoTime.Write(until)}: the next login on this computer must be online (push or code), which starts a new one.");
    }
}

/// <summary>The Management API of <see cref="DesktopMfaFleet"/>: recovery PINs and offline readiness.</summary>
public static class DesktopMfaFleetApi
{
    private static readonly ListSpec ReadinessList = new("desktop-mfa-readiness", new PageLimits(200, 1000));

    public static void MapDesktopMfaFleet(this RouteGroupBuilder api)
    {
        api.MapPost("/users/{userId}/desktop-mfa/recovery-pin", RecoveryPinAsync).Requires(AdminPermission.UsersLifecycle);
        api.MapGet("/desktop-mfa/readiness", ReadinessAsync).AsList(ReadinessList).Requires(AdminPermission.DevicesRead);
    }

    private static async Task<IResult> RecoveryPinAsync(string userId, HttpContext context, DesktopMfaFleet fleet, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var computerRef = body["computer"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) && s.Length <= 255 => s,
            _ => throw new ApiException(ApiErrors.Validation("computer", "The computer's id, name or serial number, as a string.")),
        };
        var user = await UserLookup.GetAsync(db, caller, userId, context.RequestAborted);
        var pin = await fleet.GenerateRecoveryPinAsync(caller.OrgId, user, computerRef, context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        return ApiResponses.Json(new JsonObject
        {
            ["pin"] = pin.Pin,
            ["expiresAt"] = IsoTime.Write(pin.ExpiresAt),
            ["user"] = new JsonObject { ["id"] = user.Id, ["login"] = user.Login },
            ["computer"] = Computer(pin.Computer),
        });
    }

    private static JsonObject Computer(DesktopMfaComputerEntity c) => new()
    {
        ["id"] = c.Id, ["agentId"] = c.AgentId, ["name"] = c.Name, ["serialNumber"] = c.SerialNumber, ["platform"] = c.Platform,
        ["lastSeen"] = IsoTime.Write(c.LastSeen), ["lastSync"] = c.LastSync is { } s ? IsoTime.Write(s) : null,
    };

    private static async Task<IResult> ReadinessAsync(HttpContext context, DesktopMfaFleet fleet, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var paging = Paging.Of(context);
        int? days = null;
        if (context.Request.Query["lockedOutWithinDays"].ToString() is { Length: > 0 } text)
        {
            days = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var d) && d <= 3650 ? d
                : throw new ApiException(ApiErrors.Validation("lockedOutWithinDays", "A whole number of days, 0 to 3650."));
        }

        var (rows, next) = await fleet.ReadinessAsync(caller.OrgId, days, paging.After, paging.Limit, context.RequestAborted);
        Paging.WriteLinks(context, next);
        var now = time.GetUtcNow();
        return ApiResponses.Json(new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["computer"] = Computer(r.Computer),
            ["user"] = new JsonObject { ["id"] = r.User.Id, ["login"] = r.User.Login, ["status"] = r.User.Status },
            ["offlineFactors"] = new JsonArray(r.OfflineFactors.Select(f => (JsonNode)f).ToArray()),
            ["recoveryPin"] = r.RecoveryPin,
            ["lastOnlineSignIn"] = r.LastOnlineSignIn is { } on ? IsoTime.Write(on) : null,
            ["lastOfflineSignIn"] = r.LastOfflineSignIn is { } off ? IsoTime.Write(off) : null,
            ["offlineUntil"] = r.OfflineUntil is { } until ? IsoTime.Write(until) : null,
            ["setUpOfflineBy"] = r.SetUpOfflineBy is { } by ? IsoTime.Write(by) : null,
            ["canLogInOfflineTomorrow"] = r.CanLogInOfflineTomorrow(now),
            ["status"] = r.Status,
            ["detail"] = r.Detail,
        }).ToArray()));
    }
}
