using Latchkey.Core.Errors;

namespace Latchkey.Core.Users;

/// <summary>A lifecycle operation's outcome: the new status, or the error the real service answers with.</summary>
public readonly record struct Transition(string? NewStatus, ApiError? Error)
{
    public static Transition To(string status) => new(status, null);

    public static Transition Refuse(ApiError error) => new(null, error);
}

/// <summary>
/// The user status machine (okta-api.md section 2 and its verified details). Pure: status in,
/// transition out; the caller applies it and writes the System Log event.
/// </summary>
public static class UserLifecycle
{
    /// <summary>Status of a new user: activate=false gives STAGED; with a password ACTIVE, without one PROVISIONED.</summary>
    public static string StatusAtCreate(bool activate, bool hasPassword) =>
        !activate ? UserStatus.Staged : hasPassword ? UserStatus.Active : UserStatus.Provisioned;

    public static Transition Activate(string status, bool hasPassword) => status switch
    {
        UserStatus.Staged or UserStatus.Deprovisioned =>
            Transition.To(hasPassword ? UserStatus.Active : UserStatus.Provisioned),
        _ => Transition.Refuse(ApiErrors.AlreadyActive()),
    };

    public static Transition Reactivate(string status) => status switch
    {
        UserStatus.Provisioned or UserStatus.Recovery => Transition.To(UserStatus.Provisioned),
        _ => Transition.Refuse(ApiErrors.StatusForbids()),
    };

    public static Transition Deactivate(string status) => status switch
    {
        UserStatus.Deprovisioned => Transition.Refuse(ApiErrors.StatusForbids()),
        _ => Transition.To(UserStatus.Deprovisioned),
    };

    public static Transition Suspend(string status) => status switch
    {
        UserStatus.Active => Transition.To(UserStatus.Suspended),
        _ => Transition.Refuse(ApiErrors.Precondition("status", "Cannot suspend a user that is not active")),
    };

    public static Transition Unsuspend(string status) => status switch
    {
        UserStatus.Suspended => Transition.To(UserStatus.Active),
        _ => Transition.Refuse(ApiErrors.Precondition("status", "Cannot unsuspend a user that is not suspended")),
    };

    public static Transition Unlock(string status) => status switch
    {
        UserStatus.LockedOut => Transition.To(UserStatus.Active),
        _ => Transition.Refuse(ApiErrors.UnlockNotAllowed()),
    };

    public static Transition ExpirePassword(string status, bool hasPassword) => status switch
    {
        UserStatus.Active or UserStatus.PasswordExpired when hasPassword => Transition.To(UserStatus.PasswordExpired),
        _ => Transition.Refuse(ApiErrors.StatusForbids()),
    };

    /// <summary>Sets a temporary password that must be changed: any signed-up status but STAGED/DEPROVISIONED/SUSPENDED.</summary>
    public static Transition ExpirePasswordWithTemporary(string status) => status switch
    {
        UserStatus.Active or UserStatus.PasswordExpired or UserStatus.Recovery or UserStatus.Provisioned or UserStatus.LockedOut
            => Transition.To(UserStatus.PasswordExpired),
        _ => Transition.Refuse(ApiErrors.StatusForbids()),
    };

    public static Transition ResetPassword(string status) => status switch
    {
        UserStatus.Active or UserStatus.PasswordExpired or UserStatus.Recovery or UserStatus.LockedOut
            => Transition.To(UserStatus.Recovery),
        _ => Transition.Refuse(ApiErrors.StatusForbids()),
    };

    /// <summary>Statuses in which the user may sign in (used by the sign-in pipeline later).</summary>
    public static bool CanSignIn(string status) => status is UserStatus.Active or UserStatus.PasswordExpired;
}
