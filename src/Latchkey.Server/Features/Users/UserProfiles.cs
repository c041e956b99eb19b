using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Users;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Users;

/// <summary>Validates a user profile and copies its searchable base attributes into columns.</summary>
public static class UserProfiles
{
    private static readonly string[] BaseStrings =
    [
        "login", "email", "firstName", "lastName", "middleName", "honorificPrefix", "honorificSuffix", "title",
        "displayName", "nickName", "profileUrl", "secondEmail", "mobilePhone", "primaryPhone", "streetAddress",
        "city", "state", "zipCode", "countryCode", "postalAddress", "preferredLanguage", "locale", "timezone",
        "userType", "employeeNumber", "costCenter", "organization", "division", "department", "managerId", "manager",
    ];

    /// <summary>Checks the profile; throws E0000001 naming every bad field.</summary>
    public static void Validate(JsonObject profile)
    {
        var failures = new List<(string, string)>();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in BaseStrings)
        {
            var node = profile[name];
            if (node is null)
            {
                continue;
            }

            if (node is JsonValue v && v.TryGetValue<string>(out var text))
            {
                values[name] = text;
            }
            else
            {
                failures.Add((name, "Does not match required type: string"));
            }
        }

        failures.AddRange(ProfileRules.Check(values));
        failures.AddRange(ProfileRules.CaseClashes(profile.Select(p => p.Key), BaseStrings));
        if (failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(failures));
        }
    }

    public static void Apply(UserEntity user, JsonObject profile)
    {
        user.Login = (string)profile["login"]!;
        user.LoginKey = user.Login.ToLowerInvariant();
        user.Email = (string)profile["email"]!;
        user.FirstName = (string?)profile["firstName"];
        user.LastName = (string?)profile["lastName"];
        user.ProfileJson = profile.ToJsonString();
    }

    /// <summary>Partial update: members present in <paramref name="changes"/> replace the stored ones; JSON null removes one.</summary>
    public static JsonObject Merge(JsonObject stored, JsonObject changes)
    {
        var merged = (JsonObject)stored.DeepClone();
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = value.DeepClone();
            }
        }

        return merged;
    }

    /// <summary>Stored profiles omit JSON nulls: a null attribute is an absent one.</summary>
    public static JsonObject WithoutNulls(JsonObject profile)
    {
        var clean = new JsonObject();
        foreach (var (name, value) in profile)
        {
            if (value is not null)
            {
                clean[name] = value.DeepClone();
            }
        }

        return clean;
    }
}
