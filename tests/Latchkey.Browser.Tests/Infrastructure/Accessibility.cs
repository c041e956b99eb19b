using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;

namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>
/// axe-core (Deque's engine, run inside the page by Playwright) over the page that is open. A page passes when axe finds
/// no violation of impact "serious" or "critical"; a failure lists each violation with the elements it found, so the
/// fix can start from the message.
/// </summary>
public static class Accessibility
{
    private static readonly string[] Blocking = ["serious", "critical"];

    public static async Task AssertNoSeriousViolationsAsync(IPage page)
    {
        // Only the violations come back: the passes of every rule would be most of the work on a busy machine.
        var result = await page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
        var blocking = result.Violations.Where(v => Blocking.Contains(v.Impact, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.True(blocking.Count == 0, $"axe found serious or critical violations on {page.Url}:{Environment.NewLine}{Describe(blocking)}");
    }

    private static string Describe(IEnumerable<AxeResultItem> violations) => string.Join(Environment.NewLine, violations.Select(v =>
        $"- [{v.Impact}] {v.Id}: {v.Help} ({v.HelpUrl}){Environment.NewLine}" +
        string.Join(Environment.NewLine, v.Nodes.Select(n => $"    {n.Target}: {n.Html}{Environment.NewLine}      " +
            string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))))));
}
