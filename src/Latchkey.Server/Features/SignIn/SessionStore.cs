using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SignIn;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// Server-side sessions. The <c>sid</c> cookie holds a random secret; the database holds its SHA-256, so a session id
/// seen by an admin (or in the System Log) cannot be used as a cookie. A session ends when idle for its idle limit or
/// at its absolute end (the org's OKTA_SIGN_ON policy at its start), or when ended (sign-out, revocation: the row goes).
/// </summary>
public sealed class SessionStore(LatchkeyDbContext db, TimeProvider time)
{
    public const string CookieName = "sid";

    /// <summary>Use within this much of the last recorded activity is not written again (one write a minute at most).</summary>
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>Adds a session for <paramref name="userId"/> (inside the caller's write).</summary>
    public StartedSession Add(string orgId, string userId, SessionPolicy policy, DateTimeOffset now, SessionProof? proof = null)
    {
        proof ??= SessionProof.Password(now);
        var secret = RandomIds.NewUrlSafeSecret();
        var max = policy.MaxExpiresAt(now);
        var session = new SessionEntity
        {
            Id = RandomIds.NewId(IdPrefix.Session, now), OrgId = orgId, UserId = userId, CookieHash = SecretHasher.Hash(secret),
            Created = now, LastActivity = now, LastPasswordVerification = now, IdleMinutes = policy.MaxIdleMinutes, MaxExpiresAt = max,
            ExpiresAt = SessionPolicy.ExpiresAt(now, policy.MaxIdleMinutes, max),
            DeviceId = proof.DeviceId, FactorsJson = SessionFactors.Write(proof.Factors),
        };
        db.Sessions.Add(session);
        return new StartedSession(session, secret);
    }

    /// <summary>The live session the request's <c>sid</c> cookie names, or null (no cookie, unknown, revoked or expired).</summary>
    public async Task<SessionEntity?> FromCookieAsync(HttpContext context, CancellationToken ct) =>
        (await SignedInAsync(context, ct))?.Session;

    /// <summary>The live session of the request's <c>sid</c> cookie and its user, read together (a page needs both), or null.</summary>
    public async Task<LiveSession?> SignedInAsync(HttpContext context, CancellationToken ct)
    {
        var secret = context.Request.Cookies[CookieName];
        if (string.IsNullOrEmpty(secret) || secret.Length > 100)
        {
            return null;
        }

        var hash = SecretHasher.Hash(secret);
        return await Live(db.Sessions.Where(s => s.CookieHash == hash)).FirstOrDefaultAsync(ct);
    }

    public async Task<SessionEntity?> FindAsync(string orgId, string id, CancellationToken ct) =>
        id.Length > 20 ? null : (await Live(db.Sessions.Where(s => s.Id == id && s.OrgId == orgId)).FirstOrDefaultAsync(ct))?.Session;

    /// <summary>The session if it has not expired and its user is neither suspended nor deactivated (their sessions end with that).</summary>
    private IQueryable<LiveSession> Live(IQueryable<SessionEntity> query)
    {
        var now = time.GetUtcNow();
        return query.AsNoTracking()
            .Where(s => s.ExpiresAt > now)
            .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new { Session = s, User = u })
            .Where(x => x.User.Status != UserStatus.Suspended && x.User.Status != UserStatus.Deprovisioned)
            .Select(x => new LiveSession(x.Session, x.User));
    }

    /// <summary>
    /// Records use of the session (its idle end moves on), at most once a minute; <paramref name="force"/>: now (a refresh).
    /// Not a change of the org's data, so not an OrgWrite: one conditional update of the session's own row.
    /// </summary>
    public async Task<SessionEntity> TouchAsync(SessionEntity session, bool force, CancellationToken ct)
    {
        var now = IsoTime.Truncate(time.GetUtcNow());
        if (!force && now - session.LastActivity < TouchInterval)
        {
            return session;
        }

        var expires = SessionPolicy.ExpiresAt(now, session.IdleMinutes, session.MaxExpiresAt);
        await db.Sessions.Where(s => s.Id == session.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.LastActivity, now).SetProperty(s => s.ExpiresAt, expires), ct);
        session.LastActivity = now;
        session.ExpiresAt = expires;
        return session;
    }

    /// <summary>Sets the <c>sid</c> cookie: HttpOnly, SameSite=Lax, Secure on HTTPS, for the whole site, until the browser closes.</summary>
    public static void WriteCookie(HttpContext context, string secret) =>
        context.Response.Cookies.Append(CookieName, secret, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, Path = "/", IsEssential = true,
        });

    public static void ClearCookie(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, Path = "/",
        });
}

/// <summary>A session that is still live, with its user.</summary>
public sealed record LiveSession(SessionEntity Session, UserEntity User);
