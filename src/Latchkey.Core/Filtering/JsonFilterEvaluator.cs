using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Core.Filtering;

/// <summary>
/// Evaluates a filter against a JSON document (a serialised user, group, log event, ...).
/// </summary>
/// <remarks>
/// <para>An attribute is a dotted path of property names (case as the document's JsonObject compares them).
/// Where a segment meets an array, the path continues into every element, and an array at the end of the
/// path contributes its elements: a comparison is true when ANY resulting value satisfies it, so
/// <c>target.id eq "x"</c> matches when any target has that id. A missing property counts as JSON null,
/// as does a path that ends in an empty array.</para>
/// <para><c>ne</c> is exactly <c>not (eq)</c>: true when no value is equal, so true for a missing attribute.
/// <c>pr</c> is true when some value is not null. <c>eq null</c> is true when some value is null or missing.</para>
/// <para>Types must match: strings compare with strings, numbers with numbers (numerically), booleans
/// with booleans. Strings use the given <see cref="StringComparison"/> for eq, sw, co, ew and for
/// gt/ge/lt/le; when both strings are ISO-8601 dates (<c>yyyy-MM-dd</c>, optionally followed by a time and
/// offset; no offset means UTC) they are compared as instants instead, for eq as well as the orderings.</para>
/// </remarks>
public static class JsonFilterEvaluator
{
    public static bool Matches(FilterNode filter, JsonNode? document, StringComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!Enum.IsDefined(comparison))
        {
            throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Unknown string comparison.");
        }

        return Evaluate(filter, document, comparison);
    }

    private static bool Evaluate(FilterNode node, JsonNode? document, StringComparison comparison)
    {
        var negate = false;
        while (node is NotNode not)
        {
            negate = !negate;
            node = not.Inner;
        }

        var result = node switch
        {
            ComparisonNode c => Compare(c, document, comparison),
            AndNode or OrNode => EvaluateChain(node, document, comparison),
            _ => throw new ArgumentException($"Unknown filter node type {node.GetType().Name}.", nameof(node)),
        };
        return result != negate;
    }

    // A left-deep chain of one operator (what the parser builds for a and b and c ...) is walked in a
    // loop, so long chains do not recurse; operands are evaluated left to right with short-circuiting.
    private static bool EvaluateChain(FilterNode chain, JsonNode? document, StringComparison comparison)
    {
        var isAnd = chain is AndNode;
        var rights = new List<FilterNode>();
        var current = chain;
        while (true)
        {
            if (isAnd && current is AndNode and)
            {
                rights.Add(and.Right);
                current = and.Left;
            }
            else if (!isAnd && current is OrNode or)
            {
                rights.Add(or.Right);
                current = or.Left;
            }
            else
            {
                break;
            }
        }

        // And stops at the first false operand, or at the first true one.
        if (Evaluate(current, document, comparison) != isAnd)
        {
            return !isAnd;
        }

        for (var i = rights.Count - 1; i >= 0; i--)
        {
            if (Evaluate(rights[i], document, comparison) != isAnd)
            {
                return !isAnd;
            }
        }

        return isAnd;
    }

    private static bool Compare(ComparisonNode node, JsonNode? document, StringComparison comparison)
    {
        var values = Resolve(document, node.Attribute);
        var value = node.Value ?? FilterValue.Null;
        switch (node.Operator)
        {
            case FilterOperator.Pr:
                return values.Exists(v => KindOf(v) != JsonValueKind.Null);
            case FilterOperator.Ne:
                return !values.Exists(v => CompareOne(v, FilterOperator.Eq, value, comparison));
            default:
                return values.Exists(v => CompareOne(v, node.Operator, value, comparison));
        }
    }

    /// <summary>Every value the path reaches; a lone null when it reaches none.</summary>
    private static List<JsonNode?> Resolve(JsonNode? document, string attribute)
    {
        var current = new List<JsonNode?> { document };
        foreach (var segment in attribute.Split('.'))
        {
            var next = new List<JsonNode?>(current.Count);
            foreach (var node in current)
            {
                Step(node, segment, next);
            }

            current = next;
        }

        var values = new List<JsonNode?>(current.Count);
        foreach (var node in current)
        {
            Flatten(node, values);
        }

        if (values.Count == 0)
        {
            values.Add(null);
        }

        return values;
    }

    private static void Step(JsonNode? node, string segment, List<JsonNode?> next)
    {
        switch (node)
        {
            case JsonObject obj:
                next.Add(obj.TryGetPropertyValue(segment, out var child) ? child : null);
                break;
            case JsonArray array:
                foreach (var element in array)
                {
                    Step(element, segment, next);
                }

                break;
            default:
                next.Add(null);
                break;
        }
    }

    private static void Flatten(JsonNode? node, List<JsonNode?> values)
    {
        if (node is JsonArray array)
        {
            foreach (var element in array)
            {
                Flatten(element, values);
            }
        }
        else
        {
            values.Add(node);
        }
    }

    private static JsonValueKind KindOf(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    private static bool CompareOne(JsonNode? node, FilterOperator op, FilterValue value, StringComparison comparison)
    {
        var kind = KindOf(node);
        switch (value.Kind)
        {
            case FilterValueKind.Null:
                return op == FilterOperator.Eq && kind == JsonValueKind.Null;
            case FilterValueKind.Boolean:
                return op == FilterOperator.Eq
                    && ((kind == JsonValueKind.True && value.Boolean == true) || (kind == JsonValueKind.False && value.Boolean == false));
            case FilterValueKind.Number:
                return kind == JsonValueKind.Number && value.Number is { } number
                    && CompareNumbers(node!, number) is { } order && Satisfies(op, order);
            case FilterValueKind.String:
                return kind == JsonValueKind.String && value.Text is { } text
                    && CompareStrings(ReadString(node!), op, text, comparison);
            default:
                return false;
        }
    }

    private static bool CompareStrings(string actual, FilterOperator op, string expected, StringComparison comparison)
    {
        switch (op)
        {
            case FilterOperator.Eq:
                return string.Equals(actual, expected, comparison) || CompareDates(actual, expected) == 0;
            case FilterOperator.Sw:
                return actual.StartsWith(expected, comparison);
            case FilterOperator.Co:
                return actual.Contains(expected, comparison);
            case FilterOperator.Ew:
                return actual.EndsWith(expected, comparison);
            case FilterOperator.Gt or FilterOperator.Ge or FilterOperator.Lt or FilterOperator.Le:
                var order = CompareDates(actual, expected) ?? string.Compare(actual, expected, comparison);
                return Satisfies(op, order);
            default:
                return false;
        }
    }

    private static bool Satisfies(FilterOperator op, int order) => op switch
    {
        FilterOperator.Eq => order == 0,
        FilterOperator.Gt => order > 0,
        FilterOperator.Ge => order >= 0,
        FilterOperator.Lt => order < 0,
        FilterOperator.Le => order <= 0,
        _ => false,
    };

    private static int? CompareNumbers(JsonNode node, decimal expected)
    {
        var raw = node.ToJsonString();
        if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var actual))
        {
            return actual.CompareTo(expected);
        }

        // Beyond decimal's range (e.g. 1e300): compare as doubles.
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var wide)
            ? wide.CompareTo((double)expected)
            : null;
    }

    private static string ReadString(JsonNode node)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        // A value built from a non-string CLR type that serialises as a string (Guid, DateTime, ...).
        using var parsed = JsonDocument.Parse(node.ToJsonString());
        return parsed.RootElement.GetString() ?? string.Empty;
    }

    private static int? CompareDates(string actual, string expected) =>
        TryParseIsoDate(actual, out var a) && TryParseIsoDate(expected, out var b) ? a.CompareTo(b) : null;

    /// <summary><c>yyyy-MM-dd</c>, optionally followed by <c>T</c> (or a space) and a time; no offset means UTC.</summary>
    internal static bool TryParseIsoDate(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 10 || text.Length > 64
            || !(char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && char.IsAsciiDigit(text[3])
                && text[4] == '-' && char.IsAsciiDigit(text[5]) && char.IsAsciiDigit(text[6])
                && text[7] == '-' && char.IsAsciiDigit(text[8]) && char.IsAsciiDigit(text[9]))
            || (text.Length > 10 && text[10] is not ('T' or 't' or ' ')))
        {
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
