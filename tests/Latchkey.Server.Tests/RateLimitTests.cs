using System.Globalization;
using System.Net;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Server.Tests;

/// <summary>A server whose "user" bucket allows 3 calls a minute, on a clock the test moves.</summary>
public sealed class RateLimitedServer : ClockedServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Latchkey:RateLimits:Buckets:user:Limit"] = "3",
        ["Latchkey:RateLimits:Buckets:user:WindowSeconds"] = "60",
    };
}

/// <summary>okta-api.md section 1.5: fixed windows per bucket, 429 E0000047 over the ceiling, one violation event per window.</summary>
public sealed class RateLimitTests
{
    private static long Number(ApiResponse response, string header)
    {
        var text = response.Header(header);
        Assert.True(text is not null, $"{header} missing: {response.Describe()}");
        return long.Parse(text, CultureInfo.InvariantCulture);
    }

    private static async Task<RateLimitedServer> StartAsync()
    {
        var server = new RateLimitedServer();
        await server.InitializeAsync();
        return server;
    }

    private static Task<ApiResponse> GetAdminAsync(RateLimitedServer server) => server.Api.GetAsync($"/api/v1/users/{server.Admin.Id}");

    private static async Task<int> ViolationCountAsync(RateLimitedServer server) =>
        (await server.Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode("eventType eq \"system.org.rate_limit.violation\"")))
            .Expect(HttpStatusCode.OK).Array.Count;

    [Fact]
    public async Task The_fourth_call_in_a_window_is_refused_with_429_E0000047_remaining_zero_and_a_future_reset()
    {
        await using var server = await StartAsync();
        var remaining = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var ok = (await GetAdminAsync(server)).Expect(HttpStatusCode.OK);
            Assert.Equal(3, Number(ok, "X-Rate-Limit-Limit"));
            remaining.Add(Number(ok, "X-Rate-Limit-Remaining"));
        }

        Assert.Equal([2, 1, 0], remaining);
        var refused = await GetAdminAsync(server);
        var error = refused.ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        Assert.Equal("API call exceeded rate limit due to too many requests.", (string?)error["errorSummary"]);
        Assert.Equal(3, Number(refused, "X-Rate-Limit-Limit"));
        Assert.Equal(0, Number(refused, "X-Rate-Limit-Remaining"));
        var now = server.Time.GetUtcNow().ToUnixTimeSeconds();
        var reset = Number(refused, "X-Rate-Limit-Reset");
        Assert.InRange(reset, now + 1, now + 60);
        Assert.False(string.IsNullOrEmpty(refused.Header("X-Okta-Request-Id")));
    }

    [Fact]
    public async Task Advancing_the_clock_past_the_window_allows_calls_again()
    {
        await using var server = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await GetAdminAsync(server)).Expect(HttpStatusCode.OK);
        }

        var refused = (await GetAdminAsync(server)).Expect(HttpStatusCode.TooManyRequests);
        var reset = Number(refused, "X-Rate-Limit-Reset");
        server.Time.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(reset).AddMilliseconds(1));
        var allowed = (await GetAdminAsync(server)).Expect(HttpStatusCode.OK);
        Assert.Equal(2, Number(allowed, "X-Rate-Limit-Remaining"));
        Assert.True(Number(allowed, "X-Rate-Limit-Reset") > reset);
    }

    [Fact]
    public async Task A_violation_is_logged_once_per_window()
    {
        await using var server = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await GetAdminAsync(server)).Expect(HttpStatusCode.OK);
        }

        for (var i = 0; i < 3; i++)
        {
            (await GetAdminAsync(server)).ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        }

        Assert.Equal(1, await ViolationCountAsync(server));
        var events = (await server.Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode("eventType eq \"system.org.rate_limit.violation\"")))
            .Array;
        var e = events[0]!;
        Assert.Equal(server.Admin.Id, (string?)e["actor"]!["id"]);
        Assert.Equal(3, (int?)e["debugContext"]!["debugData"]!["threshold"]);

        server.Time.Advance(TimeSpan.FromSeconds(61));
        for (var i = 0; i < 3; i++)
        {
            (await GetAdminAsync(server)).Expect(HttpStatusCode.OK);
        }

        Assert.Equal(1, await ViolationCountAsync(server));
        (await GetAdminAsync(server)).ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        (await GetAdminAsync(server)).ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        Assert.Equal(2, await ViolationCountAsync(server));
    }

    [Fact]
    public async Task An_exhausted_bucket_does_not_limit_other_buckets()
    {
        await using var server = await StartAsync();
        for (var i = 0; i < 4; i++)
        {
            await GetAdminAsync(server);
        }

        (await GetAdminAsync(server)).Expect(HttpStatusCode.TooManyRequests);
        var list = (await server.Api.GetAsync("/api/v1/users")).Expect(HttpStatusCode.OK);
        Assert.Equal(600, Number(list, "X-Rate-Limit-Limit"));
        (await server.Api.GetAsync("/api/v1/groups")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_refused_call_changes_nothing()
    {
        await using var server = await StartAsync();
        var user = ServerFixture.Id(await server.CreateUserAsync());
        for (var i = 0; i < 3; i++)
        {
            (await GetAdminAsync(server)).Expect(HttpStatusCode.OK);
        }

        (await server.Api.PostAsync($"/api/v1/users/{user}/lifecycle/suspend")).ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        server.Time.Advance(TimeSpan.FromSeconds(61));
        var read = (await server.Api.GetAsync($"/api/v1/users/{user}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)read["status"]);
    }
}
