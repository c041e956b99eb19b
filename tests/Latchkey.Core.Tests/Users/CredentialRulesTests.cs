using Latchkey.Core.Users;
using Xunit;

namespace Latchkey.Core.Tests.Users;

/// <summary>Who may change which credential, with the real service's refusal codes.</summary>
public sealed class CredentialRulesTests
{
    [Theory]
    [InlineData(UserStatus.Staged)]
    [InlineData(UserStatus.Active)]
    [InlineData(UserStatus.PasswordExpired)]
    [InlineData(UserStatus.Recovery)]
    public void A_user_with_a_password_may_change_it_in_the_documented_statuses(string status)
    {
        Assert.Null(CredentialRules.ChangePassword(status, hasPassword: true));
    }

    [Theory]
    [InlineData(UserStatus.Provisioned)]
    [InlineData(UserStatus.Suspended)]
    [InlineData(UserStatus.LockedOut)]
    [InlineData(UserStatus.Deprovisioned)]
    public void Other_statuses_may_not_change_the_password_403_E0000035(string status)
    {
        Assert.Equal("E0000035", CredentialRules.ChangePassword(status, hasPassword: true)?.Code);
        Assert.Equal(403, CredentialRules.ChangePassword(status, hasPassword: true)?.Status);
    }

    [Fact]
    public void A_user_without_a_password_may_change_neither_the_password_nor_the_recovery_question()
    {
        Assert.Equal("E0000035", CredentialRules.ChangePassword(UserStatus.Active, hasPassword: false)?.Code);
        Assert.Equal("E0000036", CredentialRules.ChangeRecoveryQuestion(UserStatus.Active, hasPassword: false)?.Code);
    }

    [Fact]
    public void An_expired_password_may_not_be_used_to_change_the_recovery_question()
    {
        Assert.Equal("E0000036", CredentialRules.ChangeRecoveryQuestion(UserStatus.PasswordExpired, hasPassword: true)?.Code);
        Assert.Null(CredentialRules.ChangeRecoveryQuestion(UserStatus.Recovery, hasPassword: true));
    }

    [Fact]
    public void Forgot_password_needs_an_active_user_with_a_recovery_question()
    {
        Assert.Null(CredentialRules.ForgotPassword(UserStatus.Active, hasRecoveryQuestion: true));
        Assert.Equal(["Recovery credential not set."], CredentialRules.ForgotPassword(UserStatus.Active, hasRecoveryQuestion: false)?.Causes);
        Assert.Equal("E0000034", CredentialRules.ForgotPassword(UserStatus.Recovery, hasRecoveryQuestion: true)?.Code);
        Assert.Null(CredentialRules.ResetWithRecoveryAnswer(UserStatus.Recovery, hasRecoveryQuestion: true));
        Assert.Equal("E0000034", CredentialRules.ResetWithRecoveryAnswer(UserStatus.Suspended, hasRecoveryQuestion: true)?.Code);
    }

    [Theory]
    [InlineData(UserStatus.PasswordExpired, UserStatus.Active)]
    [InlineData(UserStatus.Recovery, UserStatus.Active)]
    [InlineData(UserStatus.Active, UserStatus.Active)]
    [InlineData(UserStatus.Staged, UserStatus.Staged)]
    public void A_new_password_ends_an_expired_password_and_a_recovery(string before, string after)
    {
        Assert.Equal(after, CredentialRules.StatusAfterNewPassword(before));
    }
}
