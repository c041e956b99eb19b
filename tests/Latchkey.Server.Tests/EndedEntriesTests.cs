using System.Collections.Concurrent;
using Latchkey.Server.Features.RateLimits;

namespace Latchkey.Server.Tests;

/// <summary>Per-address rate-limit state stays bounded when many addresses come and go (token guessing from many addresses).</summary>
public sealed class EndedEntriesTests
{
    private static ConcurrentDictionary<string, long> Entries(int count, long end) =>
        new(Enumerable.Range(0, count).Select(i => KeyValuePair.Create($"10.0.{i / 256}.{i % 256}", end)));

    [Fact]
    public void Past_the_size_entries_whose_window_has_ended_are_dropped_and_live_ones_kept()
    {
        var entries = Entries(150, end: 1_000);
        entries["live"] = 5_000;
        new EndedEntries<string, long>(100, end => end).Sweep(entries, nowMilliseconds: 1_000);
        Assert.Equal(["live"], entries.Keys);
    }

    [Fact]
    public void Below_the_size_nothing_is_dropped()
    {
        var entries = Entries(100, end: 1_000);
        new EndedEntries<string, long>(100, end => end).Sweep(entries, nowMilliseconds: 2_000);
        Assert.Equal(100, entries.Count);
    }

    [Fact]
    public void A_sweep_runs_at_most_once_every_ten_seconds()
    {
        var sweeper = new EndedEntries<string, long>(100, end => end);
        var entries = Entries(150, end: 50_000);
        sweeper.Sweep(entries, nowMilliseconds: 1_000);
        Assert.Equal(150, entries.Count);
        sweeper.Sweep(entries, nowMilliseconds: 60_000);
        Assert.Empty(entries);

        foreach (var (key, value) in Entries(150, end: 61_000))
        {
            entries[key] = value;
        }

        sweeper.Sweep(entries, nowMilliseconds: 69_999);
        Assert.Equal(150, entries.Count);
        sweeper.Sweep(entries, nowMilliseconds: 70_000);
        Assert.Empty(entries);
    }
}
