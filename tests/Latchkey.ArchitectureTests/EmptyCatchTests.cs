using System.Text.RegularExpressions;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>
/// STYLE.md habit 4 (fail closed): no exception is swallowed silently. A catch block must do something or say
/// why it does nothing; a block holding only a comment counts as saying why.
/// </summary>
public sealed partial class EmptyCatchTests
{
    [Fact]
    public void No_source_file_under_src_has_an_empty_catch_block()
    {
        var offences = SourceTree.CSharpFiles("src")
            .SelectMany(f => EmptyCatches(f).Select(index => $"  {f.Path}:{f.LineAt(index)}"))
            .ToList();

        Assert.True(offences.Count == 0, "Empty catch blocks:" + Environment.NewLine + string.Join(Environment.NewLine, offences));
    }

    [Theory]
    [InlineData("try { Run(); } catch { }")]
    [InlineData("try { Run(); } catch {}")]
    [InlineData("try { Run(); } catch (Exception) { }")]
    [InlineData("try { Run(); } catch (IOException e) when (e.HResult == 5) {\n}")]
    [InlineData("try { Run(); } catch (IOException e) when (Check(e, (1, 2))) { }")]
    [InlineData("try { Run(); } catch (Exception) /* why? */ { }")]
    [InlineData("var s = \"}\"; try { Run(); } catch (Exception) { }")]
    public void The_scan_finds_an_empty_catch_block(string code)
    {
        Assert.Single(EmptyCatches(new SourceFile("Sample.cs", code)));
    }

    [Theory]
    [InlineData("try { Run(); } catch (Exception) { Log(); }")]
    [InlineData("try { Run(); } catch (Exception) { throw; }")]
    [InlineData("try { Run(); } catch (OperationCanceledException) { // the client went away\n }")]
    [InlineData("try { Run(); } catch (OperationCanceledException) { /* expected */ }")]
    [InlineData("var s = \"catch { }\";")]
    [InlineData("// catch { }")]
    [InlineData("var catcher = 1; var catch_all = 2;")]
    public void The_scan_accepts_catch_blocks_that_act_or_explain_and_ignores_text(string code)
    {
        Assert.Empty(EmptyCatches(new SourceFile("Sample.cs", code)));
    }

    /// <summary>Offsets of catch clauses whose block holds neither a statement nor a comment.</summary>
    private static IEnumerable<int> EmptyCatches(SourceFile file)
    {
        // Structure is read with comments blanked; the body is then checked with comments kept (same offsets).
        var code = file.Code;
        var withComments = file.CodeAndComments;
        foreach (Match match in CatchKeyword().Matches(code))
        {
            var i = SkipWhitespace(code, match.Index + match.Length);
            if (At(code, i) == '(')
            {
                i = SkipWhitespace(code, SkipParentheses(code, i));
            }

            if (WhenKeyword().IsMatch(code.AsSpan(), i))
            {
                i = SkipWhitespace(code, i + 4);
                i = SkipWhitespace(code, SkipParentheses(code, i));
            }

            if (At(code, i) != '{')
            {
                continue;
            }

            var close = SkipWhitespace(code, i + 1);
            if (At(code, close) == '}' && string.IsNullOrWhiteSpace(withComments[(i + 1)..close]))
            {
                yield return match.Index;
            }
        }
    }

    private static char At(string s, int i) => i < s.Length ? s[i] : '\0';

    private static int SkipWhitespace(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>From an opening parenthesis, the index just past its matching close.</summary>
    private static int SkipParentheses(string s, int i)
    {
        var depth = 0;
        for (; i < s.Length; i++)
        {
            if (s[i] == '(')
            {
                depth++;
            }
            else if (s[i] == ')' && --depth == 0)
            {
                return i + 1;
            }
        }

        return s.Length;
    }

    [GeneratedRegex(@"\bcatch\b")]
    private static partial Regex CatchKeyword();

    /// <summary>The <c>when</c> of an exception filter, exactly at the start offset (\G).</summary>
    [GeneratedRegex(@"\Gwhen\b")]
    private static partial Regex WhenKeyword();
}
