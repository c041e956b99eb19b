using System.Globalization;

namespace Latchkey.Desktop.Profile;

/// <summary>
/// Reads a configuration profile, as JSON (what <c>GET /api/v1/apps/{id}/desktop-mfa/profile</c> returns) or as an XML
/// property list (what MDM deploys for the preference domain), and validates it. Every bad or missing key is named
/// with the reason, all of them at once, so an admin fixes the profile in one go; nothing half-valid is returned.
/// </summary>
public static class ProfileReader
{
    public const string OrgUrlKey = "DMFAOrgURL";
    public const string ClientIdKey = "DMFAClientID";
    public const string ClientSecretKey = "DMFAClientSecret";
    public const string AllowedFactorsKey = "AllowedFactors";
    public const string OfflinePeriodKey = "LoginPeriodWithOfflineFactor";
    public const string NoOfflineFactorPeriodKey = "LoginPeriodWithNoOfflineFactor";

    /// <summary>Ten years: a longer period is a typo, and hours beyond it would overflow nothing but help nobody.</summary>
    public const long MaximumHours = 87_600;

    /// <summary>A profile is a few hundred bytes; anything this large is not one.</summary>
    public const int MaximumBytes = 256 * 1024;

    private static readonly string[] KnownKeys = [OrgUrlKey, ClientIdKey, ClientSecretKey, AllowedFactorsKey, OfflinePeriodKey, NoOfflineFactorPeriodKey];

    public static DesktopProfile Load(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw Error(path, $"there is no file {Path.GetFullPath(path)}: give the profile downloaded from the Desktop MFA app (JSON or plist)");
            }

            if (info.Length > MaximumBytes)
            {
                throw Error(path, $"the file has {info.Length} bytes; a profile has at most {MaximumBytes}: it is not a profile");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(path, $"the file cannot be read: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Reads <paramref name="text"/> as JSON when it starts with '{', as a property list when it starts with '&lt;'.</summary>
    public static DesktopProfile Parse(string text, string source = "the profile")
    {
        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        IReadOnlyDictionary<string, ProfileValue> values = trimmed.StartsWith('{') || trimmed.StartsWith('[') ? JsonProfile.Read(trimmed, source)
            : trimmed.StartsWith('<') ? PlistProfile.Read(trimmed, source)
            : throw Error(source, "it is neither JSON (starting with '{') nor an XML property list (starting with '<')");
        return Validate(values, source);
    }

    public static DesktopProfile Validate(IReadOnlyDictionary<string, ProfileValue> values, string source)
    {
        var problems = new List<string>();
        var orgUrl = Required(values, OrgUrlKey, problems) is { } url ? OrgUrl(url, problems) : null;
        var clientId = Required(values, ClientIdKey, problems) is { } id ? Credential(ClientIdKey, id, problems) : null;
        var clientSecret = Required(values, ClientSecretKey, problems) is { } secret ? Credential(ClientSecretKey, secret, problems) : null;
        var factors = values.TryGetValue(AllowedFactorsKey, out var allowed) ? Factors(allowed, problems) : AllFactors;
        var offline = Hours(values, OfflinePeriodKey, DesktopProfile.DefaultOfflineHours, problems);
        var grace = Hours(values, NoOfflineFactorPeriodKey, DesktopProfile.DefaultNoOfflineFactorHours, problems);
        if (problems.Count > 0 || orgUrl is null || clientId is null || clientSecret is null || factors is null)
        {
            var heading = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
            throw Error(source, $"{heading}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}");
        }

        return new DesktopProfile
        {
            OrgUrl = orgUrl,
            ClientId = clientId,
            ClientSecret = clientSecret,
            AllowedFactors = factors,
            OfflinePeriod = TimeSpan.FromHours(offline),
            NoOfflineFactorPeriod = TimeSpan.FromHours(grace),
        };
    }

    internal static DesktopException Error(string source, string why) =>
        new(ExitCodes.Configuration, $"configuration profile {source}: {why}");

    private static IReadOnlyList<DesktopFactor> AllFactors => [.. DesktopProfile.FactorNames.Select(f => f.Factor)];

    private static ProfileValue? Required(IReadOnlyDictionary<string, ProfileValue> values, string key, List<string> problems)
    {
        if (values.TryGetValue(key, out var value))
        {
            return value;
        }

        var lookalike = values.Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase) && !KnownKeys.Contains(k, StringComparer.Ordinal));
        problems.Add(lookalike is null
            ? $"{key}: missing (it is required)"
            : $"{key}: missing; the profile has \"{lookalike}\" instead (key names are case-sensitive)");
        return null;
    }

    private static Uri? OrgUrl(ProfileValue value, List<string> problems)
    {
        if (value is not ProfileValue.Text { Value: var text })
        {
            problems.Add($"{OrgUrlKey}: must be a string (the org's URL), not {value.Kind}");
            return null;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{OrgUrlKey}: \"{Shown(text)}\" is not an https URL (e.g. https://acme.example.com)");
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            problems.Add($"{OrgUrlKey}: not an https URL (http is allowed only for 127.0.0.1/localhost): {Shown(text)}");
            return null;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            problems.Add($"{OrgUrlKey}: the org's URL has no path, query or user name: give {uri.GetLeftPart(UriPartial.Authority)}, not {Shown(text)}");
            return null;
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority));
    }

    private static string? Credential(string key, ProfileValue value, List<string> problems)
    {
        if (value is not ProfileValue.Text { Value: var text })
        {
            problems.Add($"{key}: must be a string, not {value.Kind}");
            return null;
        }

        if (text.Trim().Length == 0)
        {
            problems.Add($"{key}: empty; copy it from the Desktop MFA app's profile download");
            return null;
        }

        if (text.Trim() != text || text.Any(char.IsControl))
        {
            problems.Add($"{key}: has spaces or control characters around or inside it (a copy-and-paste slip?)");
            return null;
        }

        return text;
    }

    private static List<DesktopFactor>? Factors(ProfileValue value, List<string> problems)
    {
        if (value is ProfileValue.Text { Value: "*" or "" })
        {
            return [.. AllFactors];
        }

        if (value is not ProfileValue.List { Items: var items })
        {
            problems.Add($"{AllowedFactorsKey}: must be a list of method names (or \"*\" for all), not {value.Kind}");
            return null;
        }

        var result = new List<DesktopFactor>();
        var ok = true;
        foreach (var item in items)
        {
            if (item is not ProfileValue.Text { Value: var name })
            {
                problems.Add($"{AllowedFactorsKey}: each entry must be a method name (a string), not {item.Kind}");
                ok = false;
                continue;
            }

            if (name == "*")
            {
                return AllFactors.ToList();
            }

            var known = DesktopProfile.FactorNames.Where(f => f.Name == name).Select(f => (DesktopFactor?)f.Factor).FirstOrDefault();
            if (known is null)
            {
                var hint = DesktopProfile.FactorNames.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).Name;
                problems.Add($"{AllowedFactorsKey}: unknown factor \"{Shown(name)}\"" + (hint is null ? "" : $" (did you mean \"{hint}\"? names are case-sensitive)")
                    + $"; the known ones are {string.Join(", ", DesktopProfile.FactorNames.Select(f => f.Name))}");
                ok = false;
            }
            else if (result.Contains(known.Value))
            {
                problems.Add($"{AllowedFactorsKey}: \"{name}\" is listed twice");
                ok = false;
            }
            else
            {
                result.Add(known.Value);
            }
        }

        return !ok ? null : result.Count == 0 ? AllFactors.ToList() : result;
    }

    private static long Hours(IReadOnlyDictionary<string, ProfileValue> values, string key, long fallback, List<string> problems)
    {
        if (!values.TryGetValue(key, out var value))
        {
            return fallback;
        }

        switch (value)
        {
            case ProfileValue.Integer { Value: < 0 } negative:
                problems.Add($"{key}: {negative.Value} is negative; give hours from 0 to {MaximumHours}" + (key == OfflinePeriodKey ? " (0 turns offline sign-in off)" : ""));
                return fallback;
            case ProfileValue.Integer { Value: > MaximumHours } large:
                problems.Add($"{key}: {large.Value} hours is more than ten years ({MaximumHours}); give hours from 0 to {MaximumHours}");
                return fallback;
            case ProfileValue.Integer whole:
                return whole.Value;
            case ProfileValue.Text { Value: var text } when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _):
                problems.Add($"{key}: must be a whole number of hours, not a string (\"{Shown(text)}\"): write it without quotes (plist: <integer>)");
                return fallback;
            default:
                problems.Add($"{key}: must be a whole number of hours, not {value.Kind}");
                return fallback;
        }
    }

    /// <summary>A value as shown in a message: at most 80 characters, control characters replaced.</summary>
    internal static string Shown(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length <= 80 ? clean : clean[..77] + "...";
    }
}
