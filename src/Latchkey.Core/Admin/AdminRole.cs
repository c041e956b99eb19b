namespace Latchkey.Core.Admin;

/// <summary>The standard admin roles of the real service, by their API <c>type</c>.</summary>
public static class AdminRole
{
    public const string SuperAdmin = "SUPER_ADMIN";
    public const string OrgAdmin = "ORG_ADMIN";
    public const string UserAdmin = "USER_ADMIN";
    public const string AppAdmin = "APP_ADMIN";
    public const string HelpDeskAdmin = "HELP_DESK_ADMIN";
    public const string ReadOnlyAdmin = "READ_ONLY_ADMIN";

    /// <summary>Every standard role Latchkey grants, in the order the console lists them.</summary>
    public static IReadOnlyList<string> All => Ordered;

    internal static readonly string[] Ordered = [SuperAdmin, OrgAdmin, UserAdmin, AppAdmin, HelpDeskAdmin, ReadOnlyAdmin];

    /// <summary>The label the real service shows for each role.</summary>
    public static string Label(string type) => type switch
    {
        SuperAdmin => "Super Administrator",
        OrgAdmin => "Organization Administrator",
        UserAdmin => "Group Administrator",
        AppAdmin => "Application Administrator",
        HelpDeskAdmin => "Help Desk Administrator",
        ReadOnlyAdmin => "Read Only Administrator",
        _ => type,
    };

    /// <summary>
    /// How the System Log names the role in <c>privilegeGranted</c> / <c>privilegeRevoked</c> (the real service's
    /// wording there differs from the API labels: "Super administrator", "Read only admin").
    /// </summary>
    public static string LogLabel(string type) => type switch
    {
        SuperAdmin => "Super administrator",
        OrgAdmin => "Organization administrator",
        UserAdmin => "User administrator",
        AppAdmin => "Application administrator",
        HelpDeskAdmin => "Help Desk administrator",
        ReadOnlyAdmin => "Read only admin",
        _ => type,
    };

    /// <summary>The roles as the System Log lists them: log labels in the console's order, comma-separated.</summary>
    public static string LogList(IEnumerable<string> types) =>
        string.Join(", ", types.Where(IsKnown).Distinct(StringComparer.Ordinal).OrderBy(Rank).Select(LogLabel));

    public static bool IsKnown(string? type) => type is not null && Rank(type) >= 0;

    /// <summary>Where a role stands in <see cref="All"/> (the order lists show roles in); -1 for an unknown type.</summary>
    public static int Rank(string type) => Array.IndexOf(Ordered, type);
}
