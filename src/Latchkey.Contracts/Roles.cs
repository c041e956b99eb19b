using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

/// <summary>A standard role assigned to a user or a group (the spec's <c>StandardRole</c>).</summary>
public sealed record RoleAssignmentResource
{
    public required string Id { get; init; }
    public required string Label { get; init; }
    public required string Type { get; init; }
    public required string Status { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    /// <summary><c>USER</c> or <c>GROUP</c>.</summary>
    public required string AssignmentType { get; init; }
    [JsonPropertyName("_links")] public required IReadOnlyDictionary<string, Link> Links { get; init; }
}
