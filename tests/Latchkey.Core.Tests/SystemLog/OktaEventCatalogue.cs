using System.Text.Json;

namespace Latchkey.Core.Tests.SystemLog;

/// <summary>
/// The real System Log event catalogue (<c>shared/okta-reference/event-types.json</c>, the developer docs'
/// <c>data/event-types.json</c>). The shared folder sits beside the clone (<c>/work/shared</c> next to
/// <c>/work/main</c> here, <c>&lt;clone&gt;/../shared</c> in CI), so it is found by walking up from the test
/// binaries and looking for a <c>shared/okta-reference/event-types.json</c> at each level.
/// </summary>
internal static class OktaEventCatalogue
{
    private const string RelativePath = "shared/okta-reference/event-types.json";

    private static readonly Lazy<IReadOnlySet<string>> Ids = new(Load);

    /// <summary>Every event type id in the catalogue; fails the calling test, with the places searched, when the file is absent.</summary>
    public static IReadOnlySet<string> EventTypeIds => Ids.Value;

    private static IReadOnlySet<string> Load()
    {
        var path = Find(out var searched);
        if (path is null)
        {
            throw new FileNotFoundException(
                $"The real event catalogue '{RelativePath}' was not found in any folder above the test binaries. "
                + "Put a copy of the shared/ folder beside the clone (<clone>/../shared). Searched:"
                + Environment.NewLine + string.Join(Environment.NewLine, searched));
        }

        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var version in document.RootElement.GetProperty("versions").EnumerateArray())
        {
            foreach (var eventType in version.GetProperty("eventTypes").EnumerateArray())
            {
                ids.Add(eventType.GetProperty("id").GetString()!);
            }
        }

        if (ids.Count == 0)
        {
            throw new InvalidDataException($"The event catalogue at '{path}' lists no event types.");
        }

        return ids;
    }

    private static string? Find(out List<string> searched)
    {
        searched = [];
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, RelativePath);
            searched.Add(candidate);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
