using System.Text.Json.Nodes;
using Latchkey.Server.Api;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.OrgKeys;

/// <summary>
/// <c>GET /oauth2/v1/keys</c>: the org authorization server's JWKS (okta-api.md §10.1), <c>{"keys":[{kty, alg, kid,
/// use, e, n}]}</c>, public members only. The authenticator app checks FastPass challenges against it.
/// </summary>
public static class OrgKeysEndpoints
{
    public static void MapOrgKeysEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/oauth2/v1/keys", async (HttpContext context, LatchkeyDbContext db, OrgSigningKeys keys) =>
        {
            var orgId = await ServerOrg.IdAsync(db, context.RequestAborted);
            context.Response.Headers.CacheControl = "max-age=3600, must-revalidate";
            return ApiResponses.Json(new JsonObject { ["keys"] = await keys.PublicKeysAsync(orgId, context.RequestAborted) });
        });
}
