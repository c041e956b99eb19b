using System.Text.RegularExpressions;

namespace Latchkey.Server.Hosting;

/// <summary>
/// Separates configuration overrides (<c>--Latchkey:DataDir=/var/lib/latchkey</c>, <c>--urls=http://...</c> or
/// <c>--urls http://...</c>)
/// from the command line proper, so that commands and options are parsed strictly (an unknown option is an
/// error) while every configuration key stays settable from the command line, as in any ASP.NET Core app.
/// </summary>
public static partial class ConfigurationArguments
{
    /// <summary>Host settings without a section (WebApplicationFactory passes these too).</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "http_ports", "https_ports", "environment", "contentRoot", "applicationName", "webroot",
        "detailedErrors", "shutdownTimeoutSeconds", "preventHostingStartup", "hostingStartupAssemblies",
        "hostingStartupExcludeAssemblies", "suppressStatusMessages", "AllowedHosts",
    };

    /// <summary>Configuration sections that may be set from the command line.</summary>
    private static readonly string[] Sections = ["Latchkey", "Logging", "Kestrel", "ConnectionStrings"];

    public static (string[] Settings, string[] Others) Split(IReadOnlyList<string> args)
    {
        var settings = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (IsSetting(arg))
            {
                settings.Add(arg);
            }
            else if (i + 1 < args.Count && !LooksLikeOption(args[i + 1]) && IsSetting($"{arg}={args[i + 1]}"))
            {
                settings.Add($"{arg}={args[++i]}"); // the space form: --urls http://127.0.0.1:9090
            }
            else
            {
                rest.Add(arg);
            }
        }

        return (settings.ToArray(), rest.ToArray());
    }

    /// <summary>An option rather than a value: <c>-x</c> or <c>--x</c>, but not a negative number such as <c>-5</c>.</summary>
    private static bool LooksLikeOption(string arg) => arg.Length > 1 && arg[0] == '-' && !char.IsAsciiDigit(arg[1]);

    /// <summary><c>--Key=value</c> where Key is a host setting or lies in a known section (<c>Latchkey:...</c>).</summary>
    public static bool IsSetting(string arg)
    {
        var match = Setting().Match(arg);
        if (!match.Success)
        {
            return false;
        }

        var key = match.Groups["key"].Value;
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        var section = colon < 0 ? key : key[..colon];
        return (colon < 0 && HostKeys.Contains(key)) || Sections.Contains(section, StringComparer.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"^--?(?<key>[A-Za-z_][A-Za-z0-9_.]*(?::[A-Za-z0-9_.]+)*)=", RegexOptions.CultureInvariant)]
    private static partial Regex Setting();
}
