using System.Globalization;

namespace Latchkey.Core.Time;

/// <summary>ISO-8601 UTC timestamps with milliseconds, as the API writes them.</summary>
public static class IsoTime
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string Write(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Reads ISO-8601 with or without milliseconds and with any offset.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64 || !char.IsAsciiDigit(text[0]))
        {
            return false;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return false;
        }

        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>Truncates to whole milliseconds: what the store keeps and the API shows.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}
