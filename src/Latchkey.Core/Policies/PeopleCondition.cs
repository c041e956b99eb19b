namespace Latchkey.Core.Policies;

/// <summary>
/// <c>conditions.people</c>: users and groups included and excluded. With no include list the rule is for everyone;
/// an exclusion always wins over an inclusion.
/// </summary>
public sealed class PeopleCondition(IReadOnlyCollection<string> includeUsers, IReadOnlyCollection<string> excludeUsers,
    IReadOnlyCollection<string> includeGroups, IReadOnlyCollection<string> excludeGroups) : IPolicyCondition
{
    private readonly HashSet<string> _includeUsers = new(includeUsers, StringComparer.Ordinal);
    private readonly HashSet<string> _excludeUsers = new(excludeUsers, StringComparer.Ordinal);
    private readonly string[] _includeGroups = [.. includeGroups];
    private readonly string[] _excludeGroups = [.. excludeGroups];

    public string Name => "people";

    public ConditionResult Evaluate(PolicyContext context)
    {
        if (_excludeUsers.Contains(context.UserId))
        {
            return new(Name, ConditionStatus.NotMatch, "The user is excluded by the rule.");
        }

        if (AnyIn(_excludeGroups, context.GroupIds))
        {
            return new(Name, ConditionStatus.NotMatch, "The user is in a group the rule excludes.");
        }

        if (_includeUsers.Count == 0 && _includeGroups.Length == 0)
        {
            return new(Name, ConditionStatus.Match, "The rule is for everyone.");
        }

        if (_includeUsers.Contains(context.UserId))
        {
            return new(Name, ConditionStatus.Match, "The user is named by the rule.");
        }

        return AnyIn(_includeGroups, context.GroupIds)
            ? new(Name, ConditionStatus.Match, "The user is in a group the rule includes.")
            : new(Name, ConditionStatus.NotMatch, "The user is neither named by the rule nor in a group it includes.");
    }

    private static bool AnyIn(string[] groups, IReadOnlySet<string> memberOf)
    {
        foreach (var group in groups)
        {
            if (memberOf.Contains(group))
            {
                return true;
            }
        }

        return false;
    }
}
