using System.Diagnostics;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>The result of one run of the <c>latchkey</c> executable.</summary>
public sealed record ProcessRun(int ExitCode, string Output, string Error);

/// <summary>
/// Runs the real <c>latchkey</c> executable (<c>dotnet latchkey.dll ...</c>) in a working directory of the
/// test's choosing, as an operator would. The dll is <c>LATCHKEY_SERVER_DLL</c> when set (the test script
/// sets it to the Release build), else the copy beside the tests. Every run is bounded in time.
/// </summary>
public static class LatchkeyExecutable
{
    public static string Dll =>
        Environment.GetEnvironmentVariable("LATCHKEY_SERVER_DLL") is { Length: > 0 } dll ? dll : Path.Combine(AppContext.BaseDirectory, "latchkey.dll");

    public static async Task<ProcessRun> RunAsync(string workingDirectory, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var process = new Process { StartInfo = StartInfo(workingDirectory, args, environment) };
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"latchkey {string.Join(' ', args)} did not exit in time; output: {await output} {await error}");
        }

        return new ProcessRun(process.ExitCode, await output, await error);
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The runs must not pick up the test runner's own configuration of the server.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Latchkey__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>A fresh, empty directory under the system temp folder.</summary>
    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "latchkey-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
