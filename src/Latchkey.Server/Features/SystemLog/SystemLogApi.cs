using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Filtering;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// <c>GET /api/v1/logs</c> with the real service's two modes: polling (no <c>until</c>, ascending) pages in
/// persistence order and always answers a <c>next</c> link; bounded (<c>until</c> given, or descending)
/// pages by <c>published</c> and ends.
/// </summary>
public static class SystemLogApi
{
    /// <summary>The System Log: <c>limit</c> 0 to 1000 (100 by default); <c>sortOrder</c> ASCENDING or DESCENDING; no <c>sortBy</c>.</summary>
    private static readonly ListSpec LogsList = new("logs", new PageLimits(100, 1000, Min: 0))
    {
        Sort = new SortRule("ASCENDING", "DESCENDING", StringComparison.Ordinal, []),
    };
    private const int MaxScanned = 20_000;
    private static readonly long MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private static readonly FilterOperator[] NoContains =
        [FilterOperator.Eq, FilterOperator.Ne, FilterOperator.Sw, FilterOperator.Ew, FilterOperator.Gt, FilterOperator.Ge, FilterOperator.Lt, FilterOperator.Le, FilterOperator.Pr];

    /// <summary>The attributes of a LogEvent (all but <c>published</c>); an unknown attribute is 400 E0000053.</summary>
    private static readonly FilterGrammar Grammar = new FilterGrammar()
        .Allow("uuid").Allow("eventType").Allow("version").Allow("severity").Allow("legacyEventType").Allow("displayMessage")
        .Allow("actor.id").Allow("actor.type").Allow("actor.alternateId").Allow("actor.displayName").AllowPrefix("actor.detailEntry.")
        .Allow("outcome.result").Allow("outcome.reason")
        .Allow("target.id").Allow("target.type").Allow("target.alternateId").Allow("target.displayName")
        .AllowPrefix("target.detailEntry.").AllowPrefix("target.changeDetails.")
        .Allow("transaction.type").Allow("transaction.id").AllowPrefix("transaction.detail.")
        .AllowPrefix("client.").AllowPrefix("device.").AllowPrefix("authenticationContext.").AllowPrefix("securityContext.")
        .AllowPrefix("request.ipChain.").AllowPrefix("debugContext.debugData.")
        .Allow("debugContext.debugData.url", NoContains).Allow("debugContext.debugData.requestUri", NoContains);

    public static void MapSystemLogApi(this RouteGroupBuilder api) => api.MapGet("/logs", Query).AsList(LogsList).Requires(AdminPermission.LogsRead);

    private sealed record Window(DateTimeOffset Since, DateTimeOffset Until);

    /// <summary>
    /// One page of a System Log query: the window (<see cref="Since"/>, <see cref="Until"/>; polling when no until and ascending),
    /// the order, the page size, the cursor of the previous page, a parsed <c>filter</c> and the <c>q</c> keywords.
    /// </summary>
    public sealed record LogQuery(DateTimeOffset? Since, DateTimeOffset? Until, bool Descending, int Limit, string? Cursor,
        FilterNode? Filter, string[] Keywords);

    private static async Task<IResult> Query(HttpContext context, LatchkeyDbContext db, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var paging = Paging.Of(context);
        var query = new LogQuery(ReadDate(request, "since"), ReadDate(request, "until"), paging.Descending, paging.Limit, paging.After,
            ParseFilter(request.Query["filter"].ToString()), ParseKeywords(request.Query["q"].ToString()));
        var (page, next) = await SearchAsync(db, caller.OrgId, query, time.GetUtcNow(), context.RequestAborted);
        Paging.WriteLinks(context, next);
        var body = new StringBuilder("[");
        for (var i = 0; i < page.Count; i++)
        {
            body.Append(i == 0 ? "" : ",").Append(page[i].Json);
        }

        return TypedResults.Text(body.Append(']').ToString(), ApiResponses.JsonContentType, Encoding.UTF8);
    }

    /// <summary>
    /// A page of events and the cursor of the next one (null at the end): <c>GET /logs</c> and the console's System Log page
    /// both read the log here. A cursor this method did not issue is refused (400).
    /// </summary>
    public static async Task<(List<LogEventEntity> Page, string? Next)> SearchAsync(LatchkeyDbContext db, string orgId, LogQuery query,
        DateTimeOffset now, CancellationToken ct)
    {
        var (since, until, descending, limit, filter, keywords) = (query.Since, query.Until, query.Descending, query.Limit, query.Filter, query.Keywords);
        var events = db.LogEvents.AsNoTracking().Where(e => e.OrgId == orgId);
        events = PushDown(events, filter);
        var cursor = query.Cursor;
        var polling = until is null && !descending;
        var effectiveUntil = until ?? now;
        var effectiveSince = since ?? (effectiveUntil - DateTimeOffset.MinValue < TimeSpan.FromDays(7) ? DateTimeOffset.MinValue : effectiveUntil.AddDays(-7));
        if (!polling && effectiveSince > effectiveUntil)
        {
            // Polling has no end: a since in the future is a page that is empty for now, with its next link.
            throw new ApiException(ApiErrors.Validation("since", "since must not be later than until."));
        }

        var page = new List<LogEventEntity>(Math.Min(limit, 256));
        string? next;
        if (polling)
        {
            long position;
            if (cursor is not null)
            {
                position = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p
                    : throw new ApiException(Paging.NotIssued());
            }
            else
            {
                var sinceValue = effectiveSince;
                position = await events.Where(e => e.Published < sinceValue).MaxAsync(e => (long?)e.Sequence, ct) ?? 0;
            }

            var scanned = 0;
            while (page.Count < limit && scanned < MaxScanned)
            {
                var from = position;
                var batch = await events.Where(e => e.Sequence > from).OrderBy(e => e.Sequence).Take(Math.Max(limit, 100)).ToListAsync(ct);
                foreach (var e in batch)
                {
                    position = e.Sequence;
                    if (Matches(e, filter, keywords) && page.Count < limit)
                    {
                        page.Add(e);
                    }

                    if (page.Count == limit)
                    {
                        break;
                    }
                }

                scanned += batch.Count;
                if (batch.Count < Math.Max(limit, 100) && page.Count < limit)
                {
                    break;
                }
            }

            // Polling always answers with a next link, also on an empty page.
            next = position.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            var window = new Window(effectiveSince, effectiveUntil);
            (long Ms, long Seq)? position = cursor is null ? null : ParseBoundedCursor(cursor);
            var scanned = 0;
            var exhausted = false;
            while (page.Count < limit && scanned < MaxScanned && !exhausted)
            {
                var batchSize = Math.Max(limit, 100);
                var batch = await BoundedBatch(events, window, position, descending, batchSize).ToListAsync(ct);
                exhausted = batch.Count < batchSize;
                foreach (var e in batch)
                {
                    position = (e.Published.ToUnixTimeMilliseconds(), e.Sequence);
                    if (Matches(e, filter, keywords))
                    {
                        page.Add(e);
                        if (page.Count == limit)
                        {
                            exhausted = exhausted && e == batch[^1];
                            break;
                        }
                    }
                }

                scanned += batch.Count;
            }

            next = exhausted || position is null || limit == 0 ? null : $"{position.Value.Ms}_{position.Value.Seq}";
        }

        return (page, next);
    }

    private static IQueryable<LogEventEntity> BoundedBatch(IQueryable<LogEventEntity> events, Window window,
        (long Ms, long Seq)? after, bool descending, int size)
    {
        var since = window.Since;
        var until = window.Until;
        events = events.Where(e => e.Published >= since && e.Published < until);
        if (after is { } a)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(a.Ms);
            var seq = a.Seq;
            events = descending
                ? events.Where(e => e.Published < at || (e.Published == at && e.Sequence < seq))
                : events.Where(e => e.Published > at || (e.Published == at && e.Sequence > seq));
        }

        return (descending
            ? events.OrderByDescending(e => e.Published).ThenByDescending(e => e.Sequence)
            : events.OrderBy(e => e.Published).ThenBy(e => e.Sequence)).Take(size);
    }

    private static (long, long) ParseBoundedCursor(string cursor)
    {
        var parts = cursor.Split('_');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            && ms <= MaxUnixMilliseconds
            ? (ms, seq)
            : throw new ApiException(Paging.NotIssued());
    }

    private static DateTimeOffset? ReadDate(HttpRequest request, string name)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return IsoTime.TryParse(text, out var value) ? value : throw new ApiException(ApiErrors.Validation(name,
            "The date format in your query is not recognized. Please enter dates using ISO8601 string format."));
    }

    /// <summary>A <c>filter</c> in the foundation's grammar over LogEvent attributes; a bad one is 400 E0000053 (or E0000031) with the parser's message.</summary>
    public static FilterNode? ParseFilter(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return FilterParser.Parse(text, Grammar);
        }
        catch (FilterException e) when (e.Kind == FilterErrorKind.UnsupportedOperator)
        {
            throw new ApiException(ApiErrors.InvalidSearch(e.Message));
        }
        catch (FilterException e)
        {
            throw new ApiException(ApiErrors.InvalidFilter(e.Message));
        }
    }

    /// <summary>The <c>q</c> keywords: at most 10 of at most 40 characters, each matched anywhere in the event, ignoring case.</summary>
    public static string[] ParseKeywords(string q)
    {
        var keywords = q.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (keywords.Length > 10 || keywords.Any(k => k.Length > 40))
        {
            throw new ApiException(ApiErrors.Validation("q", "At most 10 keywords of at most 40 characters each."));
        }

        return keywords;
    }

    /// <summary>Equality terms of a top-level conjunction on indexed columns narrow the query in the database.</summary>
    private static IQueryable<LogEventEntity> PushDown(IQueryable<LogEventEntity> events, FilterNode? filter)
    {
        foreach (var term in Conjuncts(filter))
        {
            if (term is not { Operator: FilterOperator.Eq, Value: { Kind: FilterValueKind.String, Text: { } value } })
            {
                continue;
            }

            events = term.Attribute switch
            {
                "eventType" => events.Where(e => e.EventType == value),
                "actor.id" => events.Where(e => e.ActorId == value),
                "outcome.result" => events.Where(e => e.OutcomeResult == value),
                "uuid" => events.Where(e => e.Uuid == value),
                _ => events,
            };
        }

        return events;
    }

    private static IEnumerable<ComparisonNode> Conjuncts(FilterNode? node) => node switch
    {
        AndNode a => Conjuncts(a.Left).Concat(Conjuncts(a.Right)),
        ComparisonNode c => [c],
        _ => [],
    };

    private static bool Matches(LogEventEntity e, FilterNode? filter, string[] keywords) =>
        (filter is null || JsonFilterEvaluator.Matches(filter, JsonNode.Parse(e.Json), StringComparison.Ordinal))
        && keywords.All(k => e.Json.Contains(k, StringComparison.OrdinalIgnoreCase));
}
