using System.Net.Mail;

namespace Latchkey.Core.Users;

/// <summary>
/// The default user profile schema: required base attributes and their limits, with the real
/// service's messages. Returns every failure, so one response names all bad fields.
/// </summary>
public static class ProfileRules
{
    public const string Taken = "An object with this field already exists in the current organization";

    private static readonly (string Name, int Max)[] Limits =
    [
        ("login", 100), ("email", 100), ("firstName", 50), ("lastName", 50), ("secondEmail", 100),
        ("mobilePhone", 100), ("primaryPhone", 100), ("countryCode", 2), ("displayName", 1024),
    ];

    public static IReadOnlyList<(string Field, string Message)> Check(IReadOnlyDictionary<string, string?> profile)
    {
        var failures = new List<(string, string)>();
        profile.TryGetValue("login", out var login);
        profile.TryGetValue("email", out var email);
        profile.TryGetValue("firstName", out var firstName);
        profile.TryGetValue("lastName", out var lastName);

        if (string.IsNullOrWhiteSpace(login))
        {
            failures.Add(("login", "The field cannot be left blank"));
        }
        else if (!IsEmail(login))
        {
            failures.Add(("login", "Username must be in the form of an email address"));
        }

        if (string.IsNullOrWhiteSpace(email))
        {
            failures.Add(("email", "The field cannot be left blank"));
        }
        else if (!IsEmail(email))
        {
            failures.Add(("email", "Does not match required pattern"));
        }

        if (string.IsNullOrWhiteSpace(firstName))
        {
            failures.Add(("firstName", "The field cannot be left blank"));
        }

        if (string.IsNullOrWhiteSpace(lastName))
        {
            failures.Add(("lastName", "The field cannot be left blank"));
        }

        if (profile.TryGetValue("secondEmail", out var second) && !string.IsNullOrEmpty(second) && !IsEmail(second))
        {
            failures.Add(("secondEmail", "Does not match required pattern"));
        }

        foreach (var (name, max) in Limits)
        {
            if (profile.TryGetValue(name, out var value) && value is not null && value.Length > max)
            {
                failures.Add((name, $"The field is too long (maximum {max} characters)"));
            }
        }

        return failures;
    }

    /// <summary>
    /// Attribute names are unique regardless of case: <c>Login</c> beside <c>login</c> would be a second attribute
    /// that every case-insensitive reader (search, filters, the real service) confuses with the first. Returns a
    /// failure for each name that repeats an earlier one, or a base attribute, in another case.
    /// </summary>
    public static IReadOnlyList<(string Field, string Message)> CaseClashes(IEnumerable<string> names, IEnumerable<string> baseNames)
    {
        var failures = new List<(string, string)>();
        var bases = baseNames.ToHashSet(StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in bases)
        {
            seen[name] = name;
        }

        foreach (var name in names)
        {
            if (bases.Contains(name))
            {
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                failures.Add((name, $"The attribute name differs from '{first}' only by case"));
            }
            else
            {
                seen[name] = name;
            }
        }

        return failures;
    }

    public static bool IsEmail(string value) =>
        value.Length <= 254 && !value.Any(char.IsWhiteSpace)
        && MailAddress.TryCreate(value, out var address) && address.Address == value
        && address.Host.Length > 0 && !address.Host.StartsWith('.') && !address.Host.EndsWith('.');
}
