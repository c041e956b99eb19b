using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.FastPass;
using Latchkey.Verify.State;

namespace Latchkey.Benchmarks;

/// <summary>
/// <c>fastpass-load</c>: passwordless FastPass sign-ins end to end against a running server, as <c>latchkey-verify
/// signin</c> does them (docs/fastpass.md). The setup makes <c>--users</c> users with a password and enrolls the
/// authenticator app for each (latchkey-verify's library, its own home). Then <c>--users</c> workers (one connection each)
/// sign in over and over for <c>--seconds</c> after <c>--warmup</c> seconds not counted: introspect,
/// <c>launch-authenticator</c> (the server signs the challenge with the org key and stores the transaction), the app
/// checks the challenge against the org's JWKS (fetched once, then cached as the app does), signs the answer with its
/// device key and POSTs it (the server verifies it, spends the nonce, logs), the poll finishes the sign-in (session,
/// log); with <c>--keep-sessions</c> the app also saves each session in its state file (an fsync on the client each time). Prints sign-ins per second, their latency, and the server's CPU per sign-in.
/// <code>dotnet bench/Latchkey.Benchmarks/bin/Release/net10.0/Latchkey.Benchmarks.dll fastpass-load --url URL --token T --users 16 --seconds 20</code>
/// </summary>
internal static class FastPassLoad
{
    private const string Password = "Tr0ub4dor&3Kx";

    /// <summary>
    /// <c>--phases</c>: one sign-in at a time, <paramref name="rounds"/> times (after 50 not counted), with the server's CPU
    /// and the wall time of each request: where a FastPass sign-in's time goes.
    /// </summary>
    private static async Task PhasesAsync(LoadTarget target, AuthenticatorApp app, AccountRecord account, int rounds)
    {
        var device = new FastPassDevice(app);
        var names = new[] { "introspect", "launch (challenge signed, transaction stored)", "app: check challenge, sign, POST answer (verified, nonce spent, logged)", "poll (session, log)" };
        var cpu = new double[names.Length];
        var wall = new double[names.Length];
        using var channel = app.Channel(target.Url);
        for (var r = 0; r < rounds + 50; r++)
        {
            var step = 0;
            var ticks = target.ServerTicks();
            var clock = Stopwatch.StartNew();
            void Done()
            {
                if (r >= 50)
                {
                    var now = target.ServerTicks();
                    cpu[step] += now - ticks;
                    wall[step] += clock.Elapsed.TotalMilliseconds;
                    ticks = now;
                }

                clock.Restart();
                step++;
            }

            var (_, start, _) = await channel.IdxAsync($"{target.Url}/idp/idx/introspect", new(), CancellationToken.None);
            var handle = (string)start["stateHandle"]!;
            Done();
            var (_, launched, _) = await channel.IdxAsync($"{target.Url}/idp/idx/authenticators/okta-verify/launch", new() { ["stateHandle"] = handle }, CancellationToken.None);
            Done();
            await device.AnswerAsync((string)launched["authenticatorChallenge"]!["value"]!["challengeRequest"]!, account.Name, CancellationToken.None);
            Done();
            var (_, done, _) = await channel.IdxAsync($"{target.Url}/idp/idx/authenticators/poll", new() { ["stateHandle"] = handle }, CancellationToken.None);
            if (done["success"] is null)
            {
                throw new InvalidOperationException("the poll did not finish the sign-in");
            }

            Done();
        }

        for (var i = 0; i < names.Length; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[i]}: server CPU {cpu[i] * 1000.0 / target.ClockTicks / rounds:F2} ms, wall {wall[i] / rounds:F2} ms"));
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var users = LoadTarget.Number(args, "--users", 16);
        var seconds = LoadTarget.Number(args, "--seconds", 20);
        var warmup = LoadTarget.Number(args, "--warmup", 10);
        // The app's own state file is written with an fsync per session kept: a device's cost, not the server's; off unless asked.
        var keep = args.Contains("--keep-sessions");
        using var target = LoadTarget.FromArgs(args, users);
        using var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = users };
        var homes = Directory.CreateTempSubdirectory("latchkey-fastpass-bench.");
        try
        {
            Console.WriteLine($"setup: {users} users with a password, each with the authenticator app enrolled through latchkey-verify's library");
            var run = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
            var apps = await LoadTarget.SetUpAsync(users, Math.Min(users, 8), 8, async i =>
            {
                var login = $"fastpass-{run}-{i}@example.com";
                await target.CreateUserAsync(login, "FastPass", Password);
                var app = new AuthenticatorApp(new VerifyHome(Path.Combine(homes.FullName, $"{i}")), handler: handler);
                var account = await app.EnrollAsync(target.Url, login, Password, new DeviceDescription("LINUX", "6.1.0", $"bench {login}", null, null, null), CancellationToken.None);
                return (App: app, Account: account, SignIn: new FastPassSignIn(app, new FastPassDevice(app)));
            });

            if (args.Contains("--phases"))
            {
                await PhasesAsync(target, apps[0].App, apps[0].Account, LoadTarget.Number(args, "--rounds", 300));
                return 0;
            }

            Console.WriteLine($"run: {users} workers signing in with FastPass for {warmup} s of warm-up (not counted), then {seconds} s");
            var latencies = new ConcurrentBag<double>();
            var failures = new ConcurrentBag<string>();
            var counting = false;
            var stop = Stopwatch.StartNew();
            var ticksBefore = 0L;
            var measuring = Stopwatch.StartNew();
            var total = TimeSpan.FromSeconds(warmup + seconds);
            var work = apps.Select(async a =>
            {
                while (stop.Elapsed < total)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var session = await a.SignIn.SignInAsync(target.Url, a.Account.Name, CancellationToken.None, keepSession: keep);
                        if (session.UserId != a.Account.UserId)
                        {
                            throw new InvalidOperationException($"signed in {session.UserId}, not {a.Account.UserId}");
                        }

                        if (counting)
                        {
                            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        }
                    }
                    catch (Exception e) when (e is VerifyException or InvalidOperationException or HttpRequestException)
                    {
                        if (counting)
                        {
                            failures.Add(e.Message);
                        }
                    }
                }
            }).ToList();
            await Task.Delay(TimeSpan.FromSeconds(warmup));
            ticksBefore = target.ServerTicks();
            measuring.Restart();
            counting = true;
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            counting = false;
            var elapsed = measuring.Elapsed.TotalSeconds;
            var counted = latencies.Count;
            var cpu = target.CpuPer(ticksBefore, counted + failures.Count, "sign-in (introspect, launch, answer, poll)");
            await Task.WhenAll(work);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fastpass-load: {counted} sign-ins in {elapsed:F1} s = {counted / elapsed:F1} sign-ins/s at {users} connections, {failures.Count} failed"));
            Console.WriteLine(LoadTarget.Summary("FastPass sign-in end to end", latencies));
            if (cpu is not null)
            {
                Console.WriteLine(cpu);
            }

            foreach (var failure in failures.Distinct().Take(5))
            {
                Console.WriteLine($"failed: {failure}");
            }

            return failures.IsEmpty && counted > 0 ? 0 : 1;
        }
        finally
        {
            homes.Delete(recursive: true);
        }
    }
}
