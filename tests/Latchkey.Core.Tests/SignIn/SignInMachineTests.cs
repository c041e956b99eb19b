using Latchkey.Core.SignIn;
using Latchkey.Core.Users;
using Xunit;

namespace Latchkey.Core.Tests.SignIn;

/// <summary>The sign-in state machine with fixed times (okta-api.md section 5.4 lockout, section 10.4 IDX steps).</summary>
public sealed class SignInMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static SignInState AtPassword(string? userId = "00u1") =>
        SignInMachine.Identify(SignInMachine.Start(T0), "jane@example.com", userId, T0);

    private static SignInUser User(string status = UserStatus.Active, int failed = 0, DateTimeOffset? changed = null) =>
        new("00u1", status, failed, changed ?? T0);

    [Fact]
    public void A_new_transaction_waits_for_the_username_and_expires_after_ten_minutes()
    {
        var state = SignInMachine.Start(T0);
        Assert.Equal(SignInStep.Identify, state.Step);
        Assert.True(SignInMachine.Accepts(state, SignInStep.Identify, T0.AddMinutes(9)));
        Assert.False(SignInMachine.Accepts(state, SignInStep.Identify, T0.AddMinutes(10)));
    }

    [Fact]
    public void Identifying_leads_to_the_password_step_whether_or_not_a_user_has_the_identifier()
    {
        var known = AtPassword("00u1");
        var unknown = AtPassword(null);
        Assert.Equal(SignInStep.Password, known.Step);
        Assert.Equal(SignInStep.Password, unknown.Step);
        Assert.Equal(known.ExpiresAt, unknown.ExpiresAt);
    }

    [Fact]
    public void The_right_password_of_an_active_user_succeeds_and_clears_the_failure_count()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(), User(failed: 4), true, LockoutPolicy.Default, T0.AddMinutes(1));
        Assert.True(verdict.Accepted);
        Assert.Equal(SignInStep.Success, verdict.State.Step);
        Assert.Equal(0, verdict.FailedPasswordAttempts);
        Assert.Null(verdict.RefusalReason);
    }

    [Fact]
    public void A_wrong_password_is_counted_and_the_transaction_stays_at_the_password_step()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(), User(failed: 2), false, LockoutPolicy.Default, T0);
        Assert.False(verdict.Accepted);
        Assert.Equal(SignInStep.Password, verdict.State.Step);
        Assert.Equal(3, verdict.FailedPasswordAttempts);
        Assert.Equal(SignInReasons.InvalidCredentials, verdict.RefusalReason);
        Assert.False(verdict.LockedNow);
    }

    [Fact]
    public void The_tenth_wrong_password_in_a_row_locks_the_user_out_under_the_default_policy()
    {
        var ninth = SignInMachine.AnswerPassword(AtPassword(), User(failed: 8), false, LockoutPolicy.Default, T0);
        Assert.False(ninth.LockedNow);
        var tenth = SignInMachine.AnswerPassword(AtPassword(), User(failed: 9), false, LockoutPolicy.Default, T0);
        Assert.True(tenth.LockedNow);
        Assert.Equal(UserStatus.LockedOut, tenth.NewUserStatus);
        Assert.Equal(10, tenth.FailedPasswordAttempts);
    }

    [Fact]
    public void A_policy_with_no_maximum_never_locks()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(), User(failed: 500), false, new LockoutPolicy(MaxAttempts: 0), T0);
        Assert.False(verdict.LockedNow);
    }

    [Fact]
    public void A_locked_user_is_refused_even_with_the_right_password_and_stays_locked_without_auto_unlock()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(), User(UserStatus.LockedOut, 10, T0.AddDays(-30)), true,
            LockoutPolicy.Default, T0);
        Assert.False(verdict.Accepted);
        Assert.Equal(SignInReasons.LockedOut, verdict.RefusalReason);
        Assert.Null(verdict.NewUserStatus);
        Assert.Equal(10, verdict.FailedPasswordAttempts);
    }

    [Fact]
    public void An_auto_unlock_policy_unlocks_once_its_minutes_have_passed_since_the_lock()
    {
        var policy = new LockoutPolicy(MaxAttempts: 3, AutoUnlockMinutes: 30);
        var locked = User(UserStatus.LockedOut, 3, T0.AddMinutes(-30));
        var early = SignInMachine.AnswerPassword(AtPassword(), locked, true, policy, T0.AddSeconds(-1));
        Assert.Equal(SignInReasons.LockedOut, early.RefusalReason);
        var due = SignInMachine.AnswerPassword(AtPassword(), locked, true, policy, T0);
        Assert.True(due.Accepted);
        Assert.Equal(UserStatus.Active, due.NewUserStatus);
    }

    [Theory]
    [InlineData(UserStatus.Suspended, SignInReasons.UserSuspended)]
    [InlineData(UserStatus.Deprovisioned, SignInReasons.UserDeprovisioned)]
    [InlineData(UserStatus.Staged, SignInReasons.UserNotActive)]
    [InlineData(UserStatus.Provisioned, SignInReasons.UserNotActive)]
    [InlineData(UserStatus.Recovery, SignInReasons.UserNotActive)]
    public void A_user_who_may_not_sign_in_is_refused_with_the_real_reason_and_nothing_counted(string status, string reason)
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(), User(status, 1), true, LockoutPolicy.Default, T0);
        Assert.False(verdict.Accepted);
        Assert.Equal(reason, verdict.RefusalReason);
        Assert.Equal(1, verdict.FailedPasswordAttempts);
        Assert.Equal(SignInStep.Password, verdict.State.Step);
    }

    [Fact]
    public void An_unknown_identifier_is_refused_as_unknown_whatever_the_password()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(null), null, false, LockoutPolicy.Default, T0);
        Assert.False(verdict.Accepted);
        Assert.Equal(SignInReasons.UnknownUser, verdict.RefusalReason);
    }

    [Fact]
    public void A_user_other_than_the_one_identified_is_treated_as_unknown()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword("00u2"), User(), true, LockoutPolicy.Default, T0);
        Assert.False(verdict.Accepted);
        Assert.Equal(SignInReasons.UnknownUser, verdict.RefusalReason);
    }

    [Fact]
    public void An_expired_password_leads_to_a_new_password_step_and_then_to_success()
    {
        var verdict = SignInMachine.AnswerPassword(AtPassword(), User(UserStatus.PasswordExpired), true, LockoutPolicy.Default, T0);
        Assert.True(verdict.MustChangePassword);
        Assert.Equal(SignInStep.ChangePassword, verdict.State.Step);
        var done = SignInMachine.PasswordChanged(verdict.State, T0.AddMinutes(2));
        Assert.Equal(SignInStep.Success, done.Step);
    }

    [Fact]
    public void Each_step_extends_the_expiry_but_never_past_one_hour_after_the_start()
    {
        var state = AtPassword();
        for (var minute = 5; minute <= 55; minute += 5)
        {
            state = SignInMachine.AnswerPassword(state, User(), false, new LockoutPolicy(0), T0.AddMinutes(minute)).State;
        }

        Assert.Equal(T0.AddHours(1), state.ExpiresAt);
        Assert.False(SignInMachine.Accepts(state, SignInStep.Password, T0.AddHours(1)));
    }

    [Fact]
    public void A_transition_from_the_wrong_step_or_after_expiry_throws()
    {
        var start = SignInMachine.Start(T0);
        Assert.Throws<InvalidOperationException>(() => SignInMachine.AnswerPassword(start, User(), true, LockoutPolicy.Default, T0));
        Assert.Throws<InvalidOperationException>(() => SignInMachine.Identify(start, "x", null, T0.AddMinutes(11)));
        Assert.Throws<InvalidOperationException>(() => SignInMachine.PasswordChanged(AtPassword(), T0));
    }

    [Fact]
    public void A_caller_asking_for_a_second_factor_gets_the_authenticator_step_after_the_right_password_and_only_then_success()
    {
        var start = SignInMachine.Start(T0, SignInAssurance.TwoFactor);
        var atPassword = SignInMachine.Identify(start, "jane@example.com", "00u1", T0);
        Assert.Equal(SignInAssurance.TwoFactor, atPassword.Assurance);
        var verdict = SignInMachine.AnswerPassword(atPassword, User(), true, LockoutPolicy.Default, T0);
        Assert.True(verdict.Accepted);
        Assert.Equal(SignInStep.SelectAuthenticator, verdict.State.Step);

        var chosen = SignInMachine.ChooseFactor(verdict.State, "opf1", "v2m1", T0.AddMinutes(1));
        Assert.Equal((SignInStep.Authenticator, "opf1", "v2m1"), (chosen.Step, chosen.FactorId, chosen.ChallengeId));
        var other = SignInMachine.ChooseFactor(chosen, "ost1", null, T0.AddMinutes(2));
        Assert.Equal(("ost1", (string?)null), (other.FactorId, other.ChallengeId));
        var done = SignInMachine.FactorVerified(other, T0.AddMinutes(3));
        Assert.Equal(SignInStep.Success, done.Step);
        Assert.Null(done.FactorId);

        var back = SignInMachine.FactorAbandoned(chosen, T0.AddMinutes(2));
        Assert.Equal(SignInStep.SelectAuthenticator, back.Step);
        Assert.Throws<InvalidOperationException>(() => SignInMachine.FactorVerified(back, T0.AddMinutes(2)));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("urn:okta:loa:1fa:any", false)]
    [InlineData("urn:okta:loa:2fa:any", true)]
    [InlineData("urn:okta:loa:1fa:pwd urn:okta:loa:2fa:any", true)]
    public void Only_the_two_factor_acr_value_asks_for_a_second_factor(string? acr, bool asks)
    {
        Assert.Equal(asks, SignInAssurance.AsksSecondFactor(acr));
        var verdict = SignInMachine.AnswerPassword(SignInMachine.Identify(SignInMachine.Start(T0, acr), "j", "00u1", T0), User(), true, LockoutPolicy.Default, T0);
        Assert.Equal(asks ? SignInStep.SelectAuthenticator : SignInStep.Success, verdict.State.Step);
    }

    [Theory]
    [InlineData(null, "urn:okta:loa:2fa:any")]
    [InlineData("", "urn:okta:loa:2fa:any")]
    [InlineData("urn:okta:loa:1fa:pwd", "urn:okta:loa:1fa:pwd urn:okta:loa:2fa:any")]
    [InlineData("urn:okta:loa:2fa:any", "urn:okta:loa:2fa:any")]
    public void A_sign_on_policy_that_requires_a_factor_adds_the_two_factor_value_once(string? acr, string expected)
    {
        var combined = SignInAssurance.WithSecondFactor(acr);
        Assert.Equal(expected, combined);
        Assert.True(SignInAssurance.AsksSecondFactor(combined));
    }

    [Fact]
    public void An_expired_password_is_changed_before_the_second_factor()
    {
        var atPassword = SignInMachine.Identify(SignInMachine.Start(T0, SignInAssurance.TwoFactor), "j", "00u1", T0);
        var verdict = SignInMachine.AnswerPassword(atPassword, User(UserStatus.PasswordExpired), true, LockoutPolicy.Default, T0);
        Assert.Equal(SignInStep.ChangePassword, verdict.State.Step);
        Assert.Equal(SignInStep.SelectAuthenticator, SignInMachine.PasswordChanged(verdict.State, T0).Step);
    }

    [Fact]
    public void No_factor_can_be_chosen_before_the_password_and_none_answered_after_the_transaction_expired()
    {
        var atPassword = SignInMachine.Identify(SignInMachine.Start(T0, SignInAssurance.TwoFactor), "j", "00u1", T0);
        Assert.Throws<InvalidOperationException>(() => SignInMachine.ChooseFactor(atPassword, "ost1", null, T0));
        var select = SignInMachine.AnswerPassword(atPassword, User(), true, LockoutPolicy.Default, T0).State;
        var chosen = SignInMachine.ChooseFactor(select, "ost1", null, T0);
        Assert.Throws<InvalidOperationException>(() => SignInMachine.FactorVerified(chosen, T0.AddMinutes(11)));
    }

    [Fact]
    public void An_enrollment_is_chosen_at_the_second_factor_step_switching_clears_it_and_finishing_it_is_the_second_factor()
    {
        var atPassword = SignInMachine.Identify(SignInMachine.Start(T0, SignInAssurance.TwoFactor), "j", "00u1", T0);
        Assert.Throws<InvalidOperationException>(() => SignInMachine.ChooseEnrollment(atPassword, "aut1", null, null, T0));
        var select = SignInMachine.AnswerPassword(atPassword, User(), true, LockoutPolicy.Default, T0).State;

        var app = SignInMachine.ChooseEnrollment(select, "autVerify", null, null, T0.AddMinutes(1));
        Assert.Equal((SignInStep.Authenticator, "autVerify", (string?)null), (app.Step, app.Enrolling, app.FactorId));
        var code = SignInMachine.ChooseEnrollment(app, "autGoogle", "uft1", null, T0.AddMinutes(2));
        Assert.Equal(("autGoogle", "uft1"), (code.Enrolling, code.FactorId));
        var answering = SignInMachine.ChooseFactor(code, "ost1", null, T0.AddMinutes(3));
        Assert.Null(answering.Enrolling);

        var done = SignInMachine.FactorVerified(code, T0.AddMinutes(3));
        Assert.Equal((SignInStep.Success, (string?)null, (string?)null), (done.Step, done.Enrolling, done.FactorId));
        var back = SignInMachine.FactorAbandoned(code, T0.AddMinutes(3));
        Assert.Equal((SignInStep.SelectAuthenticator, (string?)null), (back.Step, back.Enrolling));
        Assert.Throws<InvalidOperationException>(() => SignInMachine.FactorVerified(app, T0.AddMinutes(12)));
    }
}
