using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// <c>/api/v1/policies/{policyId}/mappings</c> (the spec's listPolicyMappings, getPolicyMapping, deletePolicyResourceMapping):
/// the resources mapped to a policy, which for an access policy are the apps bound to it. A mapping is not a row of its own
/// (an app holds its access policy), so its id is derived from the policy and the app (<see cref="DerivedIds"/>).
/// Deleting one gives the app back to the org's default access policy, since every app has exactly one; the default
/// policy's own mappings cannot be deleted. See docs/policies.md.
/// </summary>
public static class PolicyMappingsApi
{
    public static void MapPolicyMappingsApi(this RouteGroupBuilder policies)
    {
        policies.MapGet("/{policyId}/mappings", List).Requires(AdminPermission.PoliciesRead).Requires(AdminPermission.AppsRead);
        policies.MapGet("/{policyId}/mappings/{mappingId}", Get).Requires(AdminPermission.PoliciesRead).Requires(AdminPermission.AppsRead);
        // Unmapping changes the app (as binding does): the apps' permission, and the spec's okta.policies.manage.
        policies.MapDelete("/{policyId}/mappings/{mappingId}", Delete).Requires(AdminPermission.PoliciesManage).Requires(AdminPermission.AppsManage);
    }

    public static string MappingId(string policyId, string appId) => DerivedIds.Of(IdPrefix.PolicyMapping, $"{policyId}/{appId}");

    /// <summary>The ids of the apps mapped to <paramref name="policy"/>, oldest app first.</summary>
    private static Task<List<string>> AppIdsAsync(LatchkeyDbContext db, PolicyEntity policy, CancellationToken ct) =>
        db.Apps.AsNoTracking().Where(a => a.OrgId == policy.OrgId && a.AccessPolicyId == policy.Id).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync(ct);

    private static async Task<(PolicyEntity Policy, string AppId)> FindAsync(LatchkeyDbContext db, string orgId, string policyId, string mappingId,
        CancellationToken ct)
    {
        var policy = await PoliciesApi.FindAsync(db, orgId, policyId, ct);
        var appId = (await AppIdsAsync(db, policy, ct)).FirstOrDefault(a => MappingId(policy.Id, a) == mappingId)
            ?? throw new ApiException(ApiErrors.NotFound(mappingId, "PolicyMapping"));
        return (policy, appId);
    }

    private static JsonObject ToResource(string policyId, string appId, string apiBase)
    {
        var id = MappingId(policyId, appId);
        return new JsonObject
        {
            ["id"] = id,
            ["_links"] = new JsonObject
            {
                ["self"] = JsonLinks.Link($"{apiBase}/policies/{policyId}/mappings/{id}", "GET", "DELETE"),
                ["application"] = JsonLinks.Link($"{apiBase}/apps/{appId}", "GET", "PUT", "DELETE"),
                ["policy"] = JsonLinks.Link($"{apiBase}/policies/{policyId}", "GET", "PUT", "DELETE"),
            },
        };
    }

    private static async Task<IResult> List(string policyId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var policy = await PoliciesApi.FindAsync(db, caller.OrgId, policyId, context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var apps = await AppIdsAsync(db, policy, context.RequestAborted);
        return ApiResponses.Json(new JsonArray(apps.Select(a => (JsonNode)ToResource(policy.Id, a, apiBase)).ToArray()));
    }

    private static async Task<IResult> Get(string policyId, string mappingId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var (policy, appId) = await FindAsync(db, caller.OrgId, policyId, mappingId, context.RequestAborted);
        return ApiResponses.Json(ToResource(policy.Id, appId, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Delete(string policyId, string mappingId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var (policy, appId) = await FindAsync(db, caller.OrgId, policyId, mappingId, ct);
        if (policy.IsSystem)
        {
            throw new ApiException(ApiErrors.Precondition("mapping",
                "Every app has an access policy: an app mapped to the default policy is moved by binding it to another (PUT /api/v1/apps/{appId}/policies/{policyId})."));
        }

        var fallback = await DefaultPolicies.AccessPolicyIdAsync(db, caller.OrgId, ct);
        await PoliciesApi.BindAsync(caller, appId, fallback, db, write, log, time, ct);
        return ApiResponses.NoContent();
    }
}
