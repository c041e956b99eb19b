using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Server.Api;

namespace Latchkey.Benchmarks;

/// <summary>
/// The CPU side of System Log tamper evidence: signing a checkpoint (org, sequence, hash, time), checking its
/// signature, and verifying 1000 stored events (what a checkpoint at the default cadence re-reads first).
/// </summary>
[MemoryDiagnoser]
public class LogCheckpointBenchmarks
{
    private LogSigningKey _key = null!;
    private LogCheckpoint _checkpoint = null!;
    private List<LogChainRow> _rows = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = LogSigningKey.Generate();
        _checkpoint = _key.Sign("00o1234567890abcdefg", 1_000_000, LogChainHasher.Genesis, DateTimeOffset.UnixEpoch);
        _rows = [];
        var previous = LogChainHasher.Genesis;
        for (var sequence = 1L; sequence <= 1000; sequence++)
        {
            var e = SystemLogBenchmarks.SampleEvent() with { Uuid = Guid.NewGuid().ToString(), Published = DateTimeOffset.UnixEpoch.AddSeconds(sequence) };
            var json = JsonSerializer.Serialize(e, ApiJson.Options);
            var hash = LogChainHasher.Next(previous, sequence, json);
            _rows.Add(new LogChainRow(sequence, e.Uuid, e.Published, e.EventType, e.Actor.Id, e.Outcome.Result, json, previous, hash));
            previous = hash;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark]
    public LogCheckpoint SignCheckpoint() => _key.Sign("00o1234567890abcdefg", 1_000_000, LogChainHasher.Genesis, DateTimeOffset.UnixEpoch);

    [Benchmark]
    public CheckpointSignature CheckCheckpoint() => _key.Check(_checkpoint);

    [Benchmark(OperationsPerInvoke = 1000)]
    public LogChainBreak? VerifyEvent()
    {
        var verifier = LogChainVerifier.FromGenesis("00o1234567890abcdefg", _key);
        foreach (var row in _rows)
        {
            verifier.Add(row);
        }

        return verifier.Finish(_rows.Count, _rows[^1].Hash);
    }
}
