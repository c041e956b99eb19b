namespace Latchkey.Core.Policies;

/// <summary><c>conditions.device.assurance.include</c>: the device satisfies one of these device assurance policies.</summary>
public sealed class DeviceAssuranceCondition(IReadOnlyCollection<string> include) : IPolicyCondition
{
    private readonly string[] _include = [.. include];

    public string Name => "device.assurance";

    public ConditionResult Evaluate(PolicyContext context)
    {
        if (context.Device?.AssuranceId is not { } assurance)
        {
            return new(Name, ConditionStatus.Undefined, "Which device assurance policy the device satisfies is unknown.");
        }

        return Array.IndexOf(_include, assurance) >= 0
            ? new(Name, ConditionStatus.Match, "The device satisfies a device assurance policy the rule includes.")
            : new(Name, ConditionStatus.NotMatch, "The device satisfies none of the device assurance policies the rule includes.");
    }
}
