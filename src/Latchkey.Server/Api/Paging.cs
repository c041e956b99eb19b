using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Latchkey.Core.Errors;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Api;

/// <summary>A list endpoint's page size rules: the default when <c>limit</c> is absent and the largest accepted.</summary>
public readonly record struct PageLimits(int Default, int Max, int Min = 1);

/// <summary>Cursor pagination as the real service does it: <c>limit</c>, opaque <c>after</c>, absolute <c>Link</c> headers.</summary>
public static class Paging
{
    public static int Limit(HttpRequest request, PageLimits limits)
    {
        var text = request.Query["limit"].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return limits.Default;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
        {
            throw new ApiException(ApiErrors.Validation("limit", "The limit must be a whole number."));
        }

        // Below the endpoint's minimum (0 for the System Log, 1 elsewhere): the default; above its maximum: the maximum.
        return limit < limits.Min ? limits.Default : (int)Math.Min(limit, limits.Max);
    }

    /// <summary>The decoded <c>after</c> cursor, or null on the first page.</summary>
    public static string? After(HttpRequest request)
    {
        var text = request.Query["after"].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return DecodeCursor(text) ?? throw new ApiException(ApiErrors.Validation("after", "The cursor is not one this server issued."));
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

    public static string EncodeCursor(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    public static string? DecodeCursor(string cursor)
    {
        if (cursor.Length > 512)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes <c>Link: &lt;self&gt;; rel="self"</c> and, when there is more, <c>rel="next"</c> with every original parameter kept.</summary>
    public static void WriteLinks(HttpContext context, string? nextCursor)
    {
        var request = context.Request;
        var path = ApiUrls.OrgUrl(request) + request.PathBase + request.Path;
        context.Response.Headers.Append("Link", $"<{path}{request.QueryString}>; rel=\"self\"");
        if (nextCursor is null)
        {
            return;
        }

        var query = QueryHelpers.ParseQuery(request.QueryString.Value)
            .Where(kv => !string.Equals(kv.Key, "after", StringComparison.Ordinal))
            .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string?>(kv.Key, v)))
            .Append(new KeyValuePair<string, string?>("after", EncodeCursor(nextCursor)));
        context.Response.Headers.Append("Link", $"<{QueryHelpers.AddQueryString(path, query)}>; rel=\"next\"");
    }
}
