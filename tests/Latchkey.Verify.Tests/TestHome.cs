using Latchkey.Verify.Cli;
using Latchkey.Verify.State;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>A fresh, not yet existing home directory under a private temporary folder, deleted afterwards.</summary>
internal sealed class TestHome : IDisposable
{
    private readonly string parent = Directory.CreateTempSubdirectory("latchkey-verify-test-").FullName;

    public string Path => System.IO.Path.Combine(parent, "home");

    public VerifyHome Home(TimeSpan? lockTimeout = null) => new(Path, lockTimeout);

    public void Dispose() => Directory.Delete(parent, recursive: true);
}

/// <summary>One in-process run of the command line with its input, output, exit code and clock.</summary>
internal sealed record CliRun(int Exit, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(string[] args, string input = "", TimeProvider? time = null, string? defaultHome = null,
        HttpMessageHandler? handler = null, CancellationTokenSource? stop = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            In = new StringReader(input),
            Out = TextWriter.Synchronized(output),
            Error = TextWriter.Synchronized(error),
            InputIsTerminal = false,
            OutputIsTerminal = false,
            Time = time ?? TimeProvider.System,
            Handler = handler,
            DefaultHome = defaultHome ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "latchkey-verify-never-used-" + Guid.NewGuid().ToString("N")),
        };
        var exit = await VerifyCommandLine.RunAsync(args, environment, stop?.Token ?? TestContext.Current.CancellationToken);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
