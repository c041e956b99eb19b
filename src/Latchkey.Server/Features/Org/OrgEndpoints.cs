using Latchkey.Contracts;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Org;

/// <summary>Unauthenticated org endpoints: <c>/.well-known/okta-organization</c> and <c>/healthz</c>.</summary>
public static class OrgEndpoints
{
    public static void MapOrgEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/okta-organization", async (HttpContext context, LatchkeyDbContext db) =>
        {
            var org = await ServerOrg.Query(db).FirstAsync(context.RequestAborted);
            var orgUrl = ApiUrls.OrgUrl(context.Request);
            return ApiResponses.Json(new OrganizationInfo(org.Id, "idx",
                new Dictionary<string, Link> { ["organization"] = new(orgUrl) }));
        });

        app.MapGet("/healthz", async (HttpContext context, LatchkeyDbContext db) =>
            await db.Database.CanConnectAsync(context.RequestAborted)
                ? ApiResponses.Json(new { status = "ok" })
                : ApiResponses.Json(new { status = "database unreachable" }, StatusCodes.Status503ServiceUnavailable));
    }
}
