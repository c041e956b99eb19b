using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.ApiTokens;

/// <summary>A new API token: its stored row and its value, which exists nowhere else and is shown to its owner once.</summary>
public sealed record IssuedApiToken(ApiTokenEntity Token, string Value);

/// <summary>
/// Creates API tokens (the real service creates them in the console, never through the API). A token belongs to the
/// admin who creates it and acts with that admin's roles; only an active admin may create one. Only the token's
/// SHA-256 hash is stored; creation is logged as <c>system.api_token.create</c>.
/// </summary>
public sealed class ApiTokenIssuer(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, AdminGrants grants, TimeProvider time)
{
    public const int MaxNameLength = 255;

    /// <summary>What the real service's tokens look like: "00" and 40 letters and digits.</summary>
    public static string NewValue() => "00" + RandomIds.NewBase62(40);

    public static LogTarget Target(ApiTokenEntity token) => new(token.Id, "Token", token.Name, token.Name);

    /// <param name="actor">Who the System Log names (the console's signed-in admin); null: the API caller, or the system.</param>
    public async Task<IssuedApiToken> CreateAsync(string orgId, string ownerUserId, string name, CancellationToken ct, LogActor? actor = null)
    {
        name = name.Trim();
        if (name.Length == 0)
        {
            throw new ApiException(ApiErrors.Validation("name", "The field cannot be left blank"));
        }

        if (name.Length > MaxNameLength)
        {
            throw new ApiException(ApiErrors.Validation("name", $"The field is too long (maximum {MaxNameLength} characters)"));
        }

        return await write.RunAsync(orgId, async () =>
        {
            var owner = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == ownerUserId && u.OrgId == orgId, ct)
                ?? throw new ApiException(ApiErrors.NotFound(ownerUserId, "User"));
            if (owner.Status is UserStatus.Deprovisioned or UserStatus.Suspended
                || !(await grants.ForUserAsync(orgId, owner.Id, ct)).Allows(AdminPermission.OwnApiTokens))
            {
                throw new ApiException(ApiErrors.Forbidden());
            }

            return Stage(db, log, orgId, owner.Id, name, IsoTime.Truncate(time.GetUtcNow()), actor: actor);
        }, ct);
    }

    /// <summary>
    /// Adds the token row and stages its event inside the caller's org write (the first start uses it for the bootstrap
    /// token). <paramref name="value"/> is the operator's own bootstrap value, else a new random one.
    /// </summary>
    internal static IssuedApiToken Stage(LatchkeyDbContext db, SystemLogWriter log, string orgId, string ownerUserId, string name,
        DateTimeOffset now, string? value = null, LogActor? actor = null)
    {
        value ??= NewValue();
        var token = new ApiTokenEntity
        {
            Id = RandomIds.NewId(IdPrefix.ApiToken, now), OrgId = orgId, UserId = ownerUserId, Name = name,
            TokenHash = SecretHasher.Hash(value), ClientName = "Okta API", Created = now, LastUpdated = now, ExpiresAt = now.AddDays(30),
        };
        db.ApiTokens.Add(token);
        log.Stage(EventTypes.ApiTokenCreate, [Target(token)], actor: actor);
        return new IssuedApiToken(token, value);
    }
}
