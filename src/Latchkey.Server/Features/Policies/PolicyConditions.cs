using System.Text.Json.Nodes;

namespace Latchkey.Server.Features.Policies;

/// <summary>
/// Validates the <c>conditions</c> of a policy or rule and returns them in normal form. Only conditions Latchkey
/// evaluates are accepted: people, device (registered, managed, assurance), platform and network; an unknown or
/// unsupported condition is refused (a rule that silently ignored one would allow more than its author meant).
/// </summary>
public static class PolicyConditions
{
    public const string People = "people";
    public const string Network = "network";
    public const string Device = "device";
    public const string Platform = "platform";
    public const string AuthProvider = "authProvider";

    public static readonly string[] PlatformTypes = ["DESKTOP", "MOBILE", "ANY", "OTHER"];

    /// <summary>The spec's operating systems plus LINUX (DESIGN.md: platforms).</summary>
    public static readonly string[] OsTypes = ["MACOS", "WINDOWS", "IOS", "ANDROID", "CHROMEOS", "LINUX", "ANY", "OTHER"];

    private static readonly string[] Connections = ["ANYWHERE", "ZONE"];
    private static readonly string[] AuthProviders = ["OKTA", "ACTIVE_DIRECTORY", "ANY"];

    /// <summary>The conditions a rule of <paramref name="ruleType"/> may carry.</summary>
    public static string[] ForRule(string ruleType) => ruleType switch
    {
        PolicyTypes.Access => [People, Network, Device, Platform],
        PolicyTypes.DeviceSignalCollection => [Network, Platform],
        _ => [People, Network],
    };

    /// <summary>The conditions a policy of <paramref name="policyType"/> may carry (an ACCESS_POLICY's live on its rules).</summary>
    public static string[] ForPolicy(string policyType) => policyType switch
    {
        PolicyTypes.Access or PolicyTypes.DeviceSignalCollection => [],
        PolicyTypes.Password => [People, AuthProvider],
        _ => [People],
    };

    /// <summary>The validated conditions (null when absent or empty); failures go to <paramref name="v"/>.</summary>
    public static JsonObject? Read(JsonNode? node, IReadOnlyCollection<string> allowed, PolicyValidation v, string field = "conditions")
    {
        var conditions = v.Object(node, field);
        if (conditions is null || conditions.Count == 0)
        {
            return null;
        }

        v.OnlyKnown(conditions, field, allowed, "condition");
        var result = new JsonObject();
        if (allowed.Contains(People) && v.Object(conditions[People], $"{field}.people") is { } people)
        {
            result[People] = ReadPeople(people, $"{field}.people", v);
        }

        if (allowed.Contains(Network) && v.Object(conditions[Network], $"{field}.network") is { } network)
        {
            result[Network] = ReadNetwork(network, $"{field}.network", v);
        }

        if (allowed.Contains(Device) && v.Object(conditions[Device], $"{field}.device") is { } device)
        {
            result[Device] = ReadDevice(device, $"{field}.device", v);
        }

        if (allowed.Contains(Platform) && v.Object(conditions[Platform], $"{field}.platform") is { } platform)
        {
            result[Platform] = ReadPlatform(platform, $"{field}.platform", v);
        }

        if (allowed.Contains(AuthProvider) && v.Object(conditions[AuthProvider], $"{field}.authProvider") is { } provider)
        {
            result[AuthProvider] = new JsonObject { ["provider"] = v.Enum(provider["provider"], $"{field}.authProvider.provider", AuthProviders) ?? "OKTA" };
        }

        return result.Count == 0 ? null : result;
    }

    private static JsonObject ReadPeople(JsonObject people, string field, PolicyValidation v)
    {
        v.OnlyKnown(people, field, ["users", "groups"], "people condition");
        var result = new JsonObject();
        foreach (var kind in new[] { "users", "groups" })
        {
            if (v.Object(people[kind], $"{field}.{kind}") is { } lists)
            {
                v.OnlyKnown(lists, $"{field}.{kind}", ["include", "exclude"], "list");
                result[kind] = new JsonObject
                {
                    ["include"] = Array(v.Ids(lists["include"], $"{field}.{kind}.include")),
                    ["exclude"] = Array(v.Ids(lists["exclude"], $"{field}.{kind}.exclude")),
                };
            }
        }

        return result;
    }

    private static JsonObject ReadNetwork(JsonObject network, string field, PolicyValidation v)
    {
        v.OnlyKnown(network, field, ["connection", "include", "exclude"], "network condition");
        var connection = v.Enum(network["connection"], $"{field}.connection", Connections);
        if (connection is null && network["connection"] is null)
        {
            v.Fail($"{field}.connection", "The connection is required: ANYWHERE or ZONE.");
        }

        var include = v.Ids(network["include"], $"{field}.include");
        var exclude = v.Ids(network["exclude"], $"{field}.exclude");
        if (connection == "ANYWHERE" && (include.Count > 0 || exclude.Count > 0))
        {
            v.Fail($"{field}.include", "Zones are listed only with connection ZONE.");
        }
        else if (connection == "ZONE" && include.Count == 0 && exclude.Count == 0)
        {
            v.Fail($"{field}.include", "A ZONE connection names zones to include or exclude.");
        }

        var result = new JsonObject { ["connection"] = connection };
        if (connection == "ZONE")
        {
            result["include"] = Array(include);
            result["exclude"] = Array(exclude);
        }

        return result;
    }

    private static JsonObject ReadDevice(JsonObject device, string field, PolicyValidation v)
    {
        v.OnlyKnown(device, field, ["registered", "managed", "assurance"], "device condition");
        var registered = v.Bool(device["registered"], $"{field}.registered");
        var managed = v.Bool(device["managed"], $"{field}.managed");
        if (managed == true && registered != true)
        {
            v.Fail($"{field}.managed", "A managed device must also be registered: set registered to true.");
        }

        var result = new JsonObject();
        if (registered is { } r)
        {
            result["registered"] = r;
        }

        if (managed is { } m)
        {
            result["managed"] = m;
        }

        if (v.Object(device["assurance"], $"{field}.assurance") is { } assurance)
        {
            v.OnlyKnown(assurance, $"{field}.assurance", ["include"], "assurance condition");
            var include = v.Ids(assurance["include"], $"{field}.assurance.include");
            if (include.Count > 0 && registered != true)
            {
                v.Fail($"{field}.assurance.include", "Device assurance applies to registered devices: set registered to true.");
            }

            result["assurance"] = new JsonObject { ["include"] = Array(include) };
        }

        return result;
    }

    private static JsonObject ReadPlatform(JsonObject platform, string field, PolicyValidation v)
    {
        v.OnlyKnown(platform, field, ["include", "exclude"], "platform condition");
        var result = new JsonObject();
        foreach (var list in new[] { "include", "exclude" })
        {
            if (platform[list] is null)
            {
                continue;
            }

            if (platform[list] is not JsonArray entries)
            {
                v.Fail($"{field}.{list}", "The value must be an array of platforms.");
                continue;
            }

            var read = new JsonArray();
            foreach (var (entry, at) in v.Objects(entries, $"{field}.{list}", "The value must be a platform object."))
            {
                v.OnlyKnown(entry, at, ["type", "os"], "platform property");
                var item = new JsonObject { ["type"] = v.Enum(entry["type"], $"{at}.type", PlatformTypes) ?? "ANY" };
                if (v.Object(entry["os"], $"{at}.os") is { } os)
                {
                    // Versions and expressions are not evaluated: refusing them beats a rule that matches every version.
                    v.OnlyKnown(os, $"{at}.os", ["type"], "os property (versions and expressions are not supported yet)");
                    item["os"] = new JsonObject { ["type"] = v.Enum(os["type"], $"{at}.os.type", OsTypes) ?? "ANY" };
                }

                read.Add(item);
            }

            result[list] = read;
        }

        return result;
    }

    private static JsonArray Array(List<string> ids) => new(ids.Select(id => (JsonNode)id).ToArray());
}
