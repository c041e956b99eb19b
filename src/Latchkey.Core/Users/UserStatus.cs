namespace Latchkey.Core.Users;

/// <summary>The user statuses of the real service's lifecycle, as they appear on the wire.</summary>
public static class UserStatus
{
    public const string Staged = "STAGED";
    public const string Provisioned = "PROVISIONED";
    public const string Active = "ACTIVE";
    public const string Recovery = "RECOVERY";
    public const string PasswordExpired = "PASSWORD_EXPIRED";
    public const string LockedOut = "LOCKED_OUT";
    public const string Suspended = "SUSPENDED";
    public const string Deprovisioned = "DEPROVISIONED";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Staged, Provisioned, Active, Recovery, PasswordExpired, LockedOut, Suspended, Deprovisioned,
    };
}
