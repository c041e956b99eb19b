using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>The scanner the source-reading convention tests rely on: it must blank literals and comments and nothing else.</summary>
public sealed class CSharpTextTests
{
    [Theory]
    [InlineData("var a = \"x\"; B();", "var a = \" \"; B();")]
    [InlineData("var a = \"a\\\"b\"; B();", "var a = \"    \"; B();")]
    [InlineData("var a = @\"a\"\"b\\\"; B();", "var a = @\"     \"; B();")]
    [InlineData("var a = $\"n={N()}\"; B();", "var a = $\"  {N()}\"; B();")]
    [InlineData("var a = $\"{{x}}{Y(\"z\")}\"; B();", "var a = $\"     {Y(\" \")}\"; B();")]
    [InlineData("var a = \"\"\"raw \" text\"\"\"; B();", "var a = \"\"\"          \"\"\"; B();")]
    [InlineData("var c = '\"'; B();", "var c = ' '; B();")]
    [InlineData("var c = '\\''; B();", "var c = '  '; B();")]
    [InlineData("var a = \"\"; B();", "var a = \"\"; B();")]
    public void Literal_contents_are_blanked_and_code_is_kept(string source, string expected)
    {
        Assert.Equal(expected, CSharpText.Blank(source, comments: false));
    }

    [Fact]
    public void Comments_are_blanked_only_when_asked()
    {
        const string source = "A(); // b\n/* c\n d */ E();";

        Assert.Equal("A();     \n    \n      E();", CSharpText.Blank(source, comments: true));
        Assert.Equal(source, CSharpText.Blank(source, comments: false));
    }

    [Fact]
    public void Comment_markers_inside_strings_do_not_start_comments()
    {
        const string source = "var u = \"http://x/*\"; Tail();";

        Assert.EndsWith("; Tail();", CSharpText.Blank(source, comments: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_inside_comments_do_not_start_strings()
    {
        const string source = "// it's \"quoted\nTail();";

        Assert.EndsWith("\nTail();", CSharpText.Blank(source, comments: true), StringComparison.Ordinal);
        Assert.Equal(source, CSharpText.Blank(source, comments: false));
    }

    [Fact]
    public void Offsets_and_newlines_are_preserved()
    {
        const string source = "var a = @\"line1\nline2\"; // c\r\nB();";

        var blanked = CSharpText.Blank(source, comments: true);

        Assert.Equal(source.Length, blanked.Length);
        Assert.Equal(source.Count(c => c == '\n'), blanked.Count(c => c == '\n'));
        Assert.EndsWith("\r\nB();", blanked, StringComparison.Ordinal);
    }
}
