using Latchkey.Core.Policies;
using Xunit;

namespace Latchkey.Core.Tests.Policies;

/// <summary>Issue 12: <c>conditions.device.assurance.include</c>.</summary>
public sealed class DeviceAssuranceConditionTests
{
    private static PolicyContext With(DeviceFacts? device) => new("00ualice", new HashSet<string>(), device);

    [Fact]
    public void A_device_satisfying_an_included_assurance_matches_another_does_not_and_an_unknown_one_is_undefined()
    {
        var condition = new DeviceAssuranceCondition(["daeMac", "daeWin"]);
        Assert.Equal(ConditionStatus.Match, condition.Evaluate(With(new DeviceFacts(true, false, "MACOS") { AssuranceId = "daeWin" })).Status);
        Assert.Equal(ConditionStatus.NotMatch, condition.Evaluate(With(new DeviceFacts(true, false, "MACOS") { AssuranceId = "daeOther" })).Status);
        Assert.Equal(ConditionStatus.Undefined, condition.Evaluate(With(new DeviceFacts(true, false, "MACOS"))).Status);
        Assert.Equal(ConditionStatus.Undefined, condition.Evaluate(With(null)).Status);
    }
}
