namespace Latchkey.Core.Users;

/// <summary>
/// The default password policy of a new org (okta-api.md section 0.4): at least 8 characters, a lower-case
/// letter, an upper-case letter, a number, no parts of the username, none of the last 4 passwords. Returns
/// the message the real service gives, or null when the password is acceptable. The minimum age (0 in the
/// default policy) is checked only when a client asks for it (<c>strict=true</c> on change_password).
/// </summary>
public sealed record PasswordPolicy(int MinLength = 8, bool RequireLowerCase = true, bool RequireUpperCase = true,
    bool RequireNumber = true, bool ExcludeUsername = true, int MaxLength = 256, int HistoryCount = 4, int MinAgeMinutes = 0)
{
    public static PasswordPolicy Default { get; } = new();

    public string Requirements =>
        string.Join(", ", new[]
        {
            $"at least {MinLength} characters",
            RequireLowerCase ? "a lowercase letter" : null,
            RequireUpperCase ? "an uppercase letter" : null,
            RequireNumber ? "a number" : null,
            ExcludeUsername ? "no parts of your username" : null,
        }.Where(s => s is not null)) + ".";

    public string Refusal => $"Password requirements were not met. Password requirements: {Requirements}"
        + (HistoryCount > 0 ? $" Your password cannot be any of your last {HistoryCount} passwords." : "");

    public string? Check(string password, string login, string? firstName, string? lastName)
    {
        var ok = password.Length >= MinLength && password.Length <= MaxLength
            && (!RequireLowerCase || password.Any(char.IsLower))
            && (!RequireUpperCase || password.Any(char.IsUpper))
            && (!RequireNumber || password.Any(char.IsDigit))
            && (!ExcludeUsername || !ContainsUsernamePart(password, login, firstName, lastName));
        return ok ? null : Refusal;
    }

    /// <summary>The refusal when the password last changed at <paramref name="changed"/> is younger than the minimum age, else null.</summary>
    public string? CheckMinimumAge(DateTimeOffset? changed, DateTimeOffset now) =>
        MinAgeMinutes > 0 && changed is { } at && now - at < TimeSpan.FromMinutes(MinAgeMinutes)
            ? $"Password has been changed too recently. It can be changed again {MinAgeMinutes} minutes after the last change."
            : null;

    private static bool ContainsUsernamePart(string password, string login, string? firstName, string? lastName)
    {
        // The parts of a username are the login's local part split on punctuation, and the names;
        // parts shorter than 3 characters are ignored, as a two-letter part would forbid too much.
        var local = login.Split('@')[0];
        var parts = local.Split(['.', '_', '-', '+', ',', '#'], StringSplitOptions.RemoveEmptyEntries)
            .Append(local).Append(firstName ?? "").Append(lastName ?? "")
            .Where(p => p.Length >= 3);
        return parts.Any(p => password.Contains(p, StringComparison.OrdinalIgnoreCase));
    }
}
