using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Latchkey.Benchmarks.SystemLogBenchmarks).Assembly).Run(args);
