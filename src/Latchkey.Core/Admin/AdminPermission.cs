namespace Latchkey.Core.Admin;

/// <summary>What an admin may do; each Management API endpoint and console action requires one.</summary>
public enum AdminPermission
{
    /// <summary>Enter the admin console at all (any admin role).</summary>
    AccessConsole,
    UsersRead,
    /// <summary>Create users, edit profiles and credentials, delete users.</summary>
    UsersManage,
    /// <summary>Lifecycle: activate, deactivate, suspend, unsuspend, unlock, reset password, expire password, reset factors, clear sessions.</summary>
    UsersLifecycle,
    GroupsRead,
    /// <summary>Create, edit and delete groups and change their members.</summary>
    GroupsManage,
    AppsRead,
    /// <summary>Create, edit, activate, deactivate and delete apps, and assign them to users and groups.</summary>
    AppsManage,
    /// <summary>Read the System Log.</summary>
    LogsRead,
    /// <summary>See who holds which admin role.</summary>
    RolesRead,
    /// <summary>Grant and revoke admin roles.</summary>
    RolesManage,
    /// <summary>Create API tokens and list or revoke one's own.</summary>
    OwnApiTokens,
    /// <summary>List and revoke every admin's API tokens.</summary>
    AllApiTokens,
    /// <summary>See the org's authenticators and their settings.</summary>
    SecurityRead,
    /// <summary>Activate, deactivate and configure the org's authenticators.</summary>
    SecurityManage,
    /// <summary>See the org's devices and who is on each.</summary>
    DevicesRead,
    /// <summary>Activate, suspend, unsuspend, deactivate and delete devices (deactivating one revokes its factors).</summary>
    DevicesManage,
    /// <summary>See the org's policies and their rules, the apps bound to them, and simulate them.</summary>
    PoliciesRead,
    /// <summary>Create, edit, activate, deactivate and delete policies and their rules.</summary>
    PoliciesManage,
}
