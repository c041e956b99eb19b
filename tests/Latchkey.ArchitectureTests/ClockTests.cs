using System.Text.RegularExpressions;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>STYLE.md habit 6: every clock read goes through <c>TimeProvider</c>, so nothing under src/ reads the system clock directly.</summary>
public sealed partial class ClockTests
{
    [Fact]
    public void No_source_file_under_src_reads_the_system_clock_directly()
    {
        var files = SourceTree.CSharpFiles("src");

        var offences = Find(files).ToList();

        Assert.True(offences.Count == 0, "Use TimeProvider instead of:" + Environment.NewLine + string.Join(Environment.NewLine, offences));
    }

    [Fact]
    public void The_source_scan_covers_every_project_under_src()
    {
        var files = SourceTree.CSharpFiles("src").Select(f => f.Path).ToList();

        Assert.Contains("src/Latchkey.Core/Time/IsoTime.cs", files);
        Assert.Contains("src/Latchkey.Contracts/Users.cs", files);
        Assert.Contains("src/Latchkey.Server/Program.cs", files);
        Assert.Contains("src/Latchkey.Desktop/Program.cs", files);
        Assert.DoesNotContain(files, f => f.Contains("/obj/", StringComparison.Ordinal) || f.Contains("/bin/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("var t = DateTime.UtcNow;")]
    [InlineData("var t = DateTime.Now;")]
    [InlineData("var t = DateTimeOffset.UtcNow;")]
    [InlineData("var t = DateTimeOffset.Now;")]
    [InlineData("var t = System.DateTime.Today;")]
    [InlineData("var t = DateTimeOffset . UtcNow;")]
    [InlineData("var u = \"http://x\"; var t = DateTime.UtcNow;")]
    [InlineData("var s = $\"at {DateTime.UtcNow:O}\";")]
    public void The_scan_finds_a_clock_read_in_code(string line)
    {
        Assert.Single(Find([new SourceFile("Sample.cs", line)]));
    }

    [Theory]
    [InlineData("// never DateTime.UtcNow here")]
    [InlineData("/// <summary>Not <c>DateTimeOffset.UtcNow</c>.</summary>")]
    [InlineData("/* DateTime.Now */ var t = clock.GetUtcNow();")]
    [InlineData("var s = \"DateTime.UtcNow\";")]
    [InlineData("var s = @\"DateTime.Now\";")]
    [InlineData("var t = timeProvider.GetUtcNow();")]
    [InlineData("var t = MyDateTime.UtcNowish;")]
    public void The_scan_ignores_comments_strings_and_lookalikes(string line)
    {
        Assert.Empty(Find([new SourceFile("Sample.cs", line)]));
    }

    private static IEnumerable<string> Find(IEnumerable<SourceFile> files) =>
        from file in files
        from Match match in ClockRead().Matches(file.Code)
        select $"  {file.Path}:{file.LineAt(match.Index)}: {match.Value}";

    [GeneratedRegex(@"\bDateTime(?:Offset)?\s*\.\s*(?:UtcNow|Now|Today)\b")]
    private static partial Regex ClockRead();
}
