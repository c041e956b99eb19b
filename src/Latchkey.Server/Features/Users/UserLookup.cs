using Latchkey.Core.Errors;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users;

/// <summary>Finds a user by id, by login, by an unambiguous login short name, or <c>me</c> (the caller).</summary>
public static class UserLookup
{
    private static readonly Func<LatchkeyDbContext, string, string, CancellationToken, Task<UserEntity?>> ById =
        EF.CompileAsyncQuery((LatchkeyDbContext db, string orgId, string id, CancellationToken _) =>
            db.Users.AsNoTracking().FirstOrDefault(u => u.Id == id && u.OrgId == orgId));

    private static readonly Func<LatchkeyDbContext, string, string, CancellationToken, Task<UserEntity?>> ByLogin =
        EF.CompileAsyncQuery((LatchkeyDbContext db, string orgId, string loginKey, CancellationToken _) =>
            db.Users.AsNoTracking().FirstOrDefault(u => u.LoginKey == loginKey && u.OrgId == orgId));

    /// <summary>Read-only lookup (hot path: GET /users/{id}).</summary>
    public static async Task<UserEntity> GetAsync(LatchkeyDbContext db, ApiCaller caller, string idOrLogin, CancellationToken ct) =>
        await FindAsync(db, caller, idOrLogin, ct) ?? throw new ApiException(ApiErrors.NotFound(idOrLogin, "User"));

    public static async Task<UserEntity?> FindAsync(LatchkeyDbContext db, ApiCaller caller, string idOrLogin, CancellationToken ct)
    {
        if (idOrLogin == "me")
        {
            idOrLogin = caller.UserId;
        }

        if (idOrLogin.Length > 256)
        {
            return null;
        }

        var user = await ById(db, caller.OrgId, idOrLogin, ct) ?? await ByLogin(db, caller.OrgId, idOrLogin.ToLowerInvariant(), ct);
        if (user is not null || idOrLogin.Contains('@', StringComparison.Ordinal))
        {
            return user;
        }

        // A short name ("jane" for "jane@example.com") counts only when exactly one login has it.
        var prefix = idOrLogin.ToLowerInvariant() + "@";
        var matches = await db.Users.AsNoTracking()
            .Where(u => u.OrgId == caller.OrgId && u.LoginKey.StartsWith(prefix))
            .OrderBy(u => u.LoginKey).Take(2).ToListAsync(ct);
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>Tracked lookup for a change; resolves to the user's id first.</summary>
    public static async Task<UserEntity> GetForUpdateAsync(LatchkeyDbContext db, ApiCaller caller, string idOrLogin, CancellationToken ct)
    {
        var found = await GetAsync(db, caller, idOrLogin, ct);
        return await db.Users.FirstAsync(u => u.Id == found.Id, ct);
    }
}
