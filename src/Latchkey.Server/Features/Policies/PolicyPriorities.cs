namespace Latchkey.Server.Features.Policies;

/// <summary>
/// Priorities as the real service keeps them: 1, 2, 3... without gaps among a list's ordinary members, the system
/// member (the catch-all rule, the Default Policy) always last. Placing one at a priority shifts the others down; a
/// priority beyond the end (or none) puts it at the end, before the system member.
/// </summary>
public static class PolicyPriorities
{
    /// <summary>
    /// Puts <paramref name="item"/> at <paramref name="requested"/> among <paramref name="ordered"/> (the ordinary members in
    /// their current order, <paramref name="item"/> among them or not) and renumbers them; the system member, if any, follows.
    /// </summary>
    public static void Place<T>(List<T> ordered, T item, int? requested, T? system, Action<T, int> setPriority) where T : class
    {
        ordered.Remove(item);
        var index = requested is { } p ? Math.Clamp(p - 1, 0, ordered.Count) : ordered.Count;
        ordered.Insert(index, item);
        Renumber(ordered, system, setPriority);
    }

    /// <summary>Numbers <paramref name="ordered"/> from 1 and the system member after them (after a removal, say).</summary>
    public static void Renumber<T>(List<T> ordered, T? system, Action<T, int> setPriority) where T : class
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            setPriority(ordered[i], i + 1);
        }

        if (system is not null)
        {
            setPriority(system, ordered.Count + 1);
        }
    }
}
