using System.Diagnostics;
using System.Globalization;
using Latchkey.Core.Security;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>hash-rate</c>: how many password verifications a second this machine does at a given PBKDF2 cost with
/// <c>--threads</c> callers at once: the ceiling that a password sign-in can at best reach, since every sign-in verifies
/// one hash. bench/load/signin.sh measures it in the same run as the sign-ins, at the server's cost.
/// <code>dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll hash-rate --threads 16 --seconds 15 --iterations 100000</code>
/// </summary>
internal static class HashRate
{
    public static async Task<int> RunAsync(string[] args)
    {
        var threads = Argument(args, "--threads", 16);
        var seconds = Argument(args, "--seconds", 15);
        var iterations = Argument(args, "--iterations", 100_000);
        var stored = new PasswordHasher(iterations).Hash("correct horse battery staple");
        var until = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        long verified = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                if (!PasswordHasher.Verify("correct horse battery staple", stored))
                {
                    throw new InvalidOperationException("The hash did not verify.");
                }

                Interlocked.Increment(ref verified);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var rate = verified / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hash-rate: {verified} verifications in {clock.Elapsed.TotalSeconds:F1} s with {threads} threads at {iterations} PBKDF2-SHA256 iterations = {rate:F1}/s"));
        return 0;
    }

    private static int Argument(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
