using System.Collections.Concurrent;

namespace Latchkey.Server.Features.RateLimits;

/// <summary>
/// Client addresses blocked until a window ends (epoch seconds), in this node's memory so that a blocked address is
/// refused before any database work. Past 1,000 blocked addresses, those whose block has ended go.
/// </summary>
public sealed class AddressBlocks(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _blockedUntil = new(StringComparer.Ordinal);
    private readonly EndedEntries<string, long> _ended = new(1_000, until => until * 1000);

    /// <summary>True, with the end of the block, while <paramref name="address"/> is blocked.</summary>
    public bool IsBlocked(string address, out long until)
    {
        if (!_blockedUntil.TryGetValue(address, out until))
        {
            return false;
        }

        if (until * 1000 > time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return true;
        }

        _blockedUntil.TryRemove(KeyValuePair.Create(address, until));
        return false;
    }

    public void Block(string address, long until)
    {
        _ended.Sweep(_blockedUntil, time.GetUtcNow().ToUnixTimeMilliseconds());
        _blockedUntil[address] = until;
    }

    /// <summary>Whole seconds until <paramref name="until"/> (epoch seconds), at least 1: the <c>Retry-After</c> value.</summary>
    public long RetryAfterSeconds(long until) =>
        Math.Max(1, (until * 1000 - time.GetUtcNow().ToUnixTimeMilliseconds() + 999) / 1000);
}
