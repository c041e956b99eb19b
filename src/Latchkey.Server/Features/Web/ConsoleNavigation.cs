using Latchkey.Core.Admin;

namespace Latchkey.Server.Features.Web;

/// <summary>One link of the console's navigation: shown to admins whose roles allow <see cref="Reads"/>.</summary>
public sealed record ConsoleLink(string Section, string Group, string Label, string Href, AdminPermission Reads);

/// <summary>
/// The admin console's navigation, in order. Each capability adds its section here when it brings its pages.
/// </summary>
public static class ConsoleNavigation
{
    public const string Dashboard = "dashboard";
    public const string People = "people";
    public const string Groups = "groups";
    public const string Devices = "devices";
    public const string Applications = "applications";
    public const string ApiTokens = "api-tokens";
    public const string Authenticators = "authenticators";
    public const string SystemLog = "system-log";
    public const string AccessTesting = "access-testing";
    public const string Policies = "policies";
    public const string DeviceIntegrations = "device-integrations";
    public const string DesktopMfa = "desktop-mfa";
    public const string DesktopMfaReadiness = "desktop-mfa-readiness";

    public static readonly IReadOnlyList<ConsoleLink> Links =
    [
        new(Dashboard, "", "Overview", "/admin", AdminPermission.AccessConsole),
        new(People, "Directory", "People", "/admin/people", AdminPermission.UsersRead),
        new(Groups, "Directory", "Groups", "/admin/groups", AdminPermission.GroupsRead),
        new(Devices, "Directory", "Devices", "/admin/devices", AdminPermission.DevicesRead),
        new(DesktopMfaReadiness, "Directory", "Desktop MFA readiness", "/admin/devices/desktop-mfa-readiness", AdminPermission.DevicesRead),
        new(Applications, "Applications", "Applications", "/admin/apps", AdminPermission.AppsRead),
        new(DesktopMfa, "Applications", "Desktop MFA", "/admin/security/desktop-mfa", AdminPermission.AppsRead),
        new(Authenticators, "Security", "Authenticators", "/admin/security/authenticators", AdminPermission.SecurityRead),
        new(Policies, "Security", "Authentication Policies", "/admin/policies", AdminPermission.PoliciesRead),
        new(AccessTesting, "Security", "Access testing", "/admin/access-testing", AdminPermission.PoliciesRead),
        new(DeviceIntegrations, "Security", "Device Integrations", "/admin/security/device-integrations", AdminPermission.SecurityRead),
        new(ApiTokens, "Security", "API tokens", "/admin/api-tokens", AdminPermission.OwnApiTokens),
        new(SystemLog, "Reports", "System Log", "/admin/system-log", AdminPermission.LogsRead),
    ];
}
