using BenchmarkDotNet.Attributes;
using Latchkey.Core.Authenticators.Totp;

namespace Latchkey.Benchmarks;

/// <summary>The factor check outside the database: one TOTP code against the drift window (three steps), right and wrong.</summary>
[MemoryDiagnoser]
public class TotpBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 10, TimeSpan.Zero);
    private byte[] _secret = null!;
    private string _right = null!;

    [GlobalSetup]
    public void Setup()
    {
        _secret = TotpVerifier.NewSecret();
        _right = TotpVerifier.Code(_secret, TotpVerifier.StepAt(Now, TotpPolicy.Default), TotpPolicy.Default);
    }

    [Benchmark]
    public TotpCheck RightCode() => TotpVerifier.Check(_secret, _right, Now, TotpFactorState.New, TotpPolicy.Default);

    [Benchmark]
    public TotpCheck WrongCode() => TotpVerifier.Check(_secret, _right == "000000" ? "111111" : "000000", Now, TotpFactorState.New, TotpPolicy.Default);
}
