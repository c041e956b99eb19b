using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>The bootstrap admin the API token belongs to, as the System Log names it.</summary>
public sealed record Admin(string Id, string Login, string DisplayName);

/// <summary>
/// A started server shared by the tests of one class. Tests create what they need with unique names, so
/// they do not depend on each other or on their order.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    /// <summary>A password that meets the default policy and shares no part with the names tests use.</summary>
    public const string Password = "Tr0ub4dor&3Kx";

    private LatchkeyFactory? _factory;
    private ApiClient? _api;
    private Admin? _admin;

    public LatchkeyFactory Factory => _factory ?? throw new InvalidOperationException("Not started.");

    public ApiClient Api => _api ?? throw new InvalidOperationException("Not started.");

    public Admin Admin => _admin ?? throw new InvalidOperationException("Not started.");

    /// <summary>Extra configuration for this fixture's server (high rate limits by default, so shared servers never throttle or block).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Latchkey:RateLimits:Buckets:users:Limit"] = "100000",
        ["Latchkey:RateLimits:Buckets:user:Limit"] = "100000",
        ["Latchkey:RateLimits:Buckets:groups:Limit"] = "100000",
        ["Latchkey:RateLimits:Buckets:apps:Limit"] = "100000",
        ["Latchkey:RateLimits:Buckets:logs:Limit"] = "100000",
        ["Latchkey:RateLimits:Buckets:default:Limit"] = "100000",
        [FailedAuthenticationLimitKey] = "100000",
        [FailedSignInLimitKey] = "100000",
    };

    /// <summary>Refused passwords allowed per client address per window (tests that fail passwords on purpose share one server).</summary>
    public const string FailedSignInLimitKey = "Latchkey:RateLimits:FailedSignIn:Limit";

    /// <summary>Failed authentications allowed per client address per window (tests that send bad tokens on purpose share one server).</summary>
    public const string FailedAuthenticationLimitKey = "Latchkey:RateLimits:FailedAuthentication:Limit";

    protected virtual FakeTimeProvider? Clock => null;

    /// <summary>The store to start on (for a server that must outlive its fixture's data), else a fresh one.</summary>
    protected virtual LatchkeyStore? Store => null;

    public async ValueTask InitializeAsync()
    {
        _factory = new LatchkeyFactory(Settings, Clock, Store);
        try
        {
            _api = new ApiClient(_factory.CreateClient(), _factory.Token);
            _admin = await WithDbAsync(async db =>
            {
                if (LatchkeyFactory.UsesPostgres)
                {
                    Assert.Contains("Npgsql", db.Database.ProviderName, StringComparison.Ordinal);
                }

                var admin = await db.Users.AsNoTracking().SingleAsync(u => u.IsSuperAdmin);
                return new Admin(admin.Id, admin.Login, $"{admin.FirstName} {admin.LastName}".Trim());
            });
        }
        catch
        {
            // A server that cannot start (e.g. PostgreSQL unreachable) fails the tests; its data directory still goes.
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _api?.Http.Dispose();
        _api = null;
        if (_factory is not null)
        {
            var factory = _factory;
            _factory = null;
            await factory.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <paramref name="work"/> with the server's own DbContext (a fresh scope).</summary>
    public async Task<T> WithDbAsync<T>(Func<LatchkeyDbContext, Task<T>> work)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>());
    }

    public static string Unique(int length = 10)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        return RandomNumberGenerator.GetString(letters, length);
    }

    public static JsonObject Profile(string login, string firstName = "Test", string lastName = "Person") => new()
    {
        ["login"] = login, ["email"] = login, ["firstName"] = firstName, ["lastName"] = lastName,
    };

    /// <summary>Creates a user (ACTIVE by default: with a password and activate=true) and returns it.</summary>
    public async Task<JsonObject> CreateUserAsync(string? login = null, string firstName = "Test", string lastName = "Person",
        bool withPassword = true, bool activate = true, JsonObject? extraProfile = null)
    {
        login ??= $"user.{Unique()}@example.com";
        var profile = Profile(login, firstName, lastName);
        foreach (var (key, value) in extraProfile ?? [])
        {
            profile[key] = value?.DeepClone();
        }

        var body = new JsonObject { ["profile"] = profile };
        if (withPassword)
        {
            body["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = Password } };
        }

        var response = await Api.PostAsync($"/api/v1/users?activate={(activate ? "true" : "false")}", body);
        return response.Expect(HttpStatusCode.OK).Object;
    }

    public async Task<JsonObject> CreateGroupAsync(string? name = null, string? description = null)
    {
        var profile = new JsonObject { ["name"] = name ?? $"Group {Unique()}" };
        if (description is not null)
        {
            profile["description"] = description;
        }

        return (await Api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = profile })).Expect(HttpStatusCode.OK).Object;
    }

    public static JsonObject BookmarkBody(string? label = null, string url = "https://example.com/bookmark") => new()
    {
        ["name"] = "bookmark",
        ["label"] = label ?? $"Bookmark {Unique()}",
        ["signOnMode"] = "BOOKMARK",
        ["settings"] = new JsonObject { ["app"] = new JsonObject { ["url"] = url, ["requestIntegration"] = false } },
    };

    public async Task<JsonObject> CreateBookmarkAppAsync(string? label = null) =>
        (await Api.PostAsync("/api/v1/apps", BookmarkBody(label))).Expect(HttpStatusCode.OK).Object;

    public static string Id(JsonNode node) => (string)node["id"]!;

    public static string Encode(string value) => Uri.EscapeDataString(value);
}

/// <summary>A server on a clock the test moves (<see cref="Time"/>), starting at the current time.</summary>
public class ClockedServerFixture : ServerFixture
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    public FakeTimeProvider Time => _clock;

    protected override FakeTimeProvider? Clock => _clock;
}
