using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

public sealed record UserResource
{
    public required string Id { get; init; }
    public required string Status { get; init; }
    public string? TransitioningToStatus { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? Created { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? Activated { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? StatusChanged { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? LastLogin { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? LastUpdated { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? PasswordChanged { get; init; }
    public required IdRef Type { get; init; }
    public required JsonObject Profile { get; init; }
    public required UserCredentialsResource Credentials { get; init; }
    [JsonPropertyName("_embedded")] public IReadOnlyDictionary<string, object>? Embedded { get; init; }
    [JsonPropertyName("_links")] public required IReadOnlyDictionary<string, Link> Links { get; init; }
}

public sealed record IdRef(string Id);

public sealed record UserCredentialsResource
{
    public EmptyObject? Password { get; init; }
    [JsonPropertyName("recovery_question")] public RecoveryQuestionResource? RecoveryQuestion { get; init; }
    public required ProviderResource Provider { get; init; }
}

public sealed record RecoveryQuestionResource(string Question);

public sealed record ProviderResource(string Type, string Name);

/// <summary>Serialises as <c>{}</c>: how the API says "a password exists" without showing it.</summary>
public sealed record EmptyObject
{
    public static EmptyObject Instance { get; } = new();
}

public sealed record ActivationTokenResource(string ActivationToken, string ActivationUrl);

public sealed record ResetPasswordResource(string ResetPasswordUrl);
