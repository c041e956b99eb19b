using Latchkey.Core.Policies;
using Xunit;

namespace Latchkey.Core.Tests.Policies;

/// <summary>Issue 12: <c>conditions.platform.exclude</c>, LINUX included among the platforms.</summary>
public sealed class PlatformExcludeConditionTests
{
    private static PolicyContext On(string? platform) =>
        new("00ualice", new HashSet<string>(), platform is null ? null : new DeviceFacts(true, false, platform));

    [Fact]
    public void An_excluded_platform_does_not_match_others_do_and_an_unknown_one_is_undefined()
    {
        var condition = new PlatformExcludeCondition(["LINUX", "WINDOWS"]);
        Assert.Equal(ConditionStatus.NotMatch, condition.Evaluate(On("linux")).Status);
        Assert.Equal(ConditionStatus.Match, condition.Evaluate(On("MACOS")).Status);
        Assert.Equal(ConditionStatus.Undefined, condition.Evaluate(On(null)).Status);
        Assert.Equal(ConditionStatus.NotMatch, new PlatformExcludeCondition(["OTHER"]).Evaluate(On("MACOS")).Status);
    }
}
