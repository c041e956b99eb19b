using System.Reflection;
using Latchkey.Contracts;
using Latchkey.Core.SystemLog;

namespace Latchkey.ArchitectureTests;

/// <summary>The product assemblies under test, each found through a type it is known to hold.</summary>
internal static class Assemblies
{
    public static Assembly Core { get; } = typeof(EventTypes).Assembly;

    public static Assembly Contracts { get; } = typeof(IdRef).Assembly;

    public static Assembly Server { get; } = typeof(Program).Assembly;

    public static Assembly Desktop { get; } = typeof(Latchkey.Desktop.DesktopAgent).Assembly;

    /// <summary>True when <paramref name="name"/> is <paramref name="root"/> itself or a dotted name under it.</summary>
    public static bool IsUnder(string? name, string root) =>
        name is not null && (name.Equals(root, StringComparison.OrdinalIgnoreCase) || name.StartsWith(root + ".", StringComparison.OrdinalIgnoreCase));

    public static string Describe(IEnumerable<string>? names) =>
        names is null ? "(none)" : string.Join(", ", names);
}
