using System.Xml;

namespace Latchkey.Core.Policies;

/// <summary>ISO-8601 durations as rules carry them (<c>PT0S</c>, <c>PT2H</c>, <c>P30D</c>): read strictly, shown in words.</summary>
public static class Durations
{
    /// <summary>The duration, or null when <paramref name="text"/> is not an ISO-8601 duration of zero or more (years and months are refused: their length varies).</summary>
    public static TimeSpan? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text[0] != 'P' || text.Contains('Y', StringComparison.Ordinal) || text.AsSpan(0, text.IndexOf('T') is var t and >= 0 ? t : text.Length).Contains('M'))
        {
            return null;
        }

        try
        {
            var span = XmlConvert.ToTimeSpan(text);
            return span >= TimeSpan.Zero ? span : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    public static string Describe(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } when span.TotalDays == Math.Floor(span.TotalDays) => Plural((int)span.TotalDays, "day"),
        { TotalHours: >= 1 } when span.TotalHours == Math.Floor(span.TotalHours) => Plural((int)span.TotalHours, "hour"),
        { TotalMinutes: >= 1 } when span.TotalMinutes == Math.Floor(span.TotalMinutes) => Plural((int)span.TotalMinutes, "minute"),
        _ => Plural((int)span.TotalSeconds, "second"),
    };

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
