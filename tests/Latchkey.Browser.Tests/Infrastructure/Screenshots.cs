namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>
/// Saves a page as <c>docs/screenshots/NAME.png</c> of the repository the tests were built from (the README shows them).
/// The viewport is fixed (1280x800) and the server a fresh demo org, so a run on an unchanged page writes the same picture.
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "docs", "screenshots");

    public static async Task<string> SaveAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false, Animations = ScreenshotAnimations.Disabled });
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Latchkey.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Latchkey.slnx above {AppContext.BaseDirectory}");
    }
}
