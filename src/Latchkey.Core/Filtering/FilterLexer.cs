using System.Globalization;
using System.Text;

namespace Latchkey.Core.Filtering;

/// <summary>
/// Splits filter text into tokens. Strings are JSON strings (the escapes <c>\" \\ \/ \b \f \n \r \t \uXXXX</c>);
/// everything else that is not whitespace or a parenthesis forms a word. Whitespace between tokens is
/// optional where a parenthesis or quote already separates them.
/// </summary>
internal static class FilterLexer
{
    public static List<FilterToken> Tokenize(string text)
    {
        var tokens = new List<FilterToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new FilterToken(FilterTokenKind.End, string.Empty, text.Length));
                return tokens;
            }

            var start = i;
            switch (text[i])
            {
                case '(':
                    tokens.Add(new FilterToken(FilterTokenKind.Open, "(", start));
                    i++;
                    break;
                case ')':
                    tokens.Add(new FilterToken(FilterTokenKind.Close, ")", start));
                    i++;
                    break;
                case '"':
                    tokens.Add(new FilterToken(FilterTokenKind.String, ReadString(text, ref i), start));
                    break;
                default:
                    while (i < text.Length && !IsDelimiter(text[i]))
                    {
                        i++;
                    }

                    tokens.Add(new FilterToken(FilterTokenKind.Word, text[start..i], start));
                    break;
            }
        }
    }

    private static bool IsDelimiter(char c) => c is '(' or ')' or '"' || char.IsWhiteSpace(c);

    /// <summary>Reads the string whose opening quote is at <paramref name="i"/>; leaves <paramref name="i"/> after the closing quote.</summary>
    private static string ReadString(string text, ref int i)
    {
        var start = i;
        var value = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw Malformed($"Unterminated string starting at position {start}: a closing '\"' is missing.", start);
            }

            var c = text[i];
            if (c == '"')
            {
                i++;
                return value.ToString();
            }

            if (c != '\\')
            {
                value.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw Malformed($"Unterminated string starting at position {start}: it ends in an escape.", start);
            }

            var escape = text[i + 1];
            switch (escape)
            {
                case '"' or '\\' or '/':
                    value.Append(escape);
                    break;
                case 'b':
                    value.Append('\b');
                    break;
                case 'f':
                    value.Append('\f');
                    break;
                case 'n':
                    value.Append('\n');
                    break;
                case 'r':
                    value.Append('\r');
                    break;
                case 't':
                    value.Append('\t');
                    break;
                case 'u':
                    if (i + 6 > text.Length
                        || !int.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Malformed($"Invalid escape at position {i}: '\\u' must be followed by four hex digits.", i);
                    }

                    value.Append((char)code);
                    i += 4;
                    break;
                default:
                    throw Malformed($"Invalid escape '\\{escape}' at position {i} in a string.", i);
            }

            i += 2;
        }
    }

    private static FilterException Malformed(string message, int position) =>
        new(FilterErrorKind.Malformed, message, position: position);
}
