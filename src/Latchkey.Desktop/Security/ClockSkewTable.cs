namespace Latchkey.Desktop.Security;

/// <summary>
/// The device access codes of a day of steps around one moment, sorted by code, so that finding at which clock offset
/// a code would have been right is a binary search instead of 2,881 HMACs. Built once for a user's secret (a login
/// window builds it when the user is chosen, before the code is typed) and reused while the clock stays within
/// <see cref="Margin"/> steps of the moment it was built for. Used only after the constant-time check of the drift
/// window failed: what its timing could tell (that the code fits some other time) the agent says anyway.
/// </summary>
public sealed class ClockSkewTable
{
    /// <summary>Extra steps on each side (10 minutes), so a table built a little earlier still covers the whole search.</summary>
    public const int Margin = 20;

    private readonly long[] entries;

    private ClockSkewTable(long first, long last, long[] entries)
    {
        First = first;
        Last = last;
        this.entries = entries;
    }

    public long First { get; }

    public long Last { get; }

    /// <summary>The codes of the steps within <paramref name="reach"/> (plus <see cref="Margin"/>) of <paramref name="center"/>.</summary>
    public static ClockSkewTable Build(byte[] secret, long center, long reach)
    {
        var first = center - reach - Margin;
        var last = center + reach + Margin;
        var codes = DeviceAccessCodes.Codes(secret, first, last);
        var entries = new long[codes.Length];
        for (var i = 0; i < codes.Length; i++)
        {
            // The code in the high half and the step's index in the low half: sorted by code, then by step.
            entries[i] = ((long)codes[i] << 32) | (uint)i;
        }

        Array.Sort(entries);
        return new ClockSkewTable(first, last, entries);
    }

    public bool Covers(long from, long to) => from >= First && to <= Last;

    /// <summary>The steps of the table whose code is <paramref name="code"/>, in order.</summary>
    public IEnumerable<long> StepsOf(int code)
    {
        var key = (long)code << 32;
        var index = Array.BinarySearch(entries, key);
        for (var i = index < 0 ? ~index : index; i < entries.Length && entries[i] >> 32 == code; i++)
        {
            yield return First + (uint)entries[i];
        }
    }
}
