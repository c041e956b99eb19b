using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// <c>/api/v1/sessions</c> as the SDK's sessionApi uses it: with an API token, <c>POST</c> (redeem a session token),
/// <c>GET/DELETE /{id}</c>, <c>POST /{id}/lifecycle/refresh</c> and <c>DELETE /users/{id}/sessions</c>; with the
/// <c>sid</c> cookie and no token, <c>GET/DELETE /me</c> and <c>POST /me/lifecycle/refresh</c>. A session that is
/// unknown, ended or expired: 404 E0000007.
/// </summary>
public static class SessionsApi
{
    /// <summary>The paths under /api/v1 authenticated by the session cookie (or, for authn, by nothing) rather than an API token.</summary>
    public static bool IsTokenFree(PathString path) =>
        path.StartsWithSegments("/api/v1/sessions/me") || path.StartsWithSegments("/api/v1/authn") || path.Equals(Dashboard.AppLinksApi.Path, StringComparison.OrdinalIgnoreCase);

    public static void MapSessionsApi(this RouteGroupBuilder api)
    {
        var sessions = api.MapGroup("/sessions");
        const string cookie = "the session cookie's own endpoint: no API token";
        sessions.MapGet("/me", GetMine).NeedsNoAdminPermission(cookie);
        sessions.MapDelete("/me", EndMine).NeedsNoAdminPermission(cookie);
        sessions.MapPost("/me/lifecycle/refresh", RefreshMine).NeedsNoAdminPermission(cookie);
        sessions.MapPost("", Create).Requires(AdminPermission.UsersLifecycle);
        sessions.MapGet("/{id}", Get).Requires(AdminPermission.UsersRead);
        sessions.MapDelete("/{id}", Revoke).Requires(AdminPermission.UsersLifecycle);
        sessions.MapPost("/{id}/lifecycle/refresh", Refresh).Requires(AdminPermission.UsersLifecycle);
        api.MapDelete("/users/{id}/sessions", RevokeAll).Requires(AdminPermission.UsersLifecycle);
    }

    private static async Task<IResult> GetMine(HttpContext context, SessionStore store, LatchkeyDbContext db)
    {
        var session = await MineAsync(context, store);
        return await ResourceAsync(context, db, await store.TouchAsync(session, false, context.RequestAborted), me: true);
    }

    private static async Task<IResult> RefreshMine(HttpContext context, SessionStore store, LatchkeyDbContext db)
    {
        var session = await MineAsync(context, store);
        return await ResourceAsync(context, db, await store.TouchAsync(session, true, context.RequestAborted), me: true);
    }

    /// <summary>Sign-out: the session ends everywhere and the cookie is cleared.</summary>
    private static async Task<IResult> EndMine(HttpContext context, SessionStore store, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        var session = await MineAsync(context, store);
        await EndAsync(db, write, log, session, actor: null, context.RequestAborted);
        SessionStore.ClearCookie(context);
        return ApiResponses.NoContent();
    }

    /// <summary>Body <c>{sessionToken}</c>: a one-time token from <c>/api/v1/authn</c> becomes a session (no cookie: the caller is a server).</summary>
    private static async Task<IResult> Create(HttpContext context, SignInEngine engine, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var token = JsonBody.String(body, "sessionToken", "sessionToken");
        if (string.IsNullOrEmpty(token))
        {
            throw new ApiException(ApiErrors.Validation("sessionToken", "The field cannot be left blank"));
        }

        var redeemed = await engine.RedeemSessionTokenAsync(caller.OrgId, token, context.RequestAborted)
            ?? throw new ApiException(ApiErrors.AuthenticationFailed());
        return ApiResponses.Json(ToResource(redeemed.Session.Session, redeemed.User, ApiUrls.ApiBase(context.Request), me: false));
    }

    private static async Task<IResult> Get(string id, HttpContext context, SessionStore store, LatchkeyDbContext db) =>
        await ResourceAsync(context, db, await FindAsync(id, context, store), me: false);

    private static async Task<IResult> Refresh(string id, HttpContext context, SessionStore store, LatchkeyDbContext db)
    {
        var session = await FindAsync(id, context, store);
        return await ResourceAsync(context, db, await store.TouchAsync(session, true, context.RequestAborted), me: false);
    }

    private static async Task<IResult> Revoke(string id, HttpContext context, SessionStore store, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        var session = await FindAsync(id, context, store);
        await EndAsync(db, write, log, session, ApiCaller.Required(context).AsActor(), context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Every session of the user ends, on every node (they live in the database).</summary>
    private static async Task<IResult> RevokeAll(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        _ = JsonBody.QueryBool(context.Request, "oauthTokens", false); // checked; no OAuth tokens exist before the OIDC issue
        var forgetDevices = JsonBody.QueryBool(context.Request, "forgetDevices", true);
        await ClearUserSessionsAsync(ApiCaller.Required(context), id, db, write, log, context.RequestAborted, forgetDevices ? time : null);
        return ApiResponses.NoContent();
    }

    /// <summary>
    /// Ends every session of a user, everywhere (the API's <c>DELETE /users/{id}/sessions</c> and the console's "Clear
    /// sessions"); with <paramref name="forgetDevicesAt"/> (the API's <c>forgetDevices</c>, true by default) the browsers
    /// remembered after a second factor are forgotten too.
    /// </summary>
    public static async Task<int> ClearUserSessionsAsync(ApiCaller caller, string id, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        CancellationToken ct, TimeProvider? forgetDevicesAt = null)
    {
        var user = await UserLookup.GetAsync(db, caller, id, ct);
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var count = await db.Sessions.Where(s => s.OrgId == caller.OrgId && s.UserId == user.Id).ExecuteDeleteAsync(ct);
            if (forgetDevicesAt is not null)
            {
                var now = forgetDevicesAt.GetUtcNow();
                await db.Users.Where(u => u.Id == user.Id && u.OrgId == caller.OrgId).ExecuteUpdateAsync(u => u.SetProperty(x => x.DevicesForgottenAt, now), ct);
            }

            SignInEvents.SessionsCleared(log, user, count);
            return count;
        }, ct);
    }

    private static async Task<SessionEntity> MineAsync(HttpContext context, SessionStore store) =>
        await store.FromCookieAsync(context, context.RequestAborted) ?? throw new ApiException(ApiErrors.NotFound("me", "Session"));

    private static async Task<SessionEntity> FindAsync(string id, HttpContext context, SessionStore store) =>
        await store.FindAsync(ApiCaller.Required(context).OrgId, id, context.RequestAborted) ?? throw new ApiException(ApiErrors.NotFound(id, "Session"));

    internal static async Task EndAsync(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, SessionEntity session, Core.SystemLog.LogActor? actor,
        CancellationToken ct)
    {
        await write.RunAsync(session.OrgId, async () =>
        {
            await db.Sessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct);
            if (await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == session.UserId, ct) is { } user)
            {
                SignInEvents.SessionEnded(log, user, session, actor ?? SignInEvents.Actor(user));
            }
        }, ct);
    }

    private static async Task<IResult> ResourceAsync(HttpContext context, LatchkeyDbContext db, SessionEntity session, bool me)
    {
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == session.UserId, context.RequestAborted);
        return ApiResponses.Json(ToResource(session, user, ApiUrls.ApiBase(context.Request), me));
    }

    /// <summary>The Session object of the spec (<c>amr</c>, <c>idp</c>, <c>status</c>, the verification times, <c>_links</c>).</summary>
    public static JsonObject ToResource(SessionEntity session, UserEntity user, string apiBase, bool me)
    {
        var self = me ? $"{apiBase}/sessions/me" : $"{apiBase}/sessions/{session.Id}";
        return new JsonObject
        {
            ["id"] = session.Id,
            ["userId"] = session.UserId,
            ["login"] = user.Login,
            ["createdAt"] = IsoTime.Write(session.Created),
            ["expiresAt"] = IsoTime.Write(session.ExpiresAt),
            ["status"] = "ACTIVE",
            ["lastPasswordVerification"] = IsoTime.Write(session.LastPasswordVerification),
            ["lastFactorVerification"] = null,
            ["amr"] = new JsonArray("pwd"),
            ["idp"] = new JsonObject { ["id"] = session.OrgId, ["type"] = "OKTA" },
            ["mfaActive"] = false,
            ["_links"] = new JsonObject
            {
                ["self"] = new JsonObject { ["href"] = self, ["hints"] = new JsonObject { ["allow"] = new JsonArray(me ? ["GET", "DELETE"] : ["DELETE"]) } },
                ["refresh"] = new JsonObject { ["href"] = $"{self}/lifecycle/refresh", ["hints"] = new JsonObject { ["allow"] = new JsonArray("POST") } },
                ["user"] = new JsonObject
                {
                    ["name"] = $"{user.FirstName} {user.LastName}".Trim(), ["href"] = $"{apiBase}/users/{(me ? "me" : user.Id)}",
                    ["hints"] = new JsonObject { ["allow"] = new JsonArray("GET") },
                },
            },
        };
    }
}
