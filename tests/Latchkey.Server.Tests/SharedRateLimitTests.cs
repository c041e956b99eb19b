using System.Net;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// DESIGN.md "Many nodes": no node-local state that matters. Two server processes on one database count
/// against one rate limit when the counters are shared (the default on PostgreSQL).
/// </summary>
public sealed class SharedRateLimitTests
{
    [Fact]
    public async Task Two_servers_on_one_database_share_one_rate_limit()
    {
        var limits = new Dictionary<string, string?>
        {
            ["Latchkey:RateLimits:Shared"] = "true",
            ["Latchkey:RateLimits:Buckets:user:Limit"] = "4",
            ["Latchkey:RateLimits:Buckets:user:WindowSeconds"] = "3600",
        };
        await using var first = new LatchkeyFactory(limits);
        using var firstHttp = first.CreateClient();
        var firstApi = new ApiClient(firstHttp, first.Token);
        (await firstApi.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);

        // The second node uses the first one's database (and so its token), as a second process behind a load balancer would.
        var sameDatabase = new Dictionary<string, string?>(limits)
        {
            ["Latchkey:DataDir"] = first.DataDir,
            ["Latchkey:Database:ConnectionString"] = first.Services.GetRequiredService<IConfiguration>()["Latchkey:Database:ConnectionString"],
        };
        await using var second = new LatchkeyFactory(sameDatabase);
        using var secondHttp = second.CreateClient();
        var secondApi = new ApiClient(secondHttp, first.Token);

        (await secondApi.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);
        (await firstApi.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);
        var last = (await secondApi.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);
        Assert.Equal("0", last.Header("X-Rate-Limit-Remaining"));

        (await firstApi.GetAsync("/api/v1/users/me")).ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        (await secondApi.GetAsync("/api/v1/users/me")).ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
    }
}
