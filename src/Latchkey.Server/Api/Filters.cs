using Latchkey.Core.Errors;
using Latchkey.Core.Filtering;

namespace Latchkey.Server.Api;

/// <summary>Parses <c>filter</c>/<c>search</c> query parameters into the real service's errors.</summary>
public static class Filters
{
    /// <summary>Parse for users/groups/apps: a bad expression is 400 E0000031 "Invalid search criteria."</summary>
    public static FilterNode? ParseSearch(HttpRequest request, string parameter, FilterGrammar grammar)
    {
        var text = request.Query[parameter].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return FilterParser.Parse(text, grammar);
        }
        catch (FilterException e)
        {
            throw new ApiException(ApiErrors.InvalidSearch($"{parameter}: {e.Message}"));
        }
    }
}
