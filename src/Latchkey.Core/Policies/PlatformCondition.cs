namespace Latchkey.Core.Policies;

/// <summary><c>conditions.platform.include[].os.type</c>: the device's platform is one of these (<c>OTHER</c>: any platform).</summary>
public sealed class PlatformCondition(IReadOnlyCollection<string> include) : IPolicyCondition
{
    private readonly string[] _include = [.. include];

    public string Name => "platform";

    public ConditionResult Evaluate(PolicyContext context)
    {
        if (context.Device?.Platform is not { } platform)
        {
            return new(Name, ConditionStatus.Undefined, "The device's platform is unknown.");
        }

        foreach (var os in _include)
        {
            if (os == "OTHER" || string.Equals(os, platform, StringComparison.OrdinalIgnoreCase))
            {
                return new(Name, ConditionStatus.Match, "The device's platform is one the rule includes.");
            }
        }

        return new(Name, ConditionStatus.NotMatch, "The device's platform is not one the rule includes.");
    }
}
