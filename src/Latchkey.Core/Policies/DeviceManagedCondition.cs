namespace Latchkey.Core.Policies;

/// <summary>
/// <c>conditions.device.managed</c>: <c>true</c> only a managed device matches (one that proved a management credential
/// during a FastPass sign-in); <c>false</c> only a device that is not managed.
/// </summary>
public sealed class DeviceManagedCondition(bool managed) : IPolicyCondition
{
    public bool Managed => managed;

    public string Name => "device.managed";

    public ConditionResult Evaluate(PolicyContext context) => context.Device switch
    {
        null => new(Name, ConditionStatus.Undefined, "The request came from no device the org knows, so whether it is managed is unknown."),
        { Managed: var m } when m == managed => new(Name, ConditionStatus.Match, managed ? "The device is managed." : "The device is not managed."),
        _ => new(Name, ConditionStatus.NotMatch, managed
            ? "The device is not managed: it has not proved a management credential in a FastPass sign-in."
            : "The device is managed, and the rule is for devices that are not."),
    };
}
