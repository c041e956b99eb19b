using Latchkey.Server.Hosting;

namespace Latchkey.Server.Features.RateLimits;

/// <summary>A rate-limit bucket: the endpoints it covers and its ceiling per window.</summary>
public sealed record RateLimitBucket(string Name, string UrlPattern, int Limit, TimeSpan Window);

/// <summary>
/// The per-org buckets, modelled on the real service's defaults (requests per minute per endpoint family).
/// Each can be changed with <c>Latchkey:RateLimits:Buckets:&lt;name&gt;:Limit</c> and <c>:WindowSeconds</c>.
/// </summary>
public sealed class RateLimitBuckets
{
    public static readonly IReadOnlyList<RateLimitBucket> Defaults =
    [
        new("users", "/api/v1/users", 600, TimeSpan.FromMinutes(1)),
        new("user", "/api/v1/users/{id}", 2000, TimeSpan.FromMinutes(1)),
        new("groups", "/api/v1/groups*", 1000, TimeSpan.FromMinutes(1)),
        new("apps", "/api/v1/apps*", 500, TimeSpan.FromMinutes(1)),
        new("logs", "/api/v1/logs", 120, TimeSpan.FromMinutes(1)),
        new("default", "/api/v1/*", 1200, TimeSpan.FromMinutes(1)),
    ];

    private readonly Dictionary<string, RateLimitBucket> _byName;

    public RateLimitBuckets(RateLimitOptions options)
    {
        _byName = Defaults.ToDictionary(b => b.Name, b =>
        {
            options.Buckets.TryGetValue(b.Name, out var o);
            return b with
            {
                Limit = o?.Limit ?? b.Limit,
                Window = o?.WindowSeconds is { } s ? TimeSpan.FromSeconds(s) : b.Window,
            };
        }, StringComparer.Ordinal);
    }

    public static bool IsKnown(string name) => Defaults.Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

    public RateLimitBucket For(PathString path)
    {
        // Routing ignores case and a trailing slash, so bucket selection must too (else /API/V1/USERS escapes its bucket).
        var p = (path.Value ?? "").TrimEnd('/').ToLowerInvariant();
        var name = p switch
        {
            "/api/v1/users" => "users",
            _ when p.StartsWith("/api/v1/users/", StringComparison.Ordinal) => "user",
            _ when p.StartsWith("/api/v1/groups", StringComparison.Ordinal) => "groups",
            _ when p.StartsWith("/api/v1/apps", StringComparison.Ordinal) => "apps",
            _ when p.StartsWith("/api/v1/logs", StringComparison.Ordinal) => "logs",
            _ => "default",
        };
        return _byName[name];
    }
}
