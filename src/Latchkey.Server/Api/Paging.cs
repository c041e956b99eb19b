using System.Globalization;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Api;

/// <summary>A list endpoint's page sizes: the default when <c>limit</c> is absent, the largest served, the smallest accepted.</summary>
public readonly record struct PageLimits(int Default, int Max, int Min = 1);

/// <summary>
/// How a list sorts: the two <c>sortOrder</c> values it documents (compared with <see cref="Comparison"/>) and
/// the attributes <c>sortBy</c> may name (none: the list has a fixed order that <c>sortOrder</c> only reverses).
/// </summary>
public sealed record SortRule(string Ascending, string Descending, StringComparison Comparison, IReadOnlyCollection<string> SortBy);

/// <summary>
/// The parameters a list endpoint accepts, declared once beside its route with
/// <see cref="Paging.AsList"/>. <see cref="Name"/> binds the list's cursors to it.
/// </summary>
public sealed record ListSpec(string Name, PageLimits Limits)
{
    /// <summary>Page sizes when <c>q</c> is given (users and groups have smaller pages for <c>q</c>).</summary>
    public PageLimits? LimitsWithQ { get; init; }

    /// <summary><c>limit=-1</c> asks for the default page size (the apps list documents its default as -1).</summary>
    public bool MinusOneMeansDefault { get; init; }

    /// <summary>Null for a list that does not sort: then <c>sortOrder</c> and <c>sortBy</c> are refused.</summary>
    public SortRule? Sort { get; init; }
}

/// <summary>A list request's parameters, checked: page size, the position of the <c>after</c> cursor, the order.</summary>
public sealed record PageRequest(ListSpec List, int Limit, string? After, bool Descending, string? SortBy);

/// <summary>
/// Cursor pagination as the real service does it (<c>limit</c>, opaque <c>after</c>, absolute <c>Link</c>
/// headers) under one rule for every list: the documented values are served, anything else is 400
/// <c>E0000001</c> naming the parameter. A <c>limit</c> above the list's maximum is served as the maximum.
/// Each list route declares its <see cref="ListSpec"/> with <see cref="AsList"/>; the parameters are checked
/// before the handler runs, which reads them with <see cref="Of"/>.
/// </summary>
public static class Paging
{
    private const string OffsetPrefix = "offset:";

    /// <summary>Declares a GET route as a list: its parameters are checked by <see cref="Read"/> before the handler runs.</summary>
    public static RouteHandlerBuilder AsList(this RouteHandlerBuilder route, ListSpec spec) =>
        route.WithMetadata(spec).AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            context.Features.Set(Read(context.Request, spec));
            return await next(invocation);
        });

    /// <summary>The checked parameters of this list request (the route must be declared with <see cref="AsList"/>).</summary>
    public static PageRequest Of(HttpContext context) => context.Features.Get<PageRequest>()
        ?? throw new InvalidOperationException($"{context.Request.Path} is not declared as a list (Paging.AsList).");

    public static PageRequest Read(HttpRequest request, ListSpec spec)
    {
        var limits = request.Query["q"].ToString().Length > 0 && spec.LimitsWithQ is { } q ? q : spec.Limits;
        var limit = ReadLimit(request, limits, spec.MinusOneMeansDefault);
        var after = ReadAfter(request, spec);
        var (descending, sortBy) = ReadSort(request, spec.Sort);
        return new PageRequest(spec, limit, after, descending, sortBy);
    }

    private static int ReadLimit(HttpRequest request, PageLimits limits, bool minusOneMeansDefault)
    {
        var text = request.Query["limit"].ToString();
        if (text.Length == 0)
        {
            return limits.Default;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit)
            || (limit < limits.Min && !(limit == -1 && minusOneMeansDefault)))
        {
            throw new ApiException(ApiErrors.Validation("limit",
                $"'{Shorten(text)}' is not a page size; use a whole number from {limits.Min} to {limits.Max}."));
        }

        return limit == -1 && minusOneMeansDefault ? limits.Default : Math.Min(limit, limits.Max);
    }

    private static string? ReadAfter(HttpRequest request, ListSpec spec)
    {
        var text = request.Query["after"].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return CursorSeal.Open(spec.Name, text) ?? throw new ApiException(NotIssued());
    }

    private static (bool Descending, string? SortBy) ReadSort(HttpRequest request, SortRule? rule)
    {
        var order = request.Query["sortOrder"].ToString();
        var sortBy = request.Query["sortBy"].ToString();
        if (rule is null)
        {
            foreach (var (name, value) in new[] { ("sortOrder", order), ("sortBy", sortBy) })
            {
                if (value.Length > 0)
                {
                    throw new ApiException(ApiErrors.Validation(name, "This list has a fixed order and cannot be sorted."));
                }
            }

            return (false, null);
        }

        if (order.Length > 0 && !string.Equals(order, rule.Ascending, rule.Comparison) && !string.Equals(order, rule.Descending, rule.Comparison))
        {
            throw new ApiException(ApiErrors.Validation("sortOrder", $"The sort order must be {rule.Ascending} or {rule.Descending}."));
        }

        if (sortBy.Length > 0 && !rule.SortBy.Contains(sortBy))
        {
            throw new ApiException(ApiErrors.Validation("sortBy", rule.SortBy.Count == 0
                ? "This list is sorted by its own order only; use sortOrder."
                : $"'{Shorten(sortBy)}' cannot be sorted by; use one of {string.Join(", ", rule.SortBy)}."));
        }

        return (string.Equals(order, rule.Descending, rule.Comparison), sortBy.Length > 0 ? sortBy : null);
    }

    /// <summary>400 E0000001 for an <c>after</c> this server did not issue for this list (or for this mode of it).</summary>
    public static ApiError NotIssued() =>
        ApiErrors.Validation("after", "The cursor is not one this server issued for this list; follow the next link of a previous page.");

    /// <summary>The cursor position for lists paged by offset (a sorted search): <c>offset:n</c>.</summary>
    public static string OffsetPosition(int offset) => OffsetPrefix + offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>The offset of an offset cursor (0 on the first page); any other cursor of the list is refused.</summary>
    public static int Offset(this PageRequest page) =>
        page.After switch
        {
            null => 0,
            var after when after.StartsWith(OffsetPrefix, StringComparison.Ordinal)
                && int.TryParse(after.AsSpan(OffsetPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) => offset,
            _ => throw new ApiException(NotIssued()),
        };

    /// <summary>
    /// The page of <paramref name="ordered"/> (a whole list in memory) that this request's offset cursor asks for, with
    /// the <c>Link</c> headers written (<c>next</c> while rows are left).
    /// </summary>
    public static List<T> OffsetPage<T>(HttpContext context, IReadOnlyList<T> ordered)
    {
        var paging = Of(context);
        var offset = paging.Offset();
        var page = ordered.Skip(offset).Take(paging.Limit).ToList();
        WriteLinks(context, offset + page.Count < ordered.Count ? OffsetPosition(offset + page.Count) : null);
        return page;
    }

    /// <summary>Pages are read one row long: drops that extra row and says whether there was one (a next page).</summary>
    public static bool Trim<T>(List<T> rows, int pageSize)
    {
        if (rows.Count <= pageSize)
        {
            return false;
        }

        rows.RemoveRange(pageSize, rows.Count - pageSize);
        return true;
    }

    /// <summary>
    /// Writes <c>Link: &lt;self&gt;; rel="self"</c> and, when there is more, <c>rel="next"</c> with every original
    /// parameter kept and <c>after</c> sealed for this list.
    /// </summary>
    public static void WriteLinks(HttpContext context, string? nextPosition)
    {
        var list = Of(context).List;
        var request = context.Request;
        var path = ApiUrls.OrgUrl(request) + request.PathBase + request.Path;
        context.Response.Headers.Append("Link", $"<{path}{request.QueryString}>; rel=\"self\"");
        if (nextPosition is null)
        {
            return;
        }

        var query = QueryHelpers.ParseQuery(request.QueryString.Value)
            .Where(kv => !string.Equals(kv.Key, "after", StringComparison.Ordinal))
            .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string?>(kv.Key, v)))
            .Append(new KeyValuePair<string, string?>("after", CursorSeal.Seal(list.Name, nextPosition)));
        context.Response.Headers.Append("Link", $"<{QueryHelpers.AddQueryString(path, query)}>; rel=\"next\"");
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
