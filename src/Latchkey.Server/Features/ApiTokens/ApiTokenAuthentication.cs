using System.Collections.Concurrent;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Server.Api;
using Latchkey.Server.Features.RateLimits;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.ApiTokens;

/// <summary>
/// <c>Authorization: SSWS &lt;token&gt;</c> on every /api/v1 request. The token is looked up by its SHA-256
/// hash (tokens are never stored in clear). No header: 403 E0000005, as the real service answers when
/// it falls back to a session cookie; an unknown, revoked or expired token, or one whose owner is suspended, deactivated
/// or holds no admin role any more: 401 E0000011. Each failure is
/// charged to the client address, and an address past the limit is refused with 429 before its token is
/// read (<see cref="FailedAuthenticationLimit"/>). The session cookie's endpoints (<c>/api/v1/sessions/me</c>) and the
/// classic <c>/api/v1/authn</c> take no token.
/// </summary>
public sealed class ApiTokenAuthentication(RequestDelegate next, ApiTokenCache cache, TimeProvider time, FailedAuthenticationLimit failures)
{
    public const string Scheme = "SSWS";

    public async Task InvokeAsync(HttpContext context, LatchkeyDbContext db, AdminGrants grants)
    {
        if (SignIn.SessionsApi.IsTokenFree(context.Request.Path))
        {
            // The session cookie's own endpoints and the classic authn API: no API token is involved.
            await next(context);
            return;
        }

        var address = FailedAuthenticationLimit.AddressKey(context.Connection.RemoteIpAddress);
        failures.ThrowIfBlocked(context, address);
        string header = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            throw await failures.FailAsync(context, address, ApiErrors.InvalidSession());
        }

        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var token = space <= 0 ? "" : header[(space + 1)..].Trim();
        if (space <= 0 || !header.AsSpan(0, space).Equals(Scheme, StringComparison.OrdinalIgnoreCase) || token.Length is 0 or > 200)
        {
            throw await failures.FailAsync(context, address, ApiErrors.InvalidToken());
        }

        var caller = await cache.ResolveAsync(SecretHasher.Hash(token), db, grants, time, context.RequestAborted);
        if (caller is null)
        {
            throw await failures.FailAsync(context, address, ApiErrors.InvalidToken());
        }

        caller.Attach(context);
        await next(context);
    }
}

/// <summary>
/// Resolved tokens with their owner's roles, kept for a few seconds so that a hot path (thousands of calls a second)
/// does not read the token and role tables every time. A revocation, a change of the owner's roles or status on this
/// node takes effect at once (the handler forgets the entries it affects); on another node within <see cref="Lifetime"/>.
/// </summary>
public sealed class ApiTokenCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Window = TimeSpan.FromDays(30);
    private readonly ConcurrentDictionary<string, (ApiCaller Caller, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public async Task<ApiCaller?> ResolveAsync(string tokenHash, LatchkeyDbContext db, AdminGrants grants, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(tokenHash, out var hit) && hit.Until > now)
        {
            return hit.Caller;
        }

        var row = await db.ApiTokens.Where(t => t.TokenHash == tokenHash)
            .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => new { Token = t, u.Login, u.FirstName, u.LastName, u.Status })
            .FirstOrDefaultAsync(ct);
        if (row is null || row.Token.ExpiresAt <= now || row.Status is Core.Users.UserStatus.Deprovisioned or Core.Users.UserStatus.Suspended)
        {
            _entries.TryRemove(tokenHash, out _);
            return null;
        }

        // The token acts with its owner's roles; an owner who holds none any more has a token that no longer works.
        var grant = await grants.ForUserAsync(row.Token.OrgId, row.Token.UserId, ct);
        if (!grant.IsAdmin)
        {
            _entries.TryRemove(tokenHash, out _);
            return null;
        }

        // A token stays valid while it is used: each use pushes its expiry 30 days out (written at most hourly).
        if (row.Token.ExpiresAt - now < Window - TimeSpan.FromHours(1))
        {
            await db.ApiTokens.Where(t => t.Id == row.Token.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, now + Window), ct);
        }

        var caller = new ApiCaller(row.Token.OrgId, row.Token.UserId, row.Login,
            $"{row.FirstName} {row.LastName}".Trim(), row.Token.Id, grant);
        _entries[tokenHash] = (caller, now + Lifetime);
        return caller;
    }

    public void Forget(string tokenHash) => _entries.TryRemove(tokenHash, out _);

    /// <summary>After the owner is suspended or deactivated, or their roles change: their tokens are resolved afresh on this node.</summary>
    public void ForgetUser(string userId)
    {
        foreach (var (hash, entry) in _entries)
        {
            if (entry.Caller.UserId == userId)
            {
                _entries.TryRemove(hash, out _);
            }
        }
    }

    /// <summary>After a group's roles change (any member's grant may differ): every token is resolved afresh on this node.</summary>
    public void ForgetAll() => _entries.Clear();

    public void ForgetToken(string tokenId)
    {
        foreach (var (hash, entry) in _entries)
        {
            if (entry.Caller.TokenId == tokenId)
            {
                _entries.TryRemove(hash, out _);
            }
        }
    }
}
