using System.Text;

namespace Latchkey.ArchitectureTests;

/// <summary>
/// A small C# scanner for convention tests that read source text. It blanks the contents of string and
/// character literals (and, on request, comments) with spaces, keeping every newline and every offset, so a
/// rule's regular expression sees only code and reports true line numbers. It knows regular, verbatim,
/// interpolated (holes stay code) and raw string literals; it is not a full lexer.
/// </summary>
internal static class CSharpText
{
    public static string Blank(string source, bool comments)
    {
        var output = new StringBuilder(source);
        var i = 0;
        new Scanner(source, output, comments).Code(ref i, inHole: false);
        return output.ToString();
    }

    private sealed class Scanner(string s, StringBuilder output, bool blankComments)
    {
        private char At(int index) => index < s.Length ? s[index] : '\0';

        private void BlankRange(int start, int end)
        {
            for (var k = start; k < end && k < s.Length; k++)
            {
                if (s[k] is not '\n' and not '\r')
                {
                    output[k] = ' ';
                }
            }
        }

        /// <summary>Scans code; inside an interpolation hole, returns at the '}' that closes it.</summary>
        public void Code(ref int i, bool inHole)
        {
            var depth = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == '/' && At(i + 1) == '/')
                {
                    var end = s.IndexOf('\n', i);
                    end = end < 0 ? s.Length : end;
                    if (blankComments)
                    {
                        BlankRange(i, end);
                    }

                    i = end;
                }
                else if (c == '/' && At(i + 1) == '*')
                {
                    var close = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    var end = close < 0 ? s.Length : close + 2;
                    if (blankComments)
                    {
                        BlankRange(i, end);
                    }

                    i = end;
                }
                else if (c == '\'')
                {
                    CharLiteral(ref i);
                }
                else if (TryStringStart(i, out var quote, out var verbatim, out var interpolated))
                {
                    i = quote;
                    StringLiteral(ref i, verbatim, interpolated);
                }
                else if (inHole && c == '{')
                {
                    depth++;
                    i++;
                }
                else if (inHole && c == '}')
                {
                    if (depth == 0)
                    {
                        return;
                    }

                    depth--;
                    i++;
                }
                else
                {
                    i++;
                }
            }
        }

        /// <summary>A string starts with '"', optionally after '$'s and one '@' in either order.</summary>
        private bool TryStringStart(int i, out int quote, out bool verbatim, out bool interpolated)
        {
            var j = i;
            var dollars = 0;
            verbatim = false;
            while (j < s.Length && (s[j] == '$' || (s[j] == '@' && !verbatim)))
            {
                if (s[j] == '$')
                {
                    dollars++;
                }
                else
                {
                    verbatim = true;
                }

                j++;
            }

            interpolated = dollars > 0;
            quote = j;
            var startsLiteral = At(j) == '"' && (j == i || !IsIdentifierChar(At(i - 1)));
            return startsLiteral;
        }

        private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_';

        private void CharLiteral(ref int i)
        {
            var start = i;
            i++;
            while (i < s.Length && s[i] != '\'' && s[i] != '\n')
            {
                i += s[i] == '\\' ? 2 : 1;
            }

            i = Math.Min(i + 1, s.Length);
            BlankRange(start + 1, i - 1);
        }

        private void StringLiteral(ref int i, bool verbatim, bool interpolated)
        {
            if (!verbatim && At(i + 1) == '"' && At(i + 2) == '"')
            {
                RawStringLiteral(ref i);
                return;
            }

            i++;
            while (i < s.Length)
            {
                var c = s[i];
                if (!verbatim && c == '\\')
                {
                    BlankRange(i, i + 2);
                    i += 2;
                }
                else if (c == '"' && verbatim && At(i + 1) == '"')
                {
                    BlankRange(i, i + 2);
                    i += 2;
                }
                else if (c == '"')
                {
                    i++;
                    return;
                }
                else if (interpolated && c == '{' && At(i + 1) == '{')
                {
                    BlankRange(i, i + 2);
                    i += 2;
                }
                else if (interpolated && c == '{')
                {
                    i++;
                    Code(ref i, inHole: true);
                    i++;
                }
                else if (!verbatim && c == '\n')
                {
                    return;
                }
                else
                {
                    BlankRange(i, i + 1);
                    i++;
                }
            }
        }

        /// <summary>A raw string literal: n >= 3 quotes open it and the next run of n quotes closes it (holes are blanked too).</summary>
        private void RawStringLiteral(ref int i)
        {
            var quotes = 0;
            while (At(i + quotes) == '"')
            {
                quotes++;
            }

            var contentStart = i + quotes;
            var close = s.IndexOf(new string('"', quotes), contentStart, StringComparison.Ordinal);
            var contentEnd = close < 0 ? s.Length : close;
            BlankRange(contentStart, contentEnd);
            i = close < 0 ? s.Length : close + quotes;
        }
    }
}
