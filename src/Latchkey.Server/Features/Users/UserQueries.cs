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
    private const int QLimit = 10;
    private const int ScanBatch = 1000;
    private const int MaxScanned = 50_000;

    private static readonly SortColumns<UserEntity> Sortable = new SortColumns<UserEntity>(u => u.Id)
        .Add("id", u => u.Id).Add("status", u => u.Status).Add("created", u => u.Created).Add("activated", u => u.Activated)
        .Add("statusChanged", u => u.StatusChanged).Add("lastUpdated", u => u.LastUpdated).Add("lastLogin", u => u.LastLogin)
        .Add("passwordChanged", u => u.PasswordChanged).Add("profile.login", u => u.LoginKey).Add("profile.email", u => u.Email)
        .Add("profile.firstName", u => u.FirstName).Add("profile.lastName", u => u.LastName);

    /// <summary>Users: 200 a page (at most 200); <c>q</c> answers at most 10; <c>sortBy</c>/<c>sortOrder</c> (asc, desc) sort a search.</summary>
    public static readonly ListSpec UsersList = new("users", new PageLimits(200, 200))
    {
        LimitsWithQ = new PageLimits(QLimit, QLimit),
        Sort = new SortRule("asc", "desc", StringComparison.OrdinalIgnoreCase, Sortable.Names),
    };

    /// <summary>A user's groups (the spec documents no parameters: pages of 200, like the users list).</summary>
    public static readonly ListSpec GroupsList = new("user-groups", new PageLimits(200, 200));

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

        var page = Paging.Of(context);
        var q = request.Query["q"].ToString();
        if (q.Length > 0)
        {
            // q: a prefix of first name, last name, email or login; at most 10; no paging; no deprovisioned users.
            var limit = page.Limit;
            var found = await MatchingQ(users, q).OrderBy(u => u.Id).Take(limit).ToListAsync(ct);
            Paging.WriteLinks(context, null);
            return ApiResponses.Json(found.Select(u => UserResources.ToResource(u, apiBase)).ToList());
        }

        var pageSize = page.Limit;
        var after = page.After;
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

        if (page.SortBy is not null && request.Query["search"].Count > 0)
        {
            // sortBy applies to searches only (it is ignored otherwise, as documented).
            var residual = search;
            var (sorted, nextOffset) = await Sortable.PageAsync(users, page,
                residual is null ? null : u => JsonFilterEvaluator.Matches(residual, AsDocument(u), StringComparison.OrdinalIgnoreCase), MaxScanned, ct);
            Paging.WriteLinks(context, nextOffset);
            return ApiResponses.Json(sorted.Select(u => UserResources.ToResource(u, apiBase)).ToList());
        }

        if (search is not null)
        {
            var (found, resumeAfter) = await ScanAsync(users, search, after, pageSize, ct);
            Paging.WriteLinks(context, resumeAfter);
            return ApiResponses.Json(found.Select(u => UserResources.ToResource(u, apiBase)).ToList());
        }

        var rows = await users.Where(u => after == null || string.Compare(u.Id, after) > 0).OrderBy(u => u.Id).Take(pageSize + 1).ToListAsync(ct);
        var more = Paging.Trim(rows, pageSize);

        Paging.WriteLinks(context, more ? rows[^1].Id : null);
        return ApiResponses.Json(rows.Select(u => UserResources.ToResource(u, apiBase)).ToList());
    }

    /// <summary>
    /// The <c>q</c> of the users list (and the console's people search): a case-insensitive prefix of the first name, last
    /// name, email or login; deprovisioned users are left out.
    /// </summary>
    public static IQueryable<UserEntity> MatchingQ(IQueryable<UserEntity> users, string q)
    {
        var prefix = q.ToLowerInvariant();
        return users.Where(u => u.Status != UserStatus.Deprovisioned
            && (u.FirstName!.ToLower().StartsWith(prefix) || u.LastName!.ToLower().StartsWith(prefix)
                || u.Email.ToLower().StartsWith(prefix) || u.LoginKey.StartsWith(prefix)));
    }

    public static async Task<IResult> Groups(string id, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var user = await UserLookup.GetAsync(db, caller, id, context.RequestAborted);
        var page = Paging.Of(context);
        var after = page.After;
        var groups = await db.GroupMembers.Where(m => m.UserId == user.Id && (after == null || string.Compare(m.GroupId, after) > 0))
            .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => g)
            .OrderBy(g => g.Id).Take(page.Limit + 1).AsNoTracking().ToListAsync(context.RequestAborted);
        var more = Paging.Trim(groups, page.Limit);
        await GroupMembership.WithEveryoneFreshnessAsync(db, groups, context.RequestAborted);
        Paging.WriteLinks(context, more ? groups[^1].Id : null);
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
