using System.Globalization;
using System.Text;

namespace Latchkey.Core.Filtering;

/// <summary>
/// Renders a tree as canonical filter text: lower-case keywords, single spaces, and only the
/// parentheses needed to keep its shape, so the text parses back to an equal tree.
/// </summary>
internal static class FilterFormatter
{
    public static string Format(FilterNode node)
    {
        var text = new StringBuilder();
        Write(text, node);
        return text.ToString();
    }

    /// <summary>A JSON string literal for <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                < ' ' => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    private static void Write(StringBuilder text, FilterNode node)
    {
        switch (node)
        {
            case ComparisonNode comparison:
                text.Append(comparison.Attribute).Append(' ').Append(comparison.Operator.ToString().ToLowerInvariant());
                if (comparison.Operator != FilterOperator.Pr)
                {
                    text.Append(' ').Append((comparison.Value ?? FilterValue.Null).ToString());
                }

                break;
            case NotNode not:
                text.Append("not (");
                Write(text, not.Inner);
                text.Append(')');
                break;
            case AndNode or OrNode:
                WriteChain(text, node);
                break;
            default:
                text.Append(node.GetType().Name);
                break;
        }
    }

    // A left-deep chain of one operator is written in a loop, so long chains do not recurse.
    private static void WriteChain(StringBuilder text, FilterNode chain)
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

        WriteOperand(text, current, parenthesise: isAnd && current is OrNode);
        for (var i = rights.Count - 1; i >= 0; i--)
        {
            var right = rights[i];
            text.Append(isAnd ? " and " : " or ");
            WriteOperand(text, right, parenthesise: right is OrNode || (isAnd && right is AndNode));
        }
    }

    private static void WriteOperand(StringBuilder text, FilterNode node, bool parenthesise)
    {
        if (parenthesise)
        {
            text.Append('(');
        }

        Write(text, node);
        if (parenthesise)
        {
            text.Append(')');
        }
    }
}
