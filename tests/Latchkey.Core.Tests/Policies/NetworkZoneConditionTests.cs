using Latchkey.Core.Policies;
using Xunit;

namespace Latchkey.Core.Tests.Policies;

/// <summary>Issue 12: <c>conditions.network</c> with zones: undefined while zones are unknown, exclusions win, ALL_ZONES is any zone.</summary>
public sealed class NetworkZoneConditionTests
{
    private static PolicyContext From(params string[]? zones) =>
        new("00ualice", new HashSet<string>()) { ZoneIds = zones is null ? null : new HashSet<string>(zones) };

    [Fact]
    public void Without_known_zones_the_condition_is_undefined_and_says_the_address_is_unknown()
    {
        var result = new NetworkZoneCondition(["nzoOffice"], []).Evaluate(From(null));
        Assert.Equal(ConditionStatus.Undefined, result.Status);
        Assert.Contains("the client's address is not known", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_included_zone_matches_and_an_excluded_zone_does_not_even_when_also_included()
    {
        Assert.Equal(ConditionStatus.Match, new NetworkZoneCondition(["nzoOffice"], []).Evaluate(From("nzoOffice")).Status);
        Assert.Equal(ConditionStatus.NotMatch, new NetworkZoneCondition(["nzoOffice"], []).Evaluate(From("nzoHome")).Status);
        Assert.Equal(ConditionStatus.NotMatch, new NetworkZoneCondition([NetworkZoneCondition.AllZones], ["nzoHome"]).Evaluate(From("nzoHome")).Status);
        Assert.Equal(ConditionStatus.Match, new NetworkZoneCondition([NetworkZoneCondition.AllZones], ["nzoHome"]).Evaluate(From("nzoOffice")).Status);
    }

    [Fact]
    public void All_zones_needs_some_zone_and_an_exclude_only_rule_matches_any_other_zone()
    {
        Assert.Equal(ConditionStatus.NotMatch, new NetworkZoneCondition([NetworkZoneCondition.AllZones], []).Evaluate(From()).Status);
        Assert.Equal(ConditionStatus.Match, new NetworkZoneCondition([], ["nzoHome"]).Evaluate(From("nzoOffice")).Status);
    }
}
