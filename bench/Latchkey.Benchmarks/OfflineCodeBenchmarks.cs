using BenchmarkDotNet.Attributes;
using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Security;

namespace Latchkey.Benchmarks;

/// <summary>
/// Issue 13's target "an offline code check in the agent library under 1 ms": the device access code check with the
/// user's clock-skew table prepared (as the agent keeps it), for a right code, a wrong one (the whole ±12 h search)
/// and one from a clock 5 hours off; and the table's preparation itself, done once per user and secret.
/// </summary>
[MemoryDiagnoser]
public class OfflineCodeBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 9, 0, 10, TimeSpan.Zero);
    private byte[] _secret = null!;
    private ClockSkewTable _table = null!;
    private string _right = null!;
    private string _wrong = null!;
    private string _skewed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _secret = DeviceAccessCodes.NewSecret();
        _table = OfflineCodeVerifier.PrepareSkewTable(_secret, Now);
        _right = DeviceAccessCodes.Code(_secret, DeviceAccessCodes.StepAt(Now));
        _wrong = _right == "000000" ? "111111" : "000000";
        _skewed = DeviceAccessCodes.Code(_secret, DeviceAccessCodes.StepAt(Now.AddHours(5)));
    }

    [Benchmark]
    public OfflineCodeCheck RightCode() => OfflineCodeVerifier.Check(_secret, _right, Now, [], _table);

    [Benchmark]
    public OfflineCodeCheck WrongCode() => OfflineCodeVerifier.Check(_secret, _wrong, Now, [], _table);

    [Benchmark]
    public OfflineCodeCheck SkewedCode() => OfflineCodeVerifier.Check(_secret, _skewed, Now, [], _table);

    [Benchmark]
    public ClockSkewTable PrepareTable() => OfflineCodeVerifier.PrepareSkewTable(_secret, Now);
}
