using System.Collections.Concurrent;

namespace Latchkey.Server.Features.RateLimits;

/// <summary>
/// Keeps per-address state bounded when many client addresses come and go: past a size, entries whose window has
/// ended are dropped, at most once every ten seconds so that a flood of new addresses cannot make every call sweep.
/// </summary>
internal sealed class EndedEntries<TKey, TValue>(int sweepAbove, Func<TValue, long> endMilliseconds) where TKey : notnull
{
    private long _nextSweep;

    public void Sweep(ConcurrentDictionary<TKey, TValue> entries, long nowMilliseconds)
    {
        // Time first: Count takes every lock of the dictionary, so it is read at most once every ten seconds.
        var due = Interlocked.Read(ref _nextSweep);
        if (nowMilliseconds < due || Interlocked.CompareExchange(ref _nextSweep, nowMilliseconds + 10_000, due) != due
            || entries.Count <= sweepAbove)
        {
            return;
        }

        foreach (var entry in entries)
        {
            if (endMilliseconds(entry.Value) <= nowMilliseconds)
            {
                entries.TryRemove(entry);
            }
        }
    }
}
