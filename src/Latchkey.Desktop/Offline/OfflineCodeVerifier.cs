using System.Globalization;
using Latchkey.Desktop.Security;

namespace Latchkey.Desktop.Offline;

public enum OfflineCodeResult
{
    /// <summary>The default: a check that did not positively pass has failed.</summary>
    Wrong,
    Accepted,
    Malformed,
    Replayed,
    ClockSkew,
}

/// <summary>The outcome of one device access code: the step it matched, the clock offset it reveals, and the message for the person.</summary>
public sealed record OfflineCodeCheck(OfflineCodeResult Result, string Message, long? Step = null, TimeSpan? ClockOffset = null)
{
    public bool IsAccepted => Result == OfflineCodeResult.Accepted;
}

/// <summary>
/// Checks a device access code on this computer with no network (scenario A3). Stateless: the caller passes the
/// secret, the steps already used and the time, and stores the accepted step. Accepts the current step and one step
/// either side (RFC 6238 section 5.2 drift window); refuses a step at or before one already used (section 5.2: a
/// code is accepted once); and when the code is wrong now but right at a clock offset of up to
/// <see cref="SkewSearch"/>, says that the computer's clock is off and by about how much, instead of "incorrect".
/// </summary>
public static class OfflineCodeVerifier
{
    public static readonly TimeSpan SkewSearch = TimeSpan.FromHours(12);

    /// <summary>Longer input is refused before anything else is done with it.</summary>
    public const int MaximumInputLength = 32;

    private static readonly long SkewSteps = (long)SkewSearch.TotalSeconds / DeviceAccessCodes.StepSeconds;

    /// <summary>
    /// Checks <paramref name="input"/>. <paramref name="skewTable"/> is the secret's <see cref="ClockSkewTable"/> when the
    /// caller keeps one (see <see cref="PrepareSkewTable"/>); without one, or when it no longer covers the search, a new one is built.
    /// </summary>
    public static OfflineCodeCheck Check(byte[] secret, string? input, DateTimeOffset now, IReadOnlyCollection<long> usedSteps, ClockSkewTable? skewTable = null)
    {
        if (Malformed(input) is { } malformed)
        {
            return new OfflineCodeCheck(OfflineCodeResult.Malformed, malformed);
        }

        var code = Normalize(input!);
        var current = DeviceAccessCodes.StepAt(now);
        var step = DeviceAccessCodes.Match(secret, code, current - 1, current + 1);
        if (step is { } matched)
        {
            var lastUsed = usedSteps.Count == 0 ? long.MinValue : usedSteps.Max();
            return matched <= lastUsed
                ? new OfflineCodeCheck(OfflineCodeResult.Replayed,
                    "this device access code was already used: wait for the next code in the authenticator app (a new one every 30 seconds) and enter it", matched)
                : new OfflineCodeCheck(OfflineCodeResult.Accepted, "device access code accepted", matched);
        }

        if (skewTable is null || !skewTable.Covers(current - SkewSteps, current + SkewSteps))
        {
            skewTable = PrepareSkewTable(secret, now);
        }

        var candidates = skewTable.StepsOf(int.Parse(code, CultureInfo.InvariantCulture))
            .Where(s => Math.Abs(s - current) > 1 && Math.Abs(s - current) <= SkewSteps)
            .OrderBy(s => Math.Abs(s - current))
            .ToList();
        if (candidates.Count > 0)
        {
            var offset = TimeSpan.FromSeconds((candidates[0] - current) * DeviceAccessCodes.StepSeconds);
            return new OfflineCodeCheck(OfflineCodeResult.ClockSkew, ClockSkewMessage(offset), candidates[0], offset);
        }

        return new OfflineCodeCheck(OfflineCodeResult.Wrong,
            "wrong device access code: use the code of this computer's \"Device access code\" account in the authenticator app, " +
            "not the org account's code or another computer's");
    }

    /// <summary>The table of the clock-skew search around <paramref name="now"/>, to build before the code is typed and pass to <see cref="Check"/>.</summary>
    public static ClockSkewTable PrepareSkewTable(byte[] secret, DateTimeOffset now) =>
        ClockSkewTable.Build(secret, DeviceAccessCodes.StepAt(now), SkewSteps);

    /// <summary>
    /// The message for a code that is right at <paramref name="offset"/> from this computer's clock: a positive offset
    /// means the authenticator app is ahead, so this computer's clock is behind.
    /// </summary>
    public static string ClockSkewMessage(TimeSpan offset) =>
        $"this computer's clock is about {Describe(offset.Duration())} off ({(offset > TimeSpan.Zero ? "behind" : "ahead of")} the authenticator app's); " +
        "set the correct time (System Settings > General > Date & Time), then enter a new code";

    /// <summary>"37 minutes", "5 hours", "11 hours 50 minutes": to the nearest minute (a code's step is 30 seconds).</summary>
    public static string Describe(TimeSpan duration)
    {
        var minutes = (long)Math.Round(duration.TotalMinutes, MidpointRounding.AwayFromZero);
        var hours = minutes / 60;
        minutes %= 60;
        var minutesText = minutes == 1 ? "1 minute" : $"{minutes} minutes";
        if (hours == 0)
        {
            return minutesText;
        }

        var hoursText = hours == 1 ? "1 hour" : $"{hours} hours";
        return minutes == 0 ? hoursText : $"{hoursText} {minutesText}";
    }

    /// <summary>Why the input cannot be a device access code (too long, not digits, wrong length), or null when it can.</summary>
    public static string? Malformed(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return "no device access code was entered: enter the 6 digits the authenticator app shows";
        }

        if (input.Length > MaximumInputLength)
        {
            return $"that is not a device access code: it has {input.Length} characters, a code has {DeviceAccessCodes.Digits} digits";
        }

        var code = Normalize(input);
        if (!code.All(char.IsAsciiDigit))
        {
            return $"that is not a device access code: a code has only digits (0-9), {DeviceAccessCodes.Digits} of them";
        }

        return code.Length != DeviceAccessCodes.Digits
            ? $"that is not a device access code: it has {code.Length} digits, a code has {DeviceAccessCodes.Digits}"
            : null;
    }

    /// <summary>The code without the spaces people type in the middle ("123 456").</summary>
    private static string Normalize(string input) => input.Replace(" ", "", StringComparison.Ordinal).Trim();
}
