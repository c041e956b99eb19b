using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

/// <summary>A HAL link: <c>{"href": "...", "hints": {"allow": [...]}}</c>.</summary>
public sealed record Link(string Href)
{
    public LinkHints? Hints { get; init; }
    public string? Name { get; init; }
    public string? Type { get; init; }
    public bool? Templated { get; init; }
}

public sealed record LinkHints(IReadOnlyList<string> Allow);

/// <summary>The error body of every failed /api/v1 request.</summary>
public sealed record ErrorBody(string ErrorCode, string ErrorSummary, string ErrorLink, string ErrorId, IReadOnlyList<ErrorCause> ErrorCauses);

public sealed record ErrorCause(string ErrorSummary);

/// <summary><c>GET /.well-known/okta-organization</c>.</summary>
public sealed record OrganizationInfo(string Id, string Pipeline, [property: JsonPropertyName("_links")] IReadOnlyDictionary<string, Link> Links);
