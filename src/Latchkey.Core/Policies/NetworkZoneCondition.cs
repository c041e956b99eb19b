namespace Latchkey.Core.Policies;

/// <summary>
/// <c>conditions.network</c> with <c>connection: ZONE</c>: the request comes from a zone the rule includes
/// (<c>ALL_ZONES</c>: any zone) and from none it excludes. The caller gives the zones that hold the client's
/// address (app launch) or names them (a simulation); when they are unknown the condition is undefined: the rule does
/// not apply. (<c>connection: ANYWHERE</c> is no condition at all.)
/// </summary>
public sealed class NetworkZoneCondition(IReadOnlyCollection<string> include, IReadOnlyCollection<string> exclude) : IPolicyCondition
{
    public const string AllZones = "ALL_ZONES";

    private readonly string[] _include = [.. include];
    private readonly string[] _exclude = [.. exclude];

    public string Name => "network";

    public ConditionResult Evaluate(PolicyContext context)
    {
        if (context.ZoneIds is not { } zones)
        {
            return new(Name, ConditionStatus.Undefined, "The request's network zone is unknown (the client's address is not known).");
        }

        if (AnyIn(_exclude, zones))
        {
            return new(Name, ConditionStatus.NotMatch, "The request comes from a network zone the rule excludes.");
        }

        if (_include.Length == 0)
        {
            return new(Name, ConditionStatus.Match, "The request comes from no zone the rule excludes.");
        }

        return AnyIn(_include, zones)
            ? new(Name, ConditionStatus.Match, "The request comes from a network zone the rule includes.")
            : new(Name, ConditionStatus.NotMatch, "The request comes from no network zone the rule includes.");
    }

    private static bool AnyIn(string[] listed, IReadOnlySet<string> zones)
    {
        foreach (var zone in listed)
        {
            if (zones.Contains(zone) || (zone == AllZones && zones.Count > 0))
            {
                return true;
            }
        }

        return false;
    }
}
