using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Filtering;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.DesktopMfa;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Apps;

/// <summary><c>/api/v1/apps</c>: create, list, get, replace, delete, activate, deactivate.</summary>
public static class AppsApi
{
    /// <summary>Apps: 20 a page when unset (the spec's default of -1 means "the server's default"), at most 200.</summary>
    private static readonly ListSpec AppsList = new("apps", new PageLimits(20, 200)) { MinusOneMeansDefault = true };

    private static readonly FilterGrammar FilterRules = new FilterGrammar()
        .Allow("id", FilterOperator.Eq).Allow("status", FilterOperator.Eq).Allow("name", FilterOperator.Eq)
        .Allow("user.id", FilterOperator.Eq).Allow("group.id", FilterOperator.Eq).WithNot(false);

    public static void MapAppsApi(this RouteGroupBuilder api)
    {
        var apps = api.MapGroup("/apps");
        apps.MapGet("", List).AsList(AppsList).Requires(AdminPermission.AppsRead);
        apps.MapPost("", Create).Requires(AdminPermission.AppsManage);
        apps.MapGet("/{appId}", Get).Requires(AdminPermission.AppsRead);
        apps.MapPut("/{appId}", Replace).Requires(AdminPermission.AppsManage);
        apps.MapDelete("/{appId}", Delete).Requires(AdminPermission.AppsManage);
        apps.MapPost("/{appId}/lifecycle/activate", (string appId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatus(appId, AppStatus.Active, c, db, w, l, t)).Requires(AdminPermission.AppsManage);
        apps.MapPost("/{appId}/lifecycle/deactivate", (string appId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatus(appId, AppStatus.Inactive, c, db, w, l, t)).Requires(AdminPermission.AppsManage);
        apps.MapAppAssignmentsApi();
    }

    private static async Task<IResult> Create(HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time,
        DesktopMfaSecrets secrets)
    {
        var activate = JsonBody.QueryBool(context.Request, "activate", true);
        var created = await CreateAsync(ApiCaller.Required(context), await JsonBody.ReadObjectAsync(context.Request), activate, db, write, log, time,
            secrets, context.RequestAborted);
        var resource = AppResources.ToResource(created.App, ApiUrls.ApiBase(context.Request));
        if (created.ClientSecret is { } secret)
        {
            // Shown in this answer (and in the Desktop MFA profile download), never in a GET.
            resource["credentials"]!["oauthClient"]!["client_secret"] = secret;
        }

        return ApiResponses.Json(resource);
    }

    /// <summary>An app just created, with the client secret of an app that has one (the only time the API shows it).</summary>
    public sealed record CreatedApp(AppEntity App, string? ClientSecret);

    /// <summary>Creates an app from an Application body with the rules of <c>POST /apps</c> (the API and the console's "Add app").</summary>
    public static async Task<CreatedApp> CreateAsync(ApiCaller caller, JsonObject body, bool activate, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, DesktopMfaSecrets secrets, CancellationToken ct)
    {
        var definition = AppDefinitions.Read(body);
        var now = IsoTime.Truncate(time.GetUtcNow());
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var app = new AppEntity
            {
                Id = RandomIds.NewId(IdPrefix.App, now), OrgId = caller.OrgId, Name = definition.Name, Label = definition.Label,
                LabelKey = definition.Label.ToLowerInvariant(), SignOnMode = definition.SignOnMode,
                Status = activate ? AppStatus.Active : AppStatus.Inactive, Created = now, LastUpdated = now,
                BodyJson = definition.Body.ToJsonString(), AppLinkId = RandomIds.NewId(IdPrefix.AppLink, now),
                AccessPolicyId = await DefaultPolicies.AccessPolicyIdAsync(db, caller.OrgId, ct),
            };
            await EnsureLabelFreeAsync(db, app, ct);
            db.Apps.Add(app);
            log.Stage(EventTypes.AppCreate, [AppResources.Target(app)]);
            if (activate)
            {
                log.Stage(EventTypes.AppActivate, [AppResources.Target(app)]);
            }

            var secret = app.Name == DesktopMfaApp.Name ? await DesktopMfaApp.ProvisionAsync(db, log, secrets, app, now, ct) : null;
            return new CreatedApp(app, secret);
        }, ct);
    }

    private static async Task<IResult> Get(string appId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var app = await FindAsync(db, caller, appId, context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        var expanded = await ExpandedUserAsync(context, db, caller);
        var embedded = expanded is null ? null : await AppAssignments.AppUserAsync(db, app, expanded, apiBase, context.RequestAborted);
        return ApiResponses.Json(AppResources.ToResource(app, apiBase, embedded));
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var apps = db.Apps.AsNoTracking().Where(a => a.OrgId == caller.OrgId);
        var q = request.Query["q"].ToString().ToLowerInvariant();
        if (q.Length > 0)
        {
            apps = apps.Where(a => a.Name.StartsWith(q) || a.LabelKey.StartsWith(q));
        }

        if (Filters.ParseSearch(request, "filter", FilterRules) is { } filter)
        {
            foreach (var term in Conjuncts(filter))
            {
                var value = term.Value?.Text ?? "";
                apps = term.Attribute switch
                {
                    "id" => apps.Where(a => a.Id == value),
                    "status" => apps.Where(a => a.Status == value),
                    "name" => apps.Where(a => a.Name == value),
                    "user.id" => apps.Where(a => AppAssignments.AssignedAppIds(db, value).Contains(a.Id)),
                    _ => apps.Where(a => db.AppGroups.Any(g => g.AppId == a.Id && g.GroupId == value)),
                };
            }
        }

        var paging = Paging.Of(context);
        var (pageSize, after) = (paging.Limit, paging.After);
        var page = await apps.Where(a => after == null || string.Compare(a.Id, after) > 0)
            .OrderBy(a => a.Id).Take(pageSize + 1).ToListAsync(context.RequestAborted);
        var more = Paging.Trim(page, pageSize);

        Paging.WriteLinks(context, more ? page[^1].Id : null);
        var apiBase = ApiUrls.ApiBase(request);
        var expanded = await ExpandedUserAsync(context, db, caller);
        var result = new JsonArray();
        foreach (var app in page)
        {
            var embedded = expanded is null ? null : await AppAssignments.AppUserAsync(db, app, expanded, apiBase, context.RequestAborted);
            result.Add(AppResources.ToResource(app, apiBase, embedded));
        }

        return ApiResponses.Json(result);
    }

    /// <summary><c>expand=user/{id}</c>: the user whose assignment each app embeds (looked up once per request).</summary>
    private static async Task<UserEntity?> ExpandedUserAsync(HttpContext context, LatchkeyDbContext db, ApiCaller caller)
    {
        var expand = context.Request.Query["expand"].ToString();
        return expand.StartsWith("user/", StringComparison.Ordinal)
            ? await UserLookup.FindAsync(db, caller, expand["user/".Length..], context.RequestAborted)
            : null;
    }

    private static IEnumerable<ComparisonNode> Conjuncts(FilterNode node) => node switch
    {
        AndNode a => Conjuncts(a.Left).Concat(Conjuncts(a.Right)),
        ComparisonNode { Value.Kind: FilterValueKind.String } c => [c],
        _ => throw new ApiException(ApiErrors.InvalidSearch("Apps filters combine quoted eq comparisons with and.")),
    };

    private static async Task<IResult> Replace(string appId, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var app = await ReplaceAsync(ApiCaller.Required(context), appId, await JsonBody.ReadObjectAsync(context.Request), db, write, log, time,
            context.RequestAborted);
        return ApiResponses.Json(AppResources.ToResource(app, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>Replaces an app's settings with the rules of <c>PUT /apps/{id}</c> (the API and the console's app settings).</summary>
    public static async Task<AppEntity> ReplaceAsync(ApiCaller caller, string appId, JsonObject input, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        return await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await FindAsync(db, caller, appId, ct, track: true);
            var definition = AppDefinitions.Read(input, app.Name);
            if (definition.SignOnMode != app.SignOnMode)
            {
                throw new ApiException(ApiErrors.Validation("signOnMode", "The sign-on mode of an app cannot be changed."));
            }

            app.Label = definition.Label;
            app.LabelKey = definition.Label.ToLowerInvariant();
            await EnsureLabelFreeAsync(db, app, ct);
            app.BodyJson = definition.Body.ToJsonString();
            app.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
            log.Stage(EventTypes.AppUpdate, [AppResources.Target(app)]);
            return app;
        }, ct);
    }

    private static async Task<IResult> SetStatus(string appId, string status, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        await SetStatusAsync(ApiCaller.Required(context), appId, status, db, write, log, time, context.RequestAborted);
        return ApiResponses.EmptyObject();
    }

    /// <summary>Activates or deactivates an app (the lifecycle endpoints and the console); the same status again changes nothing.</summary>
    public static async Task SetStatusAsync(ApiCaller caller, string appId, string status, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await FindAsync(db, caller, appId, ct, track: true);
            if (app.Status != status)
            {
                app.Status = status;
                app.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
                log.Stage(status == AppStatus.Active ? EventTypes.AppActivate : EventTypes.AppDeactivate, [AppResources.Target(app)]);
            }
        }, ct);
    }

    private static async Task<IResult> Delete(string appId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        await DeleteAsync(ApiCaller.Required(context), appId, db, write, log, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>Deletes an INACTIVE app and its assignments (an ACTIVE one is refused, E0000056).</summary>
    public static async Task DeleteAsync(ApiCaller caller, string appId, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await FindAsync(db, caller, appId, ct, track: true);
            if (app.Status == AppStatus.Active)
            {
                throw new ApiException(ApiErrors.AppDeleteForbidden());
            }

            await db.AppUsers.Where(a => a.AppId == app.Id).ExecuteDeleteAsync(ct);
            await db.AppGroups.Where(a => a.AppId == app.Id).ExecuteDeleteAsync(ct);
            await db.AppClients.Where(a => a.AppId == app.Id).ExecuteDeleteAsync(ct);
            db.Apps.Remove(app);
            log.Stage(EventTypes.AppDelete, [AppResources.Target(app)]);
        }, ct);
    }

    private static async Task EnsureLabelFreeAsync(LatchkeyDbContext db, AppEntity app, CancellationToken ct)
    {
        if (await db.Apps.AnyAsync(a => a.OrgId == app.OrgId && a.LabelKey == app.LabelKey && a.Id != app.Id, ct))
        {
            throw new ApiException(ApiErrors.DuplicateAppLabel());
        }
    }

    public static async Task<AppEntity> FindAsync(LatchkeyDbContext db, ApiCaller caller, string appId, CancellationToken ct, bool track = false)
    {
        var query = track ? db.Apps : db.Apps.AsNoTracking();
        return await query.FirstOrDefaultAsync(a => a.Id == appId && a.OrgId == caller.OrgId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(appId, "AppInstance"));
    }
}
