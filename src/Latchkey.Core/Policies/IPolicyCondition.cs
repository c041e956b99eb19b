namespace Latchkey.Core.Policies;

/// <summary>One condition of a rule (each kind in its own class); pure: the same context always gives the same result.</summary>
public interface IPolicyCondition
{
    /// <summary>The condition's name as the simulation shows it (<c>people</c>, <c>device.registered</c>, ...).</summary>
    string Name { get; }

    ConditionResult Evaluate(PolicyContext context);
}
