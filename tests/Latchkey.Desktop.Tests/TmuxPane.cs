using System.Diagnostics;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>
/// A command running in a real terminal: a detached tmux session (160 x 50) on a private socket, so that nothing of a
/// person's own tmux is touched. The screen is read with <c>capture-pane</c>, keys are typed with <c>send-keys</c>, and
/// the tmux server (with whatever still runs in it) is killed on dispose, and its socket removed.
/// </summary>
internal sealed class TmuxPane : IDisposable
{
    private const string Tmux = "/usr/bin/tmux";
    private readonly string socket = "latchkey-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The server's socket file, which <c>kill-server</c> leaves behind.</summary>
    private string? socketPath;

    private TmuxPane()
    {
    }

    /// <summary>Starts <paramref name="shellCommand"/> (run by <c>sh -c</c>) in a new session.</summary>
    public static async Task<TmuxPane> StartAsync(string shellCommand)
    {
        Assert.True(File.Exists(Tmux), $"{Tmux} is not installed (scripts/test.sh installs the Debian package tmux)");
        var pane = new TmuxPane();
        await pane.RunAsync("-f", "/dev/null", "new-session", "-d", "-s", "test", "-x", "160", "-y", "50", shellCommand);
        pane.socketPath = (await pane.RunAsync("display-message", "-p", "-t", "test", "#{socket_path}")).Trim();
        return pane;
    }

    /// <summary>The screen's lines, trailing blanks removed.</summary>
    public async Task<string[]> ScreenAsync() =>
        (await RunAsync("capture-pane", "-p", "-t", "test")).Split('\n').Select(l => l.TrimEnd()).ToArray();

    /// <summary>Reads the screen until <paramref name="seen"/> holds (then returns the screen) or <paramref name="timeout"/> passes (then fails with the screen).</summary>
    public async Task<string[]> WaitForAsync(Func<string[], bool> seen, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var screen = await ScreenAsync();
            if (seen(screen))
            {
                return screen;
            }

            Assert.True(clock.Elapsed < timeout, $"not seen within {timeout.TotalSeconds} s: {what}; the screen:\n{string.Join('\n', screen).TrimEnd()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Types <paramref name="text"/> literally, then Enter.</summary>
    public async Task TypeLineAsync(string text)
    {
        await RunAsync("send-keys", "-t", "test", "-l", text);
        await RunAsync("send-keys", "-t", "test", "Enter");
    }

    private async Task<string> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Tmux) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(socket);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("TMUX");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"tmux {string.Join(' ', args)}: exit {process.ExitCode}: {await error}");
        return await output;
    }

    public void Dispose()
    {
        var info = new ProcessStartInfo(Tmux) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-L", socket, "kill-server" })
        {
            info.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(info)!)
        {
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        if (socketPath is { Length: > 0 } && File.Exists(socketPath))
        {
            File.Delete(socketPath);
        }
    }
}
