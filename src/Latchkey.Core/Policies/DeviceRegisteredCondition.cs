namespace Latchkey.Core.Policies;

/// <summary><c>conditions.device.registered: true</c>: only a device the authenticator app enrolled on matches.</summary>
public sealed class DeviceRegisteredCondition : IPolicyCondition
{
    public string Name => "device.registered";

    public ConditionResult Evaluate(PolicyContext context) => context.Device switch
    {
        null => new(Name, ConditionStatus.Undefined, "The request came from no device the org knows (sign in with the authenticator app on it)."),
        { Registered: true } => new(Name, ConditionStatus.Match, "The device is registered."),
        _ => new(Name, ConditionStatus.NotMatch, "The device is not registered: enroll the authenticator app on it."),
    };
}
