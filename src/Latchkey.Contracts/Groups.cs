using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

public sealed record GroupResource
{
    public required string Id { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    public required DateTimeOffset LastMembershipUpdated { get; init; }
    public required IReadOnlyList<string> ObjectClass { get; init; }
    public required string Type { get; init; }
    public required JsonObject Profile { get; init; }
    [JsonPropertyName("_embedded")] public IReadOnlyDictionary<string, object>? Embedded { get; init; }
    [JsonPropertyName("_links")] public required IReadOnlyDictionary<string, object> Links { get; init; }
}

public sealed record GroupStatsResource(int UsersCount, int AppsCount, int GroupPushMappingsCount, bool HasAdminPrivilege)
{
    [JsonPropertyName("hasAdminPrivlege")] public bool HasAdminPrivlege => HasAdminPrivilege;
}
