using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// Collects every bad field of a policy or rule body (named by its path, e.g.
/// <c>actions.appSignOn.verificationMethod.factorMode</c>) and reads values in their normal form: enums in upper case,
/// ISO-8601 durations checked. <see cref="ThrowIfAny"/> answers 400 E0000001 "Api validation failed: &lt;fields&gt;".
/// </summary>
public sealed partial class PolicyValidation
{
    private readonly List<(string Field, string Message)> _failures = [];

    public bool Failed => _failures.Count > 0;

    public void Fail(string field, string message) => _failures.Add((field, message));

    public void ThrowIfAny()
    {
        if (_failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(_failures));
        }
    }

    /// <summary>An object member (absent or null: null); another type fails.</summary>
    public JsonObject? Object(JsonNode? node, string field)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject o:
                return o;
            default:
                Fail(field, "The value must be an object.");
                return null;
        }
    }

    public bool? Bool(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<bool>(out var b))
        {
            return b;
        }

        Fail(field, "The value must be true or false.");
        return null;
    }

    public string? String(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var text))
        {
            return text;
        }

        Fail(field, "The value must be a string.");
        return null;
    }

    /// <summary>A whole number of at least 0 (absent: null).</summary>
    public int? Count(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0)
        {
            return n;
        }

        Fail(field, "The value must be a whole number of 0 or more.");
        return null;
    }

    /// <summary>One of <paramref name="allowed"/>, compared without case and returned as listed (upper case).</summary>
    public string? Enum(JsonNode? node, string field, IReadOnlyList<string> allowed)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }

        foreach (var value in allowed)
        {
            if (string.Equals(value, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        Fail(field, $"'{Shorten(text)}' is not one of {string.Join(", ", allowed)}.");
        return null;
    }

    /// <summary>
    /// The objects of an array with their paths (<c>field[i]</c>); a single object is taken as a list of one (the spec's
    /// examples send some lists so). Each entry that is no object fails with <paramref name="message"/>.
    /// </summary>
    public List<(JsonObject Item, string Field)> Objects(JsonNode? node, string field, string message)
    {
        var items = node switch
        {
            null => [],
            JsonArray array => array.ToList(),
            var single => [single],
        };
        var result = new List<(JsonObject, string)>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is JsonObject item)
            {
                result.Add((item, $"{field}[{i}]"));
            }
            else
            {
                Fail($"{field}[{i}]", message);
            }
        }

        return result;
    }

    /// <summary>An array of values of <paramref name="allowed"/> (a single value is taken as a list of one), normalised.</summary>
    public JsonArray? EnumArray(JsonNode? node, string field, IReadOnlyList<string> allowed)
    {
        if (node is null)
        {
            return null;
        }

        var result = new JsonArray();
        var items = node is JsonArray array ? array.ToList() : [node];
        for (var i = 0; i < items.Count; i++)
        {
            if (Enum(items[i], node is JsonArray ? $"{field}[{i}]" : field, allowed) is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    /// <summary>An array of non-empty strings (ids); absent: an empty list.</summary>
    public List<string> Ids(JsonNode? node, string field)
    {
        var ids = new List<string>();
        switch (node)
        {
            case null:
                return ids;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (String(array[i], $"{field}[{i}]") is { Length: > 0 } id)
                    {
                        ids.Add(id);
                    }
                    else if (array[i] is null || (array[i] is JsonValue v && v.TryGetValue<string>(out var empty) && empty.Length == 0))
                    {
                        Fail($"{field}[{i}]", "The value must be a non-empty id.");
                    }
                }

                return ids;
            default:
                Fail(field, "The value must be an array of ids.");
                return ids;
        }
    }

    /// <summary>An ISO-8601 duration such as <c>PT0S</c>, <c>PT2H</c>, <c>P30D</c> (absent: null).</summary>
    public string? Duration(JsonNode? node, string field)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }

        if (IsDuration(text))
        {
            return text.ToUpperInvariant();
        }

        Fail(field, $"'{Shorten(text)}' is not an ISO-8601 duration (for example PT0S, PT2H, P30D).");
        return null;
    }

    public static bool IsDuration(string text) => text.Length <= 40 && DurationPattern().IsMatch(text);

    /// <summary>Fails for every member of <paramref name="obj"/> not in <paramref name="known"/> (used where an unknown key would change what a rule means).</summary>
    public void OnlyKnown(JsonObject obj, string field, IReadOnlyCollection<string> known, string what)
    {
        foreach (var (key, _) in obj)
        {
            if (!known.Contains(key))
            {
                Fail($"{field}.{key}", $"Unknown {what}; Latchkey supports {string.Join(", ", known)}.");
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    [GeneratedRegex(@"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DurationPattern();
}
