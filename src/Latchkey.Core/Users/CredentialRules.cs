using Latchkey.Core.Errors;

namespace Latchkey.Core.Users;

/// <summary>
/// Who may change which credential (the spec's UserCred operations): each rule takes the user's status and
/// what credentials the user has, and returns the real service's refusal, or null when the change may go on.
/// </summary>
public static class CredentialRules
{
    /// <summary>change_password: STAGED, ACTIVE, PASSWORD_EXPIRED or RECOVERY users with a password (403 E0000035 otherwise).</summary>
    public static ApiError? ChangePassword(string status, bool hasPassword) =>
        !hasPassword ? ApiErrors.ChangePasswordNotAllowed("The user has no password to change.")
        : status is UserStatus.Staged or UserStatus.Active or UserStatus.PasswordExpired or UserStatus.Recovery ? null
        : ApiErrors.ChangePasswordNotAllowed($"A user in status {status} cannot change a password; STAGED, ACTIVE, PASSWORD_EXPIRED or RECOVERY can.");

    /// <summary>change_recovery_question: STAGED, ACTIVE or RECOVERY users with a password (403 E0000036 otherwise).</summary>
    public static ApiError? ChangeRecoveryQuestion(string status, bool hasPassword) =>
        !hasPassword ? ApiErrors.ChangeRecoveryQuestionNotAllowed("The user has no password to confirm the change with.")
        : status is UserStatus.Staged or UserStatus.Active or UserStatus.Recovery ? null
        : ApiErrors.ChangeRecoveryQuestionNotAllowed($"A user in status {status} cannot change the recovery question; STAGED, ACTIVE or RECOVERY can.");

    /// <summary>forgot_password: ACTIVE users with a recovery question (403 E0000034 otherwise).</summary>
    public static ApiError? ForgotPassword(string status, bool hasRecoveryQuestion) =>
        !hasRecoveryQuestion ? ApiErrors.ForgotPasswordNotAllowed("Recovery credential not set.")
        : status == UserStatus.Active ? null
        : ApiErrors.ForgotPasswordNotAllowed($"A user in status {status} cannot start the forgot password flow; an ACTIVE user can.");

    /// <summary>
    /// forgot_password_recovery_question: a user with a recovery question who is ACTIVE, or whose password is
    /// expired or being recovered (403 E0000034 otherwise).
    /// </summary>
    public static ApiError? ResetWithRecoveryAnswer(string status, bool hasRecoveryQuestion) =>
        !hasRecoveryQuestion ? ApiErrors.ForgotPasswordNotAllowed("Recovery credential not set.")
        : status is UserStatus.Active or UserStatus.PasswordExpired or UserStatus.Recovery ? null
        : ApiErrors.ForgotPasswordNotAllowed($"A user in status {status} cannot reset the password; ACTIVE, PASSWORD_EXPIRED or RECOVERY can.");

    /// <summary>A new password ends an expired password and a recovery: the user is ACTIVE again; other statuses stay.</summary>
    public static string StatusAfterNewPassword(string status) =>
        status is UserStatus.PasswordExpired or UserStatus.Recovery ? UserStatus.Active : status;
}
