using Latchkey.Core.Admin;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Web;

/// <summary>The person signed in to the browser making this request: their live session, their user row and their admin roles.</summary>
public sealed record WebUser(SessionEntity Session, UserEntity User, AdminGrant Grant)
{
    public string OrgId => User.OrgId;
    public string DisplayName => $"{User.FirstName} {User.LastName}".Trim();
    public Core.SystemLog.LogActor Actor => SignInEvents.Actor(User);

    /// <summary>The person as the Management API's code knows a caller (pages act through it, as this person).</summary>
    public ApiTokens.ApiCaller AsCaller() => new(OrgId, User.Id, User.Login, DisplayName, TokenId: "", Grant);
}

/// <summary>
/// Resolves the <c>sid</c> cookie once per request: a live session (not expired, not revoked, its user neither suspended
/// nor deactivated, in this server's org) gives a <see cref="WebUser"/>; anything else is a visitor. Using the session moves its
/// idle end on (written at most once a minute).
/// </summary>
public sealed class WebUserAccessor(SessionStore sessions, LatchkeyDbContext db, AdminGrants grants)
{
    private WebUser? _user;
    private bool _resolved;

    public async Task<WebUser?> GetAsync(HttpContext context)
    {
        if (_resolved)
        {
            return _user;
        }

        _resolved = true;
        var ct = context.RequestAborted;
        if (await sessions.SignedInAsync(context, ct) is not { } live || live.Session.OrgId != await ServerOrg.IdAsync(db, ct))
        {
            return null;
        }

        var (session, user) = (await sessions.TouchAsync(live.Session, force: false, ct), live.User);
        _user = new WebUser(session, user, await grants.ForUserAsync(user.OrgId, user.Id, ct));
        return _user;
    }
}
