using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Shapes the contract fixes for every resource: ids, timestamps, links.</summary>
public static partial class Wire
{
    [GeneratedRegex("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$")]
    public static partial Regex IsoMillisUtc();

    /// <summary>20 characters: the 3-character prefix, then base62.</summary>
    public static void AssertId(string? id, string prefix)
    {
        Assert.NotNull(id);
        Assert.True(id.Length == 20, $"id {id} is not 20 characters");
        Assert.True(id.StartsWith(prefix, StringComparison.Ordinal), $"id {id} does not start with {prefix}");
        Assert.True(id.All(char.IsAsciiLetterOrDigit), $"id {id} is not base62");
    }

    public static void AssertDate(JsonNode? value, string what)
    {
        var text = (string?)value;
        Assert.True(text is not null && IsoMillisUtc().IsMatch(text), $"{what} = {text ?? "null"} is not yyyy-MM-ddTHH:mm:ss.SSSZ");
    }

    /// <summary><c>_links.self.href</c> is the absolute URL of the resource on the server the client called.</summary>
    public static void AssertSelf(JsonNode resource, Uri baseAddress, string path)
    {
        var href = (string?)resource["_links"]?["self"]?["href"];
        Assert.NotNull(href);
        Assert.True(Uri.TryCreate(href, UriKind.Absolute, out var uri), $"self href {href} is not absolute");
        Assert.Equal(new Uri(baseAddress, path), uri);
    }
}
