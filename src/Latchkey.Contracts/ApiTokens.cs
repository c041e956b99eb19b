using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

public sealed record ApiTokenResource
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string UserId { get; init; }
    public required string ClientName { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public required string TokenWindow { get; init; }
    public required ApiTokenNetwork Network { get; init; }
    [JsonPropertyName("_links")] public required IReadOnlyDictionary<string, Link> Links { get; init; }
}

public sealed record ApiTokenNetwork(string Connection);
