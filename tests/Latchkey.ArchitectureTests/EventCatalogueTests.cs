using System.Reflection;
using Latchkey.Core.SystemLog;
using Xunit;

namespace Latchkey.ArchitectureTests;

/// <summary>DESIGN.md: every System Log event type is unique; STYLE.md: one typed catalogue of events.</summary>
public sealed class EventCatalogueTests
{
    [Fact]
    public void Every_event_type_id_in_the_catalogue_is_unique()
    {
        var duplicates = EventTypes.All
            .GroupBy(e => e.Id, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} (x{g.Count()})")
            .ToList();

        Assert.True(duplicates.Count == 0, $"Duplicate event type ids: {string.Join(", ", duplicates)}.");
    }

    [Fact]
    public void Every_event_type_field_in_the_catalogue_is_listed_by_all()
    {
        var declared = typeof(EventTypes)
            .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(EventType))
            .Select(f => ((EventType)f.GetValue(null)!).Id)
            .Order(StringComparer.Ordinal);

        Assert.Equal(declared, EventTypes.All.Select(e => e.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Event_type_ids_are_lower_case_dotted_names()
    {
        Assert.All(EventTypes.All, e => Assert.Matches(@"^[a-z0-9_]+(\.[a-z0-9_]+)+$", e.Id));
    }

    [Fact]
    public void No_type_outside_the_catalogue_declares_its_own_event_types()
    {
        var strays = new[] { Assemblies.Core, Assemblies.Server }
            .SelectMany(a => a.GetTypes())
            .Where(t => t != typeof(EventTypes))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(f => f.FieldType == typeof(EventType))
                .Select(f => $"{t.FullName}.{f.Name}"))
            .ToList();

        Assert.True(strays.Count == 0, $"Declare event types in {nameof(EventTypes)}: {string.Join(", ", strays)}.");
    }

    [Fact]
    public void Every_event_type_of_latchkeys_own_is_documented_in_the_system_log_docs()
    {
        var docs = File.ReadAllText(Path.Combine(SourceTree.RepositoryRoot, "docs", "system-log.md"));

        var undocumented = EventTypes.All.Where(EventTypes.IsOwn).Where(e => !docs.Contains($"`{e.Id}`", StringComparison.Ordinal)).Select(e => e.Id).ToList();

        Assert.True(undocumented.Count == 0, $"Document Latchkey's own event types in docs/system-log.md: {string.Join(", ", undocumented)}.");
    }
}
