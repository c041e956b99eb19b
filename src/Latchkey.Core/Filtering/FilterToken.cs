namespace Latchkey.Core.Filtering;

/// <summary>One lexical token; <see cref="Position"/> is its 0-based offset in the filter text.</summary>
internal readonly record struct FilterToken(FilterTokenKind Kind, string Text, int Position)
{
    public bool IsWord(string word) =>
        Kind == FilterTokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        FilterTokenKind.Open => "'('",
        FilterTokenKind.Close => "')'",
        FilterTokenKind.String => "the string " + FilterFormatter.Quote(Shorten(Text)),
        FilterTokenKind.Word => "'" + Shorten(Text) + "'",
        _ => "the end of the filter",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
