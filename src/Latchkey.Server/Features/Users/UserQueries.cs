using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Contracts;
using Latchkey.Core.Filtering;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users;

/// <summary>GET /users (plain list, <c>q</c>, <c>filter</c>, <c>search</c>), GET /users/{id}, GET /users/{id}/groups.</summary>
public static class UserQueries
{
    private static readonly PageLimits Limits = new(200, 200);
    private const int QLimit = 10;
    private const int ScanBatch = 1000;
    private const int MaxScanned = 50_000;

    private static readonly FilterOperator[] Ordered = [FilterOperator.Eq, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.Lt, FilterOperator.Le];

    private static readonly FilterOperator[] WithContains =
        [FilterOperator.Eq, FilterOperator.Sw, FilterOperator.Co, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.Lt, FilterOperator.Le, FilterOperator.Pr];

    /// <summary>The users <c>filter</c> of the real service: few attributes, eq (and ranges on lastUpdated), and/or, no not.</summary>
    internal static readonly FilterGrammar FilterRules = new FilterGrammar()
        .Allow("status", FilterOperator.Eq).Allow("id", FilterOperator.Eq).Allow("lastUpdated", Ordered)
        .Allow("profile.login", FilterOperator.Eq).Allow("profile.email", FilterOperator.Eq)
        .Allow("profile.firstName", FilterOperator.Eq).Allow("profile.lastName", FilterOperator.Eq)
        .WithNot(false);

    /// <summary>The users <c>search</c>: any profile attribute and the top-level dates; no <c>ne</c>; <c>co</c> on four attributes only.</summary>
    internal static readonly FilterGrammar SearchRules = new FilterGrammar()
        .AllowPrefix("profile.", FilterOperator.Eq, FilterOperator.Sw, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.Lt, FilterOperator.Le, FilterOperator.Pr)
        .Allow("profile.firstName", WithContains).Allow("profile.lastName", WithContains)
        .Allow("profile.email", WithContains).Allow("profile.login", WithContains)
        .Allow("id", FilterOperator.Eq, FilterOperator.Sw).Allow("status", FilterOperator.Eq).Allow("type.id", FilterOperator.Eq)
        .Allow("created", Ordered).Allow("activated", Ordered).Allow("statusChanged", Ordered).Allow("lastUpdated", Ordered)
        .Allow("lastLogin", Ordered).Allow("passwordChanged", Ordered)
        .WithNot(false);

    private static readonly FilterColumns<UserEntity> Columns = new FilterColumns<UserEntity>()
        .String("id", u => u.Id).String("status", u => u.Status).String("type.id", u => u.TypeId)
        .String("profile.login", u => u.Login).String("profile.email", u => u.Email)
        .String("profile.firstName", u => u.FirstName).String("profile.lastName", u => u.LastName)
        .Date("created", u => u.Created).Date("activated", u => u.Activated).Date("statusChanged", u => u.StatusChanged)
        .Date("lastUpdated", u => u.LastUpdated).Date("lastLogin", u => u.LastLogin).Date("passwordChanged", u => u.PasswordChanged);

    public static async Task<IResult> Get(string id, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, id, context.RequestAborted);
        context.Response.Headers.ETag = UserResources.ETag(user);
        return ApiResponses.Json(UserResources.ToResource(user, ApiUrls.ApiBase(context.Request)));
    }

    public static async Task<IResult> List(HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var ct = context.RequestAborted;
        var apiBase = ApiUrls.ApiBase(request);
        var users = db.Users.AsNoTracking().Where(u => u.OrgId == caller.OrgId);

        var q = request.Query["q"].ToString();
        if (q.Length > 0)
        {
            // q: a prefix of first name, last name, email or login; at most 10; no paging; no deprovisioned users.
            var prefix = q.ToLowerInvariant();
            var limit = Math.Min(Paging.Limit(request, new PageLimits(QLimit, QLimit)), QLimit);
            var found = await users.Where(u => u.Status != UserStatus.Deprovisioned
                    && (u.FirstName!.ToLower().StartsWith(prefix) || u.LastName!.ToLower().StartsWith(prefix)
                        || u.Email.ToLower().StartsWith(prefix) || u.LoginKey.StartsWith(prefix)))
                .OrderBy(u => u.Id).Take(limit).ToListAsync(ct);
            Paging.WriteLinks(context, null);
            return ApiResponses.Json(found.Select(u => UserResources.ToResource(u, apiBase)).ToList());
        }

        var pageSize = Paging.Limit(request, Limits);
        var after = Paging.After(request);
        var filter = Filters.ParseSearch(request, "filter", FilterRules);
        var search = Filters.ParseSearch(request, "search", SearchRules);
        if (filter is null && search is null)
        {
            users = users.Where(u => u.Status != UserStatus.Deprovisioned);
        }

        if (filter is not null)
        {
            users = users.Where(Columns.Translate(filter, ignoreCase: false));
        }

        if (search is not null && Columns.Covers(search))
        {
            users = users.Where(Columns.Translate(search, ignoreCase: true));
            search = null;
        }

        var sortBy = request.Query["sortBy"].ToString();
        if (sortBy.Length > 0 && request.Query["search"].Count > 0)
        {
            return await SortedPage(context, users, search, sortBy, pageSize, after, apiBase);
        }

        if (search is not null)
        {
            var (found, resumeAfter) = await ScanAsync(users, search, after, pageSize, ct);
            Paging.WriteLinks(context, resumeAfter);
            return ApiResponses.Json(found.Select(u => UserResources.ToResource(u, apiBase)).ToList());
        }

        var page = await users.Where(u => after == null || string.Compare(u.Id, after) > 0).OrderBy(u => u.Id).Take(pageSize + 1).ToListAsync(ct);
        var more = Paging.Trim(page, pageSize);

        Paging.WriteLinks(context, more ? page[^1].Id : null);
        return ApiResponses.Json(page.Select(u => UserResources.ToResource(u, apiBase)).ToList());
    }

    public static async Task<IResult> Groups(string id, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, id, context.RequestAborted);
        var groups = await db.GroupMembers.Where(m => m.UserId == user.Id)
            .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => g)
            .OrderBy(g => g.Id).AsNoTracking().ToListAsync(context.RequestAborted);
        await GroupMembership.WithEveryoneFreshnessAsync(db, groups, context.RequestAborted);
        Paging.WriteLinks(context, null);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(groups.Select(g => GroupResources.ToResource(g, apiBase)).ToList());
    }

    /// <summary>
    /// Search on attributes with no column (custom profile attributes): evaluated in memory, in id order, over a
    /// bounded scan per page. When the scan budget runs out first, the page ends early and its next link
    /// resumes where the scan stopped, so no match is lost.
    /// </summary>
    private static async Task<(List<UserEntity> Found, string? ResumeAfter)> ScanAsync(IQueryable<UserEntity> users, FilterNode search,
        string? after, int pageSize, CancellationToken ct)
    {
        var found = new List<UserEntity>();
        var position = after;
        for (var scanned = 0; scanned < MaxScanned; scanned += ScanBatch)
        {
            var from = position;
            var batch = await users.Where(u => from == null || string.Compare(u.Id, from) > 0)
                .OrderBy(u => u.Id).Take(ScanBatch).ToListAsync(ct);
            foreach (var user in batch)
            {
                if (!JsonFilterEvaluator.Matches(search, AsDocument(user), StringComparison.OrdinalIgnoreCase))
                {
                    position = user.Id;
                    continue;
                }

                if (found.Count == pageSize)
                {
                    return (found, found[^1].Id);
                }

                found.Add(user);
                position = user.Id;
            }

            if (batch.Count < ScanBatch)
            {
                return (found, null);
            }
        }

        return (found, position);
    }

    /// <summary>Search with <c>sortBy</c>: the cursor is the offset into the sorted result.</summary>
    private static async Task<IResult> SortedPage(HttpContext context, IQueryable<UserEntity> users, FilterNode? residual,
        string sortBy, int pageSize, string? after, string apiBase)
    {
        var descending = string.Equals(context.Request.Query["sortOrder"].ToString(), "desc", StringComparison.OrdinalIgnoreCase);
        var offset = after is null ? 0 : int.TryParse(after, out var o) && o >= 0 ? o : 0;
        IOrderedQueryable<UserEntity> sorted = sortBy switch
        {
            "id" => descending ? users.OrderByDescending(u => u.Id) : users.OrderBy(u => u.Id),
            "status" => descending ? users.OrderByDescending(u => u.Status) : users.OrderBy(u => u.Status),
            "created" => descending ? users.OrderByDescending(u => u.Created) : users.OrderBy(u => u.Created),
            "lastUpdated" => descending ? users.OrderByDescending(u => u.LastUpdated) : users.OrderBy(u => u.LastUpdated),
            "profile.login" => descending ? users.OrderByDescending(u => u.LoginKey) : users.OrderBy(u => u.LoginKey),
            "profile.email" => descending ? users.OrderByDescending(u => u.Email) : users.OrderBy(u => u.Email),
            "profile.firstName" => descending ? users.OrderByDescending(u => u.FirstName) : users.OrderBy(u => u.FirstName),
            "profile.lastName" => descending ? users.OrderByDescending(u => u.LastName) : users.OrderBy(u => u.LastName),
            _ => throw new Core.Errors.ApiException(Core.Errors.ApiErrors.InvalidSearch($"sortBy: {sortBy} is not a sortable attribute.")),
        };
        List<UserEntity> page;
        bool more;
        if (residual is null)
        {
            page = await sorted.ThenBy(u => u.Id).Skip(offset).Take(pageSize + 1).ToListAsync(context.RequestAborted);
            more = Paging.Trim(page, pageSize);
        }
        else
        {
            // A custom attribute cannot be sorted in the database: sort the matches of a bounded scan in memory.
            var rows = await sorted.ThenBy(u => u.Id).Take(MaxScanned).ToListAsync(context.RequestAborted);
            var matching = rows.Where(u => JsonFilterEvaluator.Matches(residual, AsDocument(u), StringComparison.OrdinalIgnoreCase)).ToList();
            page = matching.Skip(offset).Take(pageSize).ToList();
            more = offset + pageSize < matching.Count;
        }

        Paging.WriteLinks(context, more ? (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        return ApiResponses.Json(page.Select(u => UserResources.ToResource(u, apiBase)).ToList());
    }

    private static JsonObject AsDocument(UserEntity u) => new()
    {
        ["id"] = u.Id,
        ["status"] = u.Status,
        ["created"] = IsoTime.Write(u.Created),
        ["lastUpdated"] = IsoTime.Write(u.LastUpdated),
        ["activated"] = u.Activated is { } a ? IsoTime.Write(a) : null,
        ["statusChanged"] = u.StatusChanged is { } s ? IsoTime.Write(s) : null,
        ["lastLogin"] = u.LastLogin is { } l ? IsoTime.Write(l) : null,
        ["passwordChanged"] = u.PasswordChanged is { } p ? IsoTime.Write(p) : null,
        ["type"] = new JsonObject { ["id"] = u.TypeId },
        ["profile"] = JsonNode.Parse(u.ProfileJson, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }),
    };
}
