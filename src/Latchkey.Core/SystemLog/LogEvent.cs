namespace Latchkey.Core.SystemLog;

/// <summary>
/// One System Log record, shaped as the real service's LogEvent (okta-api.md section 8). Serialised
/// camelCase; null members are omitted except where the contract shows them.
/// </summary>
public sealed record LogEvent
{
    public required string Uuid { get; init; }
    public required DateTimeOffset Published { get; init; }
    public required string EventType { get; init; }
    public string Version { get; init; } = "0";
    public required string Severity { get; init; }
    public string? LegacyEventType { get; init; }
    public required string DisplayMessage { get; init; }
    public required LogActor Actor { get; init; }
    public LogClient? Client { get; init; }
    public LogAuthenticationContext? AuthenticationContext { get; init; }
    public required LogOutcome Outcome { get; init; }
    public IReadOnlyList<LogTarget> Target { get; init; } = [];
    public LogTransaction? Transaction { get; init; }
    public LogDebugContext? DebugContext { get; init; }
    public LogSecurityContext? SecurityContext { get; init; }
    public LogRequest? Request { get; init; }
}

public sealed record LogActor(string Id, string Type, string? AlternateId, string? DisplayName)
{
    public IReadOnlyDictionary<string, object?>? DetailEntry { get; init; }
}

public sealed record LogTarget(string Id, string Type, string? AlternateId, string? DisplayName)
{
    public IReadOnlyDictionary<string, object?>? DetailEntry { get; init; }
    public LogChangeDetails? ChangeDetails { get; init; }
}

public sealed record LogChangeDetails(IReadOnlyDictionary<string, object?>? From, IReadOnlyDictionary<string, object?>? To);

public sealed record LogOutcome(string Result, string? Reason = null);

public sealed record LogClient(LogUserAgent? UserAgent, string? Zone, string? Device, string? Id, string? IpAddress)
{
    public LogGeographicalContext? GeographicalContext { get; init; }
}

public sealed record LogUserAgent(string? RawUserAgent, string? Os, string? Browser);

public sealed record LogGeographicalContext(string? City, string? State, string? Country, string? PostalCode);

public sealed record LogAuthenticationContext(string? AuthenticationProvider, string? CredentialProvider, string? CredentialType,
    string? Interface, int AuthenticationStep, string? ExternalSessionId, string? RootSessionId);

public sealed record LogTransaction(string Type, string Id, IReadOnlyDictionary<string, object?> Detail);

public sealed record LogDebugContext(IReadOnlyDictionary<string, object?> DebugData);

public sealed record LogSecurityContext(int? AsNumber, string? AsOrg, string? Isp, string? Domain, bool? IsProxy);

public sealed record LogRequest(IReadOnlyList<LogIpAddress> IpChain);

public sealed record LogIpAddress(string Ip, string Version, string? Source)
{
    public LogGeographicalContext? GeographicalContext { get; init; }
}

public static class LogSeverity
{
    public const string Debug = "DEBUG";
    public const string Info = "INFO";
    public const string Warn = "WARN";
    public const string Error = "ERROR";
}

public static class LogOutcomeResult
{
    public const string Success = "SUCCESS";
    public const string Failure = "FAILURE";
    public const string Allow = "ALLOW";
    public const string Deny = "DENY";
    public const string Challenge = "CHALLENGE";
    public const string RateLimit = "RATE_LIMIT";
}
