using System.Globalization;
using Latchkey.Desktop.Profile;

namespace Latchkey.Desktop.Offline;

/// <summary>Whether offline sign-in is possible now, until when, and if not, why and what to do.</summary>
public sealed record OfflineWindow(bool Allowed, DateTimeOffset? Until, string Message);

/// <summary>
/// The offline period: an offline factor works for <c>LoginPeriodWithOfflineFactor</c> hours after the user's last
/// online sign-in on this computer; zero hours turns offline sign-in off. Deny unless inside the period.
/// </summary>
public static class OfflinePeriod
{
    public static OfflineWindow Evaluate(DesktopProfile profile, string login, DateTimeOffset? lastOnlineSignIn, DateTimeOffset now)
    {
        var hours = Hours(profile.OfflinePeriod);
        if (profile.OfflinePeriod <= TimeSpan.Zero)
        {
            return new OfflineWindow(false, null,
                $"offline sign-in is turned off on this computer (the configuration profile sets {ProfileReader.OfflinePeriodKey} to 0): connect to the network and sign in online");
        }

        if (lastOnlineSignIn is not { } last)
        {
            return new OfflineWindow(false, null,
                $"{login} has not signed in online on this computer yet, so offline sign-in has not started: connect to the network and sign in online once");
        }

        var until = last + profile.OfflinePeriod;
        return now < until
            ? new OfflineWindow(true, until, $"offline sign-in works until {Format(until)} ({hours} after the last online sign-in, {Format(last)})")
            : new OfflineWindow(false, until,
                $"the offline period ended on {Format(until)} ({hours} after the last online sign-in, {Format(last)}): connect to the network and sign in " +
                $"online once; offline sign-in then works again for {hours}");
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan period) => period.TotalHours == 1 ? "1 hour" : $"{period.TotalHours:0} hours";
}
