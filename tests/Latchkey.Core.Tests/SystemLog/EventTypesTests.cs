using Latchkey.Core.SystemLog;
using Xunit;

namespace Latchkey.Core.Tests.SystemLog;

/// <summary>The event types Latchkey writes: unique, and each one a real catalogue id (okta-reference/event-types.json).</summary>
public sealed class EventTypesTests
{
    private static readonly IReadOnlySet<string> Severities =
        new HashSet<string>(StringComparer.Ordinal) { LogSeverity.Debug, LogSeverity.Info, LogSeverity.Warn, LogSeverity.Error };

    [Fact]
    public void The_catalogue_is_not_empty()
    {
        Assert.NotEmpty(EventTypes.All);
    }

    [Fact]
    public void Every_event_type_id_is_unique()
    {
        var duplicates = EventTypes.All.GroupBy(e => e.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key);

        Assert.Empty(duplicates);
    }

    [Fact]
    public void Every_event_type_id_outside_latchkeys_own_namespace_exists_in_the_real_event_catalogue()
    {
        var known = OktaEventCatalogue.EventTypeIds;

        var unknown = EventTypes.All.Where(e => !EventTypes.IsOwn(e)).Select(e => e.Id).Where(id => !known.Contains(id));

        Assert.Empty(unknown);
    }

    [Fact]
    public void Latchkeys_own_event_types_are_few_and_none_shadows_a_real_id()
    {
        var known = OktaEventCatalogue.EventTypeIds;
        var own = EventTypes.All.Where(EventTypes.IsOwn).ToList();

        Assert.InRange(own.Count, 0, 5);
        Assert.All(own, e => Assert.DoesNotContain(e.Id, known));
        Assert.DoesNotContain(known, id => id.StartsWith(EventTypes.OwnPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_event_type_has_a_display_message_and_a_known_severity()
    {
        Assert.All(EventTypes.All, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(e.DisplayMessage), $"{e.Id} has no display message");
            Assert.Contains(e.Severity, Severities);
        });
    }

    [Fact]
    public void The_real_event_catalogue_is_found_and_holds_well_known_ids()
    {
        var known = OktaEventCatalogue.EventTypeIds;

        Assert.Contains("user.lifecycle.create", known);
        Assert.Contains("user.session.start", known);
        Assert.DoesNotContain("user.lifecycle.invented", known);
    }
}
