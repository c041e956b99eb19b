namespace Latchkey.Core.Filtering;

internal enum FilterTokenKind
{
    /// <summary><c>(</c></summary>
    Open,

    /// <summary><c>)</c></summary>
    Close,

    /// <summary>A double-quoted string; the token's text is the decoded value.</summary>
    String,

    /// <summary>A run of anything else up to whitespace, a parenthesis or a quote: attribute, operator, keyword or literal.</summary>
    Word,

    End,
}
