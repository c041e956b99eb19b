namespace Latchkey.ArchitectureTests;

/// <summary>
/// The repository's source tree, found by walking up from the test binaries to the folder that holds
/// <c>Latchkey.slnx</c>. Build output (<c>bin/</c>, <c>obj/</c>) is never part of it.
/// </summary>
internal static class SourceTree
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepositoryRoot => Root.Value;

    public static string SrcFolder => Path.Combine(RepositoryRoot, "src");

    /// <summary>Every C# file under <paramref name="relativeFolder"/> (relative to the repository root), outside build output.</summary>
    public static IReadOnlyList<SourceFile> CSharpFiles(string relativeFolder)
    {
        var folder = Path.Combine(RepositoryRoot, relativeFolder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"'{relativeFolder}' does not exist under the repository root '{RepositoryRoot}'.");
        }

        return Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/'))
            .Where(relative => !IsBuildOutput(relative))
            .Order(StringComparer.Ordinal)
            .Select(relative => new SourceFile(relative, File.ReadAllText(Path.Combine(RepositoryRoot, relative))))
            .ToList();
    }

    private static bool IsBuildOutput(string relativePath) =>
        relativePath.Split('/').Any(segment => segment is "bin" or "obj");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Latchkey.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above '{AppContext.BaseDirectory}' contains Latchkey.slnx; the architecture tests must run from a build inside the repository.");
    }
}

/// <summary>One C# file: its path relative to the repository root (with '/') and its text.</summary>
internal sealed record SourceFile(string Path, string Text)
{
    /// <summary>The text with comments and literal contents blanked (see <see cref="CSharpText"/>).</summary>
    public string Code => CSharpText.Blank(Text, comments: true);

    /// <summary>The text with literal contents blanked and comments kept.</summary>
    public string CodeAndComments => CSharpText.Blank(Text, comments: false);

    public int LineAt(int index) => Text.AsSpan(0, index).Count('\n') + 1;

    public override string ToString() => Path;
}
