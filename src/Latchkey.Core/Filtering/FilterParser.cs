namespace Latchkey.Core.Filtering;

/// <summary>
/// Parses Okta filter / search expressions: <c>attribute op value</c> comparisons joined by
/// <c>and</c> / <c>or</c>, grouped with parentheses, negated with <c>not (...)</c>.
/// </summary>
/// <remarks>
/// Precedence, tightest first: comparison, parentheses, <c>not</c>, <c>and</c>, <c>or</c>; <c>and</c> and
/// <c>or</c> are left-associative. Operators and keywords are case-insensitive; attribute names are
/// case-sensitive dotted paths (and, or, not cannot be attribute names). Values are JSON literals: double-quoted
/// strings, numbers (read as decimal), true, false, null (the last three case-insensitive); sw/co/ew need a string
/// and gt/ge/lt/le a string or number, otherwise the filter is malformed. Syntax errors are reported before grammar errors, so a filter that is both
/// malformed and uses a forbidden attribute is <see cref="FilterErrorKind.Malformed"/>. The only exception
/// thrown for any text is <see cref="FilterException"/>.
/// </remarks>
public static class FilterParser
{
    public static FilterNode Parse(string text, FilterGrammar grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FilterException(FilterErrorKind.Malformed, "The filter is empty.", position: 0);
        }

        if (text.Length > grammar.MaxLength)
        {
            throw new FilterException(FilterErrorKind.Malformed,
                $"The filter is {text.Length} characters long; the limit is {grammar.MaxLength}.", position: grammar.MaxLength);
        }

        return FilterReader.Read(FilterLexer.Tokenize(text), grammar);
    }
}
