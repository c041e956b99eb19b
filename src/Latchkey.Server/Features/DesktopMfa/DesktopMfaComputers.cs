using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>
/// The computers with the Desktop MFA agent and who signs in on each (issue 13 items 3 and 4): a computer is known by
/// the agent's own id for it, sent as <c>computer.id</c>; an online sign-in there records the person's seat (the
/// offline period runs from it); the first offline enrollment pins the key that signs the computer's offline events.
/// Called inside the org's write turn.
/// </summary>
public static class DesktopMfaComputers
{
    /// <summary>The computer's row (created on first sight), with its name, serial and platform as reported now; null without an agent id.</summary>
    public static async Task<DesktopMfaComputerEntity?> TouchAsync(LatchkeyDbContext db, string orgId, string appId, AgentComputer computer, DateTimeOffset now,
        bool reported, CancellationToken ct)
    {
        if (computer.AgentId is not { } agentId)
        {
            return null;
        }

        var row = db.DesktopMfaComputers.Local.FirstOrDefault(c => c.OrgId == orgId && c.AgentId == agentId)
            ?? await db.DesktopMfaComputers.FirstOrDefaultAsync(c => c.OrgId == orgId && c.AgentId == agentId, ct);
        if (row is null)
        {
            row = new DesktopMfaComputerEntity
            {
                Id = RandomIds.NewId(IdPrefix.DesktopMfaComputer, now), OrgId = orgId, AppId = appId, AgentId = agentId, Name = computer.Name,
                SerialNumber = computer.SerialNumber, Platform = computer.Platform, Created = now,
            };
            db.DesktopMfaComputers.Add(row);
        }
        else if (reported)
        {
            (row.Name, row.SerialNumber, row.Platform) = (computer.Name, computer.SerialNumber ?? row.SerialNumber, computer.Platform ?? row.Platform);
        }

        row.AppId = appId;
        if (row.LastSeen < now)
        {
            row.LastSeen = IsoTime.Truncate(now);
        }
        return row;
    }

    /// <summary>Records an online sign-in of <paramref name="userId"/> on the computer (when the agent named it): the offline period starts again.</summary>
    public static async Task RecordOnlineSignInAsync(LatchkeyDbContext db, string orgId, string appId, AgentComputer computer, string userId, DateTimeOffset now,
        bool reported, CancellationToken ct)
    {
        if (await TouchAsync(db, orgId, appId, computer, now, reported, ct) is not { } row)
        {
            return;
        }

        var seat = await SeatAsync(db, row, userId, now, ct);
        if (seat.LastOnlineSignIn is not { } last || last < now)
        {
            seat.LastOnlineSignIn = IsoTime.Truncate(now);
        }
    }

    /// <summary>The person's seat on the computer, created when new.</summary>
    public static async Task<DesktopMfaSeatEntity> SeatAsync(LatchkeyDbContext db, DesktopMfaComputerEntity computer, string userId, DateTimeOffset now,
        CancellationToken ct)
    {
        var seat = db.DesktopMfaSeats.Local.FirstOrDefault(s => s.ComputerId == computer.Id && s.UserId == userId)
            ?? await db.DesktopMfaSeats.FirstOrDefaultAsync(s => s.ComputerId == computer.Id && s.UserId == userId, ct);
        if (seat is null)
        {
            seat = new DesktopMfaSeatEntity { ComputerId = computer.Id, UserId = userId, OrgId = computer.OrgId, FirstSeen = IsoTime.Truncate(now) };
            db.DesktopMfaSeats.Add(seat);
        }

        return seat;
    }

    /// <summary>Whether <paramref name="publicKey"/> (when given) is the computer's pinned key, or none is pinned yet.</summary>
    public static bool KeyMatches(DesktopMfaComputerEntity computer, byte[]? publicKey) =>
        publicKey is null || computer.PublicKey is null || computer.PublicKey == Convert.ToBase64String(publicKey);

    /// <summary>
    /// Pins <paramref name="publicKey"/> (base64 SubjectPublicKeyInfo) as the key of the computer's offline events;
    /// false when another key is already pinned (another agent state claims this computer's id).
    /// </summary>
    public static bool PinKey(DesktopMfaComputerEntity computer, string? publicKey)
    {
        if (publicKey is null)
        {
            return true;
        }

        computer.PublicKey ??= publicKey;
        return computer.PublicKey == publicKey;
    }
}
