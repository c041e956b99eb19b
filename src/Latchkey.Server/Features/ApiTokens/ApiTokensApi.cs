using Latchkey.Contracts;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.ApiTokens;

/// <summary><c>/api/v1/api-tokens</c>: list, get and revoke API tokens (tokens are created in the console or at first start, never by API; see <see cref="ApiTokenIssuer"/>).</summary>
public static class ApiTokensApi
{
    /// <summary>API tokens (the spec documents no parameters: pages of 200 with the shared rules).</summary>
    private static readonly ListSpec TokensList = new("api-tokens", new PageLimits(200, 200));

    public static void MapApiTokensApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/api-tokens");
        // Every admin sees and revokes their own tokens; only AllApiTokens (super admins) those of other admins.
        tokens.MapGet("", List).AsList(TokensList).Requires(AdminPermission.OwnApiTokens);
        tokens.MapGet("/{tokenId}", Get).Requires(AdminPermission.OwnApiTokens);
        tokens.MapDelete("/{tokenId}", Revoke).Requires(AdminPermission.OwnApiTokens);
    }

    public static ApiTokenResource ToResource(ApiTokenEntity t, string apiBase) => new()
    {
        Id = t.Id, Name = t.Name, UserId = t.UserId, ClientName = t.ClientName, Created = t.Created, LastUpdated = t.LastUpdated,
        ExpiresAt = t.ExpiresAt, TokenWindow = "P30D", Network = new ApiTokenNetwork("ANYWHERE"),
        Links = new Dictionary<string, Link>
        {
            ["self"] = new($"{apiBase}/api-tokens/{t.Id}") { Hints = new LinkHints(["GET", "DELETE"]) },
            ["user"] = new($"{apiBase}/users/{t.UserId}") { Hints = Users.Hints.Get },
        },
    };

    /// <summary>
    /// The tokens the caller may see and revoke: the org's with <see cref="AdminPermission.AllApiTokens"/>, else their own
    /// (another admin's token is then 404, as if it did not exist, the way the list leaves it out).
    /// </summary>
    private static IQueryable<ApiTokenEntity> Visible(IQueryable<ApiTokenEntity> tokens, ApiCaller caller) =>
        caller.Grant.Allows(AdminPermission.AllApiTokens)
            ? tokens.Where(t => t.OrgId == caller.OrgId)
            : tokens.Where(t => t.OrgId == caller.OrgId && t.UserId == caller.UserId);

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var paging = Paging.Of(context);
        var after = paging.After;
        var tokens = await Visible(db.ApiTokens.AsNoTracking(), caller).Where(t => after == null || string.Compare(t.Id, after) > 0)
            .OrderBy(t => t.Id).Take(paging.Limit + 1).ToListAsync(context.RequestAborted);
        var more = Paging.Trim(tokens, paging.Limit);
        var apiBase = ApiUrls.ApiBase(context.Request);
        Paging.WriteLinks(context, more ? tokens[^1].Id : null);
        return ApiResponses.Json(tokens.Select(t => ToResource(t, apiBase)).ToList());
    }

    private static async Task<IResult> Get(string tokenId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var id = tokenId == "current" ? caller.TokenId : tokenId;
        var token = await Visible(db.ApiTokens.AsNoTracking(), caller).FirstOrDefaultAsync(t => t.Id == id, context.RequestAborted)
            ?? throw new ApiException(ApiErrors.NotFound(tokenId, "ApiToken"));
        return ApiResponses.Json(ToResource(token, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Revoke(string tokenId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, ApiTokenCache cache)
    {
        var caller = ApiCaller.Required(context);
        await RevokeAsync(caller, tokenId == "current" ? caller.TokenId : tokenId, ownerUserId: null, db, write, log, cache, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>
    /// Revokes a token of the caller's org (with <paramref name="ownerUserId"/>, only a token of that user: another's is
    /// "not found"). It stops working at once on this node.
    /// </summary>
    public static async Task RevokeAsync(ApiCaller caller, string tokenId, string? ownerUserId, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, ApiTokenCache cache, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var token = await Visible(db.ApiTokens, caller).FirstOrDefaultAsync(t => t.Id == tokenId
                    && (ownerUserId == null || t.UserId == ownerUserId), ct)
                ?? throw new ApiException(ApiErrors.NotFound(tokenId, "ApiToken"));
            db.ApiTokens.Remove(token);
            log.Stage(EventTypes.ApiTokenRevoke, [ApiTokenIssuer.Target(token)]);
        }, ct);
        cache.ForgetToken(tokenId);
    }
}
