using BenchmarkDotNet.Running;

// `seed-log` writes a large System Log for timing `latchkey log verify` (see LogSeeder); `hash-rate` measures password
// verifications a second (HashRate); `totp-load` drives TOTP verifications through the API (TotpLoad); `push-load` times
// push approvals end to end with enrolled authenticator-app devices (PushLoad); `fastpass-load` drives passwordless FastPass
// sign-ins end to end (FastPassLoad); `desktop-totp-load` drives Desktop MFA online sign-ins with the org account's code
// (DesktopTotpLoad); anything else runs BenchmarkDotNet.
if (args.Length > 0 && args[0] == "seed-log")
{
    return await Latchkey.Benchmarks.LogSeeder.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "hash-rate")
{
    return await Latchkey.Benchmarks.HashRate.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "totp-load")
{
    return await Latchkey.Benchmarks.TotpLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "push-load")
{
    return await Latchkey.Benchmarks.PushLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "fastpass-load")
{
    return await Latchkey.Benchmarks.FastPassLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "desktop-totp-load")
{
    return await Latchkey.Benchmarks.DesktopTotpLoad.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Latchkey.Benchmarks.SystemLogBenchmarks).Assembly).Run(args);
return 0;
