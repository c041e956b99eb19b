using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>
/// Offline sign-ins reported later (issue 13 item 3): the agent uploads its journal to <c>POST /offline-events</c>,
/// each event's JSON (<c>payload</c>, base64url) with the computer key's ES256 signature over exactly those bytes. The
/// server checks each signature with the key the computer's first offline enrollment pinned, keeps each event id once
/// (a second upload is acknowledged, not logged again) and writes <c>user.authentication.auth_via_mfa</c> with the
/// event's own time, the method and, for a failure, its reason. One write for the whole upload.
/// </summary>
public static class DesktopMfaSync
{
    public const int MaxEvents = 500;

    /// <summary>The agent's method names and the factor names the log and the profile use.</summary>
    private static readonly Dictionary<string, string> Factors = new(StringComparer.Ordinal)
    {
        ["offline-code"] = "Offline_TOTP", ["security-key"] = "FIDO2_USB_key", ["recovery-pin"] = "Recovery_PIN",
    };

    public static void MapDesktopMfaSync(this RouteGroupBuilder agent) =>
        agent.MapPost("/offline-events", (HttpContext c, DesktopMfaGate gate, SystemLogWriter log, TimeProvider time) =>
            DesktopMfaAgent.HandleWithoutBody(c, gate, g => UploadAsync(c, g, log, time)));

    private sealed record Parsed(int Index, string? Id, JsonObject? Event, string? Rejected);

    private static async Task<IResult> UploadAsync(HttpContext context, DesktopMfaGate gate, SystemLogWriter log, TimeProvider time)
    {
        JsonObject body;
        try
        {
            body = await JsonBody.ReadObjectAsync(context.Request);
        }
        catch (Core.Errors.ApiException e)
        {
            throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, e.Error.Summary);
        }

        var computer = AgentComputer.Read(body["computer"] as JsonObject
            ?? throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, "computer: an object with its id and name."));
        if (body["events"] is not JsonArray events || events.Count > MaxEvents)
        {
            throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, $"events: a list of at most {MaxEvents} signed events; upload the rest in another request.");
        }

        var ct = context.RequestAborted;
        var row = computer.AgentId is { } agentId
            ? await gate.Db.DesktopMfaComputers.AsNoTracking().FirstOrDefaultAsync(c => c.OrgId == gate.App.OrgId && c.AgentId == agentId, ct)
            : null;
        if (row?.PublicKey is null)
        {
            throw gate.Refuse(404, DesktopMfaReasons.ComputerNotRegistered,
                "This computer has no offline sign-in set up with this org yet (no device access code was enrolled on it), so its events cannot be checked; they stay on the computer.",
                computer: computer.Describe());
        }

        var key = Convert.FromBase64String(row.PublicKey);
        var parsed = events.Select((e, i) => Check(i, e, key, row.AgentId)).ToList();
        var logins = parsed.Where(p => p.Event is not null).Select(p => ((string)p.Event!["login"]!).ToLowerInvariant()).Distinct().ToList();
        var users = await gate.Db.Users.AsNoTracking().Where(u => u.OrgId == gate.App.OrgId && logins.Contains(u.LoginKey)).ToListAsync(ct);
        var seated = (await gate.Db.DesktopMfaSeats.AsNoTracking().Where(s => s.ComputerId == row.Id).Select(s => s.UserId)
            .Union(gate.Db.DesktopMfaEnrollments.AsNoTracking().Where(e => e.ComputerId == row.Id && e.Status == DesktopMfaOffline.Active).Select(e => e.UserId))
            .ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);

        var accepted = new JsonArray();
        var duplicates = new JsonArray();
        var rejected = new JsonArray();
        var now = IsoTime.Truncate(time.GetUtcNow());
        await gate.WriteAsync(async () =>
        {
            var ids = parsed.Where(p => p.Id is not null).Select(p => p.Id!).Distinct().ToList();
            var known = (await gate.Db.DesktopMfaOfflineEvents.Where(e => e.ComputerId == row.Id && ids.Contains(e.EventId)).Select(e => e.EventId).ToListAsync(ct))
                .ToHashSet(StringComparer.Ordinal);
            var tracked = await gate.Db.DesktopMfaComputers.FirstAsync(c => c.Id == row.Id, ct);
            tracked.LastSync = now;
            foreach (var item in parsed)
            {
                if (item.Rejected is not null)
                {
                    rejected.Add(new JsonObject { ["index"] = item.Index, ["id"] = item.Id, ["reason"] = item.Rejected });
                    continue;
                }

                if (!known.Add(item.Id!))
                {
                    duplicates.Add(item.Id);
                    continue;
                }

                var e = item.Event!;
                var user = users.FirstOrDefault(u => u.LoginKey == ((string)e["login"]!).ToLowerInvariant());
                if (user is null || !seated.Contains(user.Id))
                {
                    rejected.Add(new JsonObject { ["index"] = item.Index, ["id"] = item.Id, ["reason"] = "unknown_user" });
                    continue;
                }

                var at = IsoTime.Truncate(DateTimeOffset.Parse((string)e["time"]!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
                var success = (string)e["result"]! == "SUCCESS";
                var method = Factors[(string)e["method"]!];
                var staged = log.Create(EventTypes.AuthViaMfa, [UserResources.Target(user), AppResources.Target(gate.App)],
                    success ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, (string?)e["reason"] ?? "unknown"),
                    displayMessage: "Desktop MFA (offline)", actor: SignIn.SignInEvents.Actor(user),
                    debugData: new Dictionary<string, object?>
                    {
                        ["desktopMfa"] = true, ["offline"] = true, ["factor"] = method, ["computer"] = row.SerialNumber is null ? row.Name : $"{row.Name} ({row.SerialNumber})",
                        ["offlineEventId"] = item.Id, ["uploadedAt"] = IsoTime.Write(now),
                        ["reportedTime"] = at > now ? IsoTime.Write(at) : null,
                    });
                log.Stage(staged with { Published = at > now ? now : at });
                gate.Db.DesktopMfaOfflineEvents.Add(new DesktopMfaOfflineEventEntity { ComputerId = row.Id, EventId = item.Id!, Received = now });
                if (success)
                {
                    var seat = await DesktopMfaComputers.SeatAsync(gate.Db, tracked, user.Id, now, ct);
                    if (seat.LastOfflineSignIn is not { } last || last < at)
                    {
                        seat.LastOfflineSignIn = at > now ? now : at;
                    }
                }

                accepted.Add(item.Id);
            }

            return true;
        });

        return Results.Json(new JsonObject { ["accepted"] = accepted, ["duplicates"] = duplicates, ["rejected"] = rejected });
    }

    /// <summary>One uploaded event: its signature checked over the payload bytes, then its fields; or why it is refused.</summary>
    private static Parsed Check(int index, JsonNode? item, byte[] key, string agentId)
    {
        if (item is not JsonObject o || o["payload"] is not JsonValue p || !p.TryGetValue<string>(out var payload) || payload.Length > 4096
            || o["signature"] is not JsonValue s || !s.TryGetValue<string>(out var signature) || signature.Length > 200)
        {
            return new Parsed(index, null, null, "malformed");
        }

        byte[] bytes, sig;
        try
        {
            (bytes, sig) = (WebEncoders.Base64UrlDecode(payload), WebEncoders.Base64UrlDecode(signature));
        }
        catch (FormatException)
        {
            return new Parsed(index, null, null, "malformed");
        }

        using (var ecdsa = ECDsa.Create())
        {
            ecdsa.ImportSubjectPublicKeyInfo(key, out _);
            if (!ecdsa.VerifyData(bytes, sig, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                return new Parsed(index, null, null, "bad_signature");
            }
        }

        JsonObject? e;
        try
        {
            e = JsonNode.Parse(bytes) as JsonObject;
        }
        catch (JsonException)
        {
            e = null;
        }

        var id = e?["id"] is JsonValue i && i.TryGetValue<string>(out var text) && text.Length is > 0 and <= 64 ? text : null;
        var valid = e is not null && id is not null
            && e["time"] is JsonValue t && t.TryGetValue<string>(out var time) && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
            && Text(e, "computerId") == agentId
            && e["login"] is JsonValue l && l.TryGetValue<string>(out var login) && login.Length is > 0 and <= 255
            && e["method"] is JsonValue m && m.TryGetValue<string>(out var method) && Factors.ContainsKey(method)
            && e["result"] is JsonValue r && r.TryGetValue<string>(out var result) && result is "SUCCESS" or "FAILURE"
            && (e["reason"] is null || (e["reason"] is JsonValue why && why.TryGetValue<string>(out var reason) && reason.Length <= 64));
        return valid ? new Parsed(index, id, e, null) : new Parsed(index, id, null, e is not null && Text(e, "computerId") != agentId ? "other_computer" : "malformed");
    }

    /// <summary>A string member, or null when it is missing or of another JSON type (a number there is malformed, not a server error).</summary>
    private static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
