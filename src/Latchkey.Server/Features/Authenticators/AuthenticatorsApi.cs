using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Authenticators;

/// <summary><c>/api/v1/authenticators</c> (okta-api.md §6.1): list, get, replace (name and settings), activate and deactivate the org's authenticators and their methods.</summary>
public static class AuthenticatorsApi
{
    public static void MapAuthenticatorsApi(this RouteGroupBuilder api)
    {
        var authenticators = api.MapGroup("/authenticators");
        authenticators.MapGet("", List).Requires(AdminPermission.SecurityRead);
        authenticators.MapGet("/{authenticatorId}", Get).Requires(AdminPermission.SecurityRead);
        authenticators.MapPut("/{authenticatorId}", Replace).Requires(AdminPermission.SecurityManage);
        authenticators.MapPost("/{authenticatorId}/lifecycle/activate", (string authenticatorId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatusAsync(authenticatorId, DefaultAuthenticators.Active, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        authenticators.MapPost("/{authenticatorId}/lifecycle/deactivate", (string authenticatorId, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            SetStatusAsync(authenticatorId, DefaultAuthenticators.Inactive, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        authenticators.MapGet("/{authenticatorId}/methods", Methods).Requires(AdminPermission.SecurityRead);
        authenticators.MapGet("/{authenticatorId}/methods/{methodType}", Method).Requires(AdminPermission.SecurityRead);
        authenticators.MapPut("/{authenticatorId}/methods/{methodType}", ReplaceMethod).Requires(AdminPermission.SecurityManage);
        authenticators.MapPost("/{authenticatorId}/methods/{methodType}/lifecycle/activate",
            (string authenticatorId, string methodType, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
                SetMethodStatusAsync(authenticatorId, methodType, DefaultAuthenticators.Active, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        authenticators.MapPost("/{authenticatorId}/methods/{methodType}/lifecycle/deactivate",
            (string authenticatorId, string methodType, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
                SetMethodStatusAsync(authenticatorId, methodType, DefaultAuthenticators.Inactive, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
    }

    public static LogTarget Target(AuthenticatorEntity a) => new(a.Id, "Authenticator", a.Key, a.Name);

    /// <summary>The methods of an authenticator as stored (<c>{type, status, settings?}</c> each).</summary>
    public static JsonArray StoredMethods(AuthenticatorEntity a) =>
        a.MethodsJson is null ? [] : JsonNode.Parse(a.MethodsJson)!.AsArray();

    /// <summary>True when the authenticator is ACTIVE and so is its method <paramref name="methodType"/>.</summary>
    public static bool MethodActive(AuthenticatorEntity? a, string methodType) =>
        a is { Status: DefaultAuthenticators.Active }
        && StoredMethods(a).Any(m => (string?)m!["type"] == methodType && (string?)m["status"] == DefaultAuthenticators.Active);

    public static JsonObject ToResource(AuthenticatorEntity a, string apiBase)
    {
        var self = $"{apiBase}/authenticators/{a.Id}";
        var links = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET", "PUT"),
            ["methods"] = JsonLinks.Link($"{self}/methods", "GET"),
        };
        if (a.Status == DefaultAuthenticators.Active)
        {
            links["deactivate"] = JsonLinks.Link($"{self}/lifecycle/deactivate", "POST");
        }
        else
        {
            links["activate"] = JsonLinks.Link($"{self}/lifecycle/activate", "POST");
        }

        var resource = new JsonObject
        {
            ["type"] = a.Type, ["id"] = a.Id, ["key"] = a.Key, ["status"] = a.Status, ["name"] = a.Name,
            ["created"] = IsoTime.Write(a.Created), ["lastUpdated"] = IsoTime.Write(a.LastUpdated),
        };
        if (a.SettingsJson is not null)
        {
            resource["settings"] = JsonNode.Parse(a.SettingsJson);
        }

        resource["_links"] = links;
        return resource;
    }

    private static JsonObject MethodResource(AuthenticatorEntity a, JsonNode method, string apiBase)
    {
        var resource = method.DeepClone().AsObject();
        var self = $"{apiBase}/authenticators/{a.Id}/methods/{(string?)method["type"]}";
        resource["_links"] = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET", "PUT"),
            [(string?)method["status"] == DefaultAuthenticators.Active ? "deactivate" : "activate"] =
                JsonLinks.Link($"{self}/lifecycle/{((string?)method["status"] == DefaultAuthenticators.Active ? "deactivate" : "activate")}", "POST"),
        };
        return resource;
    }

    private static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var all = await db.Authenticators.AsNoTracking().Where(a => a.OrgId == caller.OrgId).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(all.OrderBy(a => a.Created).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => (JsonNode)ToResource(a, apiBase)).ToArray()));
    }

    internal static async Task<AuthenticatorEntity> FindAsync(LatchkeyDbContext db, string orgId, string id, bool track, CancellationToken ct) =>
        await (track ? db.Authenticators : db.Authenticators.AsNoTracking()).FirstOrDefaultAsync(a => a.OrgId == orgId && a.Id == id, ct)
            ?? throw new ApiException(ApiErrors.NotFound(id, "Authenticator"));

    private static async Task<IResult> Get(string authenticatorId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var a = await FindAsync(db, caller.OrgId, authenticatorId, track: false, context.RequestAborted);
        return ApiResponses.Json(ToResource(a, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>PUT: the name and settings, by <see cref="AuthenticatorSettings"/>'s rules.</summary>
    private static async Task<IResult> Replace(string authenticatorId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var a = await AuthenticatorSettings.ReplaceAsync(ApiCaller.Required(context), authenticatorId, body, db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(ToResource(a, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>PUT a method: its settings, by <see cref="AuthenticatorSettings"/>'s rules.</summary>
    private static async Task<IResult> ReplaceMethod(string authenticatorId, string methodType, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var (a, method) = await AuthenticatorSettings.ReplaceMethodAsync(ApiCaller.Required(context), authenticatorId, methodType, body, db, write, log, time,
            context.RequestAborted);
        return ApiResponses.Json(MethodResource(a, method, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Methods(string authenticatorId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var a = await FindAsync(db, caller.OrgId, authenticatorId, track: false, context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(StoredMethods(a).Select(m => (JsonNode)MethodResource(a, m!, apiBase)).ToArray()));
    }

    private static async Task<IResult> Method(string authenticatorId, string methodType, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var a = await FindAsync(db, caller.OrgId, authenticatorId, track: false, context.RequestAborted);
        var method = StoredMethods(a).FirstOrDefault(m => (string?)m!["type"] == methodType)
            ?? throw new ApiException(ApiErrors.NotFound(methodType, "AuthenticatorMethod"));
        return ApiResponses.Json(MethodResource(a, method, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> SetStatusAsync(string authenticatorId, string status, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var a = await ChangeStatusAsync(ApiCaller.Required(context), authenticatorId, status, db, write, log, time, context.RequestAborted);
        return ApiResponses.Json(ToResource(a, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>Activates or deactivates an authenticator of the caller's org (the API and the console's Security > Authenticators).</summary>
    public static async Task<AuthenticatorEntity> ChangeStatusAsync(ApiCaller caller, string authenticatorId, string status, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time, CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await FindAsync(db, caller.OrgId, authenticatorId, track: true, ct);
            if (a.Status == status)
            {
                return a;
            }

            // The org's sign-on and password policies are built on the password: it cannot be switched off.
            if (a.Key == DefaultAuthenticators.Password)
            {
                throw new ApiException(PasswordInUse());
            }

            (a.Status, a.LastUpdated) = (status, IsoTime.Truncate(time.GetUtcNow()));
            log.Stage(status == DefaultAuthenticators.Active ? EventTypes.AuthenticatorActivate : EventTypes.AuthenticatorDeactivate, [Target(a)]);
            return a;
        }, ct);

    private static async Task<IResult> SetMethodStatusAsync(string authenticatorId, string methodType, string status, HttpContext context,
        LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var (a, method) = await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await FindAsync(db, caller.OrgId, authenticatorId, track: true, ct);
            var methods = StoredMethods(a);
            var method = methods.FirstOrDefault(m => (string?)m!["type"] == methodType)
                ?? throw new ApiException(ApiErrors.NotFound(methodType, "AuthenticatorMethod"));
            if ((string?)method["status"] != status)
            {
                if (a.Key == DefaultAuthenticators.Password)
                {
                    throw new ApiException(PasswordInUse());
                }

                method["status"] = status;
                (a.MethodsJson, a.LastUpdated) = (methods.ToJsonString(), IsoTime.Truncate(time.GetUtcNow()));
                log.Stage(EventTypes.AuthenticatorUpdate, [Target(a)], debugData: new Dictionary<string, object?> { ["method"] = methodType, ["status"] = status });
            }

            return (a, method.DeepClone());
        }, ct);
        return ApiResponses.Json(MethodResource(a, method, ApiUrls.ApiBase(context.Request)));
    }

    private static ApiError PasswordInUse() => new(403, "E0000148",
        "Cannot modify/disable this authenticator because it is enabled in one or more policies. Default Policy", ["The password is required by the org's sign-on and password policies."]);
}
