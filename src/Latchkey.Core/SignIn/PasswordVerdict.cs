namespace Latchkey.Core.SignIn;

/// <summary>
/// The outcome of a password answer: the transaction's next state, whether the password step passed, the reason
/// when it did not (for the System Log), and what to store on the user: the count of failed passwords in a row and
/// a new status (LOCKED_OUT on the attempt that reaches the limit, ACTIVE when an automatic unlock came due).
/// Fails closed: <see cref="Accepted"/> is false unless the machine set it.
/// </summary>
public sealed record PasswordVerdict(SignInState State, bool Accepted, string? RefusalReason, int FailedPasswordAttempts, string? NewUserStatus)
{
    /// <summary>This attempt locked the user out (the System Log records <c>user.account.lock</c>).</summary>
    public bool LockedNow => NewUserStatus == Users.UserStatus.LockedOut;

    /// <summary>The transaction needs a new password before it can succeed.</summary>
    public bool MustChangePassword => Accepted && State.Step == SignInStep.ChangePassword;
}
