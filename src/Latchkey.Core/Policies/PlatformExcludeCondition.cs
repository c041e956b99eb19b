namespace Latchkey.Core.Policies;

/// <summary><c>conditions.platform.exclude[].os.type</c>: the device's platform is none of these (<c>OTHER</c>: every platform is excluded).</summary>
public sealed class PlatformExcludeCondition(IReadOnlyCollection<string> exclude) : IPolicyCondition
{
    private readonly string[] _exclude = [.. exclude];

    public string Name => "platform.exclude";

    public ConditionResult Evaluate(PolicyContext context)
    {
        if (context.Device?.Platform is not { } platform)
        {
            return new(Name, ConditionStatus.Undefined, "The device's platform is unknown.");
        }

        foreach (var os in _exclude)
        {
            if (os == "OTHER" || string.Equals(os, platform, StringComparison.OrdinalIgnoreCase))
            {
                return new(Name, ConditionStatus.NotMatch, "The device's platform is one the rule excludes.");
            }
        }

        return new(Name, ConditionStatus.Match, "The device's platform is not one the rule excludes.");
    }
}
