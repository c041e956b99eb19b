using System.Collections.Frozen;

namespace Latchkey.Core.Admin;

/// <summary>
/// The permissions of each standard role, after the real service's documented role permissions: a super admin may do
/// everything; an org admin everything but grant roles or manage other admins' API tokens (it configures the authenticators,
/// manages devices and policies); a group (user) admin manages people and groups; an app admin manages apps and their assignments
/// and reads people and groups; a help desk admin reads people, groups and devices and runs user lifecycle actions only
/// (a device's lifecycle revokes factors of every user on it, so it stays with org and super admins); a read-only admin
/// reads everything and changes nothing.
/// Every admin may enter the console and create, list and revoke their own API tokens.
/// </summary>
public static class AdminPermissions
{
    private static readonly AdminPermission[] EveryAdmin = [AdminPermission.AccessConsole, AdminPermission.OwnApiTokens];

    private static readonly FrozenDictionary<string, FrozenSet<AdminPermission>> ByRole = new Dictionary<string, FrozenSet<AdminPermission>>
    {
        [AdminRole.SuperAdmin] = Enum.GetValues<AdminPermission>().ToFrozenSet(),
        [AdminRole.OrgAdmin] = Of(AdminPermission.UsersRead, AdminPermission.UsersManage, AdminPermission.UsersLifecycle,
            AdminPermission.GroupsRead, AdminPermission.GroupsManage, AdminPermission.AppsRead, AdminPermission.AppsManage,
            AdminPermission.LogsRead, AdminPermission.RolesRead, AdminPermission.SecurityRead, AdminPermission.SecurityManage,
            AdminPermission.DevicesRead, AdminPermission.DevicesManage, AdminPermission.PoliciesRead, AdminPermission.PoliciesManage),
        [AdminRole.UserAdmin] = Of(AdminPermission.UsersRead, AdminPermission.UsersManage, AdminPermission.UsersLifecycle,
            AdminPermission.GroupsRead, AdminPermission.GroupsManage),
        [AdminRole.AppAdmin] = Of(AdminPermission.AppsRead, AdminPermission.AppsManage, AdminPermission.UsersRead, AdminPermission.GroupsRead),
        [AdminRole.HelpDeskAdmin] = Of(AdminPermission.UsersRead, AdminPermission.UsersLifecycle, AdminPermission.GroupsRead, AdminPermission.DevicesRead),
        [AdminRole.ReadOnlyAdmin] = Of(AdminPermission.UsersRead, AdminPermission.GroupsRead, AdminPermission.AppsRead,
            AdminPermission.LogsRead, AdminPermission.RolesRead, AdminPermission.SecurityRead, AdminPermission.DevicesRead, AdminPermission.PoliciesRead),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static FrozenSet<AdminPermission> Of(params AdminPermission[] permissions) => permissions.Concat(EveryAdmin).ToFrozenSet();

    /// <summary>The permissions of a role (none for a type Latchkey does not know).</summary>
    public static IReadOnlySet<AdminPermission> Of(string role) =>
        ByRole.TryGetValue(role, out var set) ? set : FrozenSet<AdminPermission>.Empty;

    /// <summary>The union of the permissions of <paramref name="roles"/>.</summary>
    public static AdminGrant For(IEnumerable<string> roles) => new(roles);
}

/// <summary>An admin's roles (direct or through groups) and what they allow together.</summary>
public sealed class AdminGrant
{
    public static readonly AdminGrant None = new([]);

    private readonly HashSet<AdminPermission> _permissions = [];

    public AdminGrant(IEnumerable<string> roles)
    {
        Roles = roles.Where(AdminRole.IsKnown).Distinct(StringComparer.Ordinal).OrderBy(AdminRole.Rank).ToList();
        foreach (var role in Roles)
        {
            _permissions.UnionWith(AdminPermissions.Of(role));
        }
    }

    public IReadOnlyList<string> Roles { get; }

    /// <summary>True when any admin role is held.</summary>
    public bool IsAdmin => Roles.Count > 0;

    public bool Allows(AdminPermission permission) => _permissions.Contains(permission);
}
