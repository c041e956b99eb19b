using Latchkey.Core.Errors;
using Latchkey.Core.Users;
using Xunit;

namespace Latchkey.Core.Tests.Users;

/// <summary>The user status machine against okta-api.md section 0.2 (verified lifecycle errors) and section 2.</summary>
public sealed class UserLifecycleTests
{
    public static TheoryData<string> StatusesOtherThanActive => AllExcept(UserStatus.Active);

    public static TheoryData<string> StatusesOtherThanSuspended => AllExcept(UserStatus.Suspended);

    public static TheoryData<string> StatusesOtherThanLockedOut => AllExcept(UserStatus.LockedOut);

    public static TheoryData<string> StatusesThatCannotBeReactivated => AllExcept(UserStatus.Provisioned, UserStatus.Recovery);

    public static TheoryData<string> StatusesThatCannotBeActivated => AllExcept(UserStatus.Staged, UserStatus.Deprovisioned);

    public static TheoryData<string> StatusesThatCanBeDeactivated => AllExcept(UserStatus.Deprovisioned);

    // Creation (section 0.2): activate=false -> STAGED; password + activate=true -> ACTIVE; no password + activate=true -> PROVISIONED.

    [Fact]
    public void A_user_created_without_activation_is_staged_whether_or_not_it_has_a_password()
    {
        Assert.Equal(UserStatus.Staged, UserLifecycle.StatusAtCreate(activate: false, hasPassword: false));
        Assert.Equal(UserStatus.Staged, UserLifecycle.StatusAtCreate(activate: false, hasPassword: true));
    }

    [Fact]
    public void A_user_created_with_activation_and_a_password_is_active()
    {
        Assert.Equal(UserStatus.Active, UserLifecycle.StatusAtCreate(activate: true, hasPassword: true));
    }

    [Fact]
    public void A_user_created_with_activation_but_no_password_is_provisioned()
    {
        Assert.Equal(UserStatus.Provisioned, UserLifecycle.StatusAtCreate(activate: true, hasPassword: false));
    }

    // activate: STAGED/DEPROVISIONED -> ACTIVE with a password, PROVISIONED without; ACTIVE -> 403 E0000016.

    [Theory]
    [InlineData(UserStatus.Staged)]
    [InlineData(UserStatus.Deprovisioned)]
    public void Activating_a_user_with_a_password_makes_it_active(string status)
    {
        var transition = UserLifecycle.Activate(status, hasPassword: true);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Active, transition.NewStatus);
    }

    [Theory]
    [InlineData(UserStatus.Staged)]
    [InlineData(UserStatus.Deprovisioned)]
    public void Activating_a_user_without_a_password_makes_it_provisioned(string status)
    {
        var transition = UserLifecycle.Activate(status, hasPassword: false);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Provisioned, transition.NewStatus);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Activating_an_active_user_is_refused_with_403_E0000016(bool hasPassword)
    {
        var transition = UserLifecycle.Activate(UserStatus.Active, hasPassword);

        Assert.Null(transition.NewStatus);
        var error = Assert.IsType<ApiError>(transition.Error);
        Assert.Equal(403, error.Status);
        Assert.Equal("E0000016", error.Code);
        Assert.Equal("Activation failed because the user is already active", error.Summary);
    }

    [Theory]
    [MemberData(nameof(StatusesThatCannotBeActivated))]
    public void Activation_is_refused_from_every_status_but_staged_and_deprovisioned(string status)
    {
        var transition = UserLifecycle.Activate(status, hasPassword: true);

        Assert.Null(transition.NewStatus);
        Assert.NotNull(transition.Error);
    }

    // suspend: ACTIVE -> SUSPENDED; anything else -> 400 E0000001.

    [Fact]
    public void Suspending_an_active_user_makes_it_suspended()
    {
        var transition = UserLifecycle.Suspend(UserStatus.Active);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Suspended, transition.NewStatus);
    }

    [Theory]
    [MemberData(nameof(StatusesOtherThanActive))]
    public void Suspending_a_user_that_is_not_active_is_refused_with_400_E0000001(string status)
    {
        var transition = UserLifecycle.Suspend(status);

        AssertRefused(transition, 400, "E0000001");
        Assert.StartsWith("Api validation failed: ", transition.Error!.Summary, StringComparison.Ordinal);
    }

    // unsuspend: SUSPENDED -> ACTIVE; anything else -> 400 E0000001.

    [Fact]
    public void Unsuspending_a_suspended_user_makes_it_active()
    {
        var transition = UserLifecycle.Unsuspend(UserStatus.Suspended);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Active, transition.NewStatus);
    }

    [Theory]
    [MemberData(nameof(StatusesOtherThanSuspended))]
    public void Unsuspending_a_user_that_is_not_suspended_is_refused_with_400_E0000001(string status)
    {
        var transition = UserLifecycle.Unsuspend(status);

        AssertRefused(transition, 400, "E0000001");
        Assert.StartsWith("Api validation failed: ", transition.Error!.Summary, StringComparison.Ordinal);
    }

    // unlock: LOCKED_OUT -> ACTIVE; anything else -> 403 E0000032 "Unlock is not allowed for this user."

    [Fact]
    public void Unlocking_a_locked_out_user_makes_it_active()
    {
        var transition = UserLifecycle.Unlock(UserStatus.LockedOut);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Active, transition.NewStatus);
    }

    [Theory]
    [MemberData(nameof(StatusesOtherThanLockedOut))]
    public void Unlocking_a_user_that_is_not_locked_out_is_refused_with_403_E0000032(string status)
    {
        var transition = UserLifecycle.Unlock(status);

        AssertRefused(transition, 403, "E0000032");
        Assert.Equal("Unlock is not allowed for this user.", transition.Error!.Summary);
    }

    // reactivate: PROVISIONED/RECOVERY only; anything else -> 403 E0000038 with no causes.

    [Theory]
    [InlineData(UserStatus.Provisioned)]
    [InlineData(UserStatus.Recovery)]
    public void Reactivating_a_provisioned_or_recovering_user_leaves_it_provisioned(string status)
    {
        var transition = UserLifecycle.Reactivate(status);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Provisioned, transition.NewStatus);
    }

    [Theory]
    [MemberData(nameof(StatusesThatCannotBeReactivated))]
    public void Reactivating_from_a_wrong_status_is_refused_with_403_E0000038_and_no_causes(string status)
    {
        var transition = UserLifecycle.Reactivate(status);

        AssertRefused(transition, 403, "E0000038");
        Assert.Equal("This operation is not allowed in the user's current status.", transition.Error!.Summary);
        Assert.Empty(transition.Error.Causes);
    }

    // deactivate: any status but DEPROVISIONED -> DEPROVISIONED (the first DELETE).

    [Theory]
    [MemberData(nameof(StatusesThatCanBeDeactivated))]
    public void Deactivating_a_user_makes_it_deprovisioned(string status)
    {
        var transition = UserLifecycle.Deactivate(status);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Deprovisioned, transition.NewStatus);
    }

    [Fact]
    public void Deactivating_a_deprovisioned_user_is_refused()
    {
        var transition = UserLifecycle.Deactivate(UserStatus.Deprovisioned);

        Assert.Null(transition.NewStatus);
        Assert.NotNull(transition.Error);
    }

    // expire_password -> PASSWORD_EXPIRED; reset_password -> RECOVERY.

    [Fact]
    public void Expiring_the_password_of_an_active_user_with_a_password_makes_it_password_expired()
    {
        var transition = UserLifecycle.ExpirePassword(UserStatus.Active, hasPassword: true);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.PasswordExpired, transition.NewStatus);
    }

    [Fact]
    public void Resetting_the_password_of_an_active_user_puts_it_in_recovery()
    {
        var transition = UserLifecycle.ResetPassword(UserStatus.Active);

        Assert.Null(transition.Error);
        Assert.Equal(UserStatus.Recovery, transition.NewStatus);
    }

    [Fact]
    public void Only_active_and_password_expired_users_may_sign_in()
    {
        var allowed = UserStatus.All.Where(UserLifecycle.CanSignIn).Order(StringComparer.Ordinal);

        Assert.Equal([UserStatus.Active, UserStatus.PasswordExpired], allowed);
    }

    [Fact]
    public void The_status_catalogue_holds_the_eight_wire_statuses()
    {
        string[] expected = ["ACTIVE", "DEPROVISIONED", "LOCKED_OUT", "PASSWORD_EXPIRED", "PROVISIONED", "RECOVERY", "STAGED", "SUSPENDED"];

        Assert.Equal(expected, UserStatus.All.Order(StringComparer.Ordinal));
    }

    private static void AssertRefused(Transition transition, int status, string code)
    {
        Assert.Null(transition.NewStatus);
        var error = Assert.IsType<ApiError>(transition.Error);
        Assert.Equal(status, error.Status);
        Assert.Equal(code, error.Code);
    }

    private static TheoryData<string> AllExcept(params string[] excluded)
    {
        var data = new TheoryData<string>();
        foreach (var status in UserStatus.All.Except(excluded).Order(StringComparer.Ordinal))
        {
            data.Add(status);
        }

        return data;
    }
}
