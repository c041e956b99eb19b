using Latchkey.Contracts;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.ApiTokens;

/// <summary><c>/api/v1/api-tokens</c>: list, get and revoke API tokens (tokens are created by the server, never by API).</summary>
public static class ApiTokensApi
{
    /// <summary>API tokens (the spec documents no parameters: pages of 200 with the shared rules).</summary>
    private static readonly ListSpec TokensList = new("api-tokens", new PageLimits(200, 200));

    public static void MapApiTokensApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/api-tokens");
        tokens.MapGet("", List).AsList(TokensList);
        tokens.MapGet("/{tokenId}", Get);
        tokens.MapDelete("/{tokenId}", Revoke);
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

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var paging = Paging.Of(context);
        var after = paging.After;
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.OrgId == caller.OrgId && (after == null || string.Compare(t.Id, after) > 0))
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
        var token = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id && t.OrgId == caller.OrgId, context.RequestAborted)
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
            var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.OrgId == caller.OrgId
                    && (ownerUserId == null || t.UserId == ownerUserId), ct)
                ?? throw new ApiException(ApiErrors.NotFound(tokenId, "ApiToken"));
            db.ApiTokens.Remove(token);
            log.Stage(EventTypes.ApiTokenRevoke, [ApiTokenIssuer.Target(token)]);
        }, ct);
        cache.ForgetToken(tokenId);
    }
}
