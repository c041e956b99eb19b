namespace Latchkey.Desktop.Server;

/// <summary>
/// The server's refusal reasons (docs/desktop-mfa.md, the refusal table) and the exit code each one gives: one code per
/// kind of failure a login plug-in or a script may want to tell apart. The words shown are always the server's
/// <c>error_description</c> followed by the reason code, never a generic "expired" or "incorrect".
/// </summary>
public static class ServerRefusals
{
    public static int ExitCodeOf(string reason) => reason switch
    {
        "invalid_client" => ExitCodes.Configuration,
        "user_not_assigned" => ExitCodes.NotAssigned,
        "user_locked" or "user_suspended" or "user_not_active" => ExitCodes.AccountStatus,
        "policy_denied" => ExitCodes.PolicyDenied,
        "factor_not_enrolled" or "push_not_enabled" or "no_roaming_keys" => ExitCodes.FactorNotSetUp,
        "factor_locked" or "rate_limited" => ExitCodes.TryLater,
        "push_rejected" or "wrong_number" => ExitCodes.PushRejected,
        "push_expired" => ExitCodes.PushExpired,
        "enrollment_expired" => ExitCodes.EnrollmentExpired,
        "method_not_allowed" or "invalid_code" or "code_already_used" or "device_access_code_used_online" or "login_required" or "invalid_request"
            or "key_not_registered" or "invalid_challenge" or "invalid_assertion" => ExitCodes.Refused,
        _ => ExitCodes.Failure,
    };

    /// <summary>The refusal as the person at the screen reads it: the server's words, the rule or the wait when given, and the reason code.</summary>
    public static DesktopException ToException(string reason, string? description, string? rule, long? retryAfterSeconds, string? profileKeyHint)
    {
        var words = string.IsNullOrWhiteSpace(description) ? $"the server refused ({reason})" : description.Trim().TrimEnd('.');
        if (rule is not null && !words.Contains(rule, StringComparison.Ordinal))
        {
            words += $" (rule \"{rule}\")";
        }

        if (retryAfterSeconds is { } wait && !words.Contains($"{wait} seconds", StringComparison.Ordinal))
        {
            words += $"; wait {wait} seconds";
        }

        if (reason == "invalid_client" && profileKeyHint is not null)
        {
            words = $"configuration error in {profileKeyHint}: {words}";
        }

        return new DesktopException(ExitCodeOf(reason), $"{words} [{reason}]");
    }
}
