using System.Globalization;

namespace Latchkey.Core.Filtering;

/// <summary>
/// Recursive descent over the token list. Recursion happens only at parentheses, which are counted
/// against <see cref="FilterGrammar.MaxDepth"/>; <c>and</c>/<c>or</c> chains are built in loops.
/// </summary>
internal sealed class FilterReader
{
    private const string OperatorList = "eq, ne, gt, ge, lt, le, sw, co, ew, pr";

    private readonly List<FilterToken> tokens;
    private readonly FilterGrammar grammar;
    private int index;
    private int depth;

    // The first grammar violation; thrown only once the whole text has parsed, so syntax errors win.
    private FilterException? violation;

    private FilterReader(List<FilterToken> tokens, FilterGrammar grammar)
    {
        this.tokens = tokens;
        this.grammar = grammar;
    }

    private FilterToken Current => tokens[index];

    public static FilterNode Read(List<FilterToken> tokens, FilterGrammar grammar)
    {
        var reader = new FilterReader(tokens, grammar);
        var node = reader.ReadOr();
        var end = reader.Current;
        if (end.Kind != FilterTokenKind.End)
        {
            throw end.Kind == FilterTokenKind.Close
                ? Malformed($"Unbalanced ')' at position {end.Position}: there is no '(' for it to close.", end.Position)
                : Malformed($"Unexpected {end.Describe()} at position {end.Position}: expected 'and', 'or' or the end of the filter.", end.Position);
        }

        if (reader.violation is not null)
        {
            throw reader.violation;
        }

        return node;
    }

    private FilterNode ReadOr()
    {
        var left = ReadAnd();
        while (Current.IsWord("or"))
        {
            index++;
            left = new OrNode(left, ReadAnd());
        }

        return left;
    }

    private FilterNode ReadAnd()
    {
        var left = ReadUnary();
        while (Current.IsWord("and"))
        {
            index++;
            left = new AndNode(left, ReadUnary());
        }

        return left;
    }

    private FilterNode ReadUnary()
    {
        var token = Current;
        if (token.Kind == FilterTokenKind.Open)
        {
            return ReadGroup();
        }

        if (token.IsWord("not"))
        {
            var next = tokens[index + 1];
            if (next.Kind == FilterTokenKind.Open)
            {
                if (!grammar.AllowsNot)
                {
                    violation ??= new FilterException(FilterErrorKind.UnsupportedOperator,
                        $"The 'not' operator at position {token.Position} is not supported here.", position: token.Position);
                }

                index++;
                return new NotNode(ReadGroup());
            }

            throw Malformed($"'not' at position {token.Position} must be followed by a parenthesised expression, "
                + $"as in not (status eq \"ACTIVE\"), but is followed by {next.Describe()}.", token.Position);
        }

        return ReadComparison();
    }

    private FilterNode ReadGroup()
    {
        var open = Current;
        if (++depth > grammar.MaxDepth)
        {
            throw Malformed($"The filter is nested too deeply at position {open.Position}: the limit is {grammar.MaxDepth} levels.", open.Position);
        }

        index++;
        var inner = ReadOr();
        var close = Current;
        if (close.Kind != FilterTokenKind.Close)
        {
            throw close.Kind == FilterTokenKind.End
                ? Malformed($"Unbalanced '(' at position {open.Position}: the filter ends before its ')'.", open.Position)
                : Malformed($"Unexpected {close.Describe()} at position {close.Position}: expected 'and', 'or' or ')'.", close.Position);
        }

        index++;
        depth--;
        return inner;
    }

    private ComparisonNode ReadComparison()
    {
        var name = Current;
        if (name.Kind != FilterTokenKind.Word)
        {
            throw Malformed($"Expected an attribute name at position {name.Position} but found {name.Describe()}.", name.Position);
        }

        if (name.IsWord("and") || name.IsWord("or"))
        {
            throw Malformed($"Expected an attribute name at position {name.Position} but found the keyword {name.Describe()}.", name.Position);
        }

        if (!IsAttributeName(name.Text))
        {
            throw Malformed($"{name.Describe()} at position {name.Position} is not a valid attribute name.", name.Position);
        }

        index++;
        var opToken = Current;
        if (opToken.Kind != FilterTokenKind.Word)
        {
            throw Malformed($"Expected an operator after '{name.Text}' at position {opToken.Position} but found {opToken.Describe()}.", opToken.Position);
        }

        if (!TryReadOperator(opToken.Text, out var op))
        {
            throw Malformed($"Unknown operator {opToken.Describe()} at position {opToken.Position}: expected one of {OperatorList}.", opToken.Position);
        }

        index++;
        FilterValue? value = null;
        if (op == FilterOperator.Pr)
        {
            var next = Current;
            if (next.Kind == FilterTokenKind.String || (next.Kind == FilterTokenKind.Word && LooksLikeValue(next.Text)))
            {
                throw Malformed($"The 'pr' operator takes no value, but is followed by {next.Describe()} at position {next.Position}.", next.Position);
            }
        }
        else
        {
            value = ReadValue(op, opToken);
        }

        CheckGrammar(name, op, opToken);
        return new ComparisonNode(name.Text, op, value);
    }

    private FilterValue ReadValue(FilterOperator op, FilterToken opToken)
    {
        var token = Current;
        var opName = Name(opToken.Text);
        FilterValue value;
        if (token.Kind == FilterTokenKind.String)
        {
            value = FilterValue.FromString(token.Text);
        }
        else if (token.Kind != FilterTokenKind.Word)
        {
            throw Malformed($"Missing a value after '{opName}': found {token.Describe()} at position {token.Position}.", token.Position);
        }
        else if (token.IsWord("true") || token.IsWord("false"))
        {
            value = FilterValue.FromBoolean(token.IsWord("true"));
        }
        else if (token.IsWord("null"))
        {
            value = FilterValue.Null;
        }
        else if (IsJsonNumber(token.Text))
        {
            if (!decimal.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw Malformed($"The number {token.Describe()} at position {token.Position} is out of range.", token.Position);
            }

            value = FilterValue.FromNumber(number);
        }
        else
        {
            throw Malformed($"Invalid value {token.Describe()} after '{opName}' at position {token.Position}: "
                + "expected a double-quoted string, a number, true, false or null.", token.Position);
        }

        if ((op is FilterOperator.Sw or FilterOperator.Co or FilterOperator.Ew) && value.Kind != FilterValueKind.String)
        {
            throw Malformed($"The '{opName}' operator needs a string value, but has {value} at position {token.Position}.", token.Position);
        }

        if ((op is FilterOperator.Gt or FilterOperator.Ge or FilterOperator.Lt or FilterOperator.Le)
            && value.Kind is not (FilterValueKind.String or FilterValueKind.Number))
        {
            throw Malformed($"The '{opName}' operator needs a string, number or date value, but has {value} at position {token.Position}.", token.Position);
        }

        index++;
        return value;
    }

    private void CheckGrammar(FilterToken name, FilterOperator op, FilterToken opToken)
    {
        if (violation is not null)
        {
            return;
        }

        var allowed = grammar.OperatorsFor(name.Text);
        if (allowed.Count == 0)
        {
            violation = new FilterException(FilterErrorKind.UnknownAttribute,
                $"Filtering on '{name.Text}' (position {name.Position}) is not supported.", name.Text, name.Position);
        }
        else if (!allowed.Contains(op))
        {
            var list = string.Join(", ", allowed.Select(o => Name(o.ToString())));
            violation = new FilterException(FilterErrorKind.UnsupportedOperator,
                $"The '{Name(opToken.Text)}' operator at position {opToken.Position} is not supported for '{name.Text}'; supported: {list}.",
                name.Text, opToken.Position);
        }
    }

    private static bool TryReadOperator(string word, out FilterOperator op)
    {
        op = default;
        if (word.Length != 2)
        {
            return false;
        }

        switch (Name(word))
        {
            case "eq": op = FilterOperator.Eq; return true;
            case "ne": op = FilterOperator.Ne; return true;
            case "gt": op = FilterOperator.Gt; return true;
            case "ge": op = FilterOperator.Ge; return true;
            case "lt": op = FilterOperator.Lt; return true;
            case "le": op = FilterOperator.Le; return true;
            case "sw": op = FilterOperator.Sw; return true;
            case "co": op = FilterOperator.Co; return true;
            case "ew": op = FilterOperator.Ew; return true;
            case "pr": op = FilterOperator.Pr; return true;
            default: return false;
        }
    }

    private static string Name(string word) => word.ToLowerInvariant();

    /// <summary>
    /// A dotted path: starts with an ASCII letter, '_' or '$'; then ASCII letters, digits, '_', '$'; no empty
    /// segments. (The keywords and, or, not are rejected before this, so an attribute cannot be named so.)
    /// </summary>
    internal static bool IsAttributeName(string text)
    {
        if (text.Length == 0 || !(char.IsAsciiLetter(text[0]) || text[0] is '_' or '$') || text[^1] == '.')
        {
            return false;
        }

        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.' ? text[i - 1] == '.' : !(char.IsAsciiLetterOrDigit(c) || c is '_' or '$'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool LooksLikeValue(string word) =>
        IsJsonNumber(word) || word.Equals("true", StringComparison.OrdinalIgnoreCase)
        || word.Equals("false", StringComparison.OrdinalIgnoreCase) || word.Equals("null", StringComparison.OrdinalIgnoreCase);

    /// <summary>JSON number syntax: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    internal static bool IsJsonNumber(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        if (i >= text.Length || !char.IsAsciiDigit(text[i]))
        {
            return false;
        }

        if (text[i] == '0')
        {
            i++;
        }
        else
        {
            i = SkipDigits(text, i);
        }

        if (i < text.Length && text[i] == '.')
        {
            var start = ++i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var start = i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    private static int SkipDigits(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        return i;
    }

    private static FilterException Malformed(string message, int position) =>
        new(FilterErrorKind.Malformed, message, position: position);
}
