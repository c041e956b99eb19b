using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Latchkey.Server.Tests;

/// <summary>A server with the default failed-authentication limit (20 a minute per address), on a clock the test moves.</summary>
public sealed class GuessedServer : ClockedServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>(base.Settings);
            settings.Remove(FailedAuthenticationLimitKey);
            return settings;
        }
    }
}

/// <summary>
/// Issue 9 item 4, token guessing: failed API-token authentications are counted per client address across every
/// endpoint (20 a minute by default); past the limit the address gets 429 E0000047 with Retry-After until the window
/// ends, the block is in the System Log with the address, and other addresses are never held up.
/// </summary>
public sealed class TokenGuessingTests
{
    private const int Limit = 20;
    private const string Guesser = "127.0.0.2";
    private const string BlockedEvent = "security.request.blocked";

    private static async Task<GuessedServer> StartAsync()
    {
        var server = new GuessedServer();
        await server.InitializeAsync();
        return server;
    }

    private static long Number(ApiResponse response, string header)
    {
        var text = response.Header(header);
        Assert.True(text is not null, $"{header} missing: {response.Describe()}");
        return long.Parse(text, CultureInfo.InvariantCulture);
    }

    private static string WrongToken() => "00" + ServerFixture.Unique(40);

    /// <summary>The i-th guess: a wrong token, no token or a malformed header, on an endpoint that changes every time.</summary>
    private static Task<ApiResponse> GuessAsync(ApiClient guesser, int i, string adminId)
    {
        string[] paths =
        [
            "/api/v1/users", $"/api/v1/users/{adminId}", "/api/v1/groups", "/api/v1/apps", "/api/v1/logs",
            "/api/v1/api-tokens", "/api/v1/api-tokens/current", "/api/v1/users/me/groups", "/api/v1/no-such-route",
        ];
        var path = paths[i % paths.Length];
        return (i % 10) switch
        {
            3 => guesser.SendRawAsync(HttpMethod.Get, path, null, auth: null),
            6 => guesser.SendRawAsync(HttpMethod.Get, path, null, WrongToken(), scheme: "Bearer"),
            8 => guesser.SendRawAsync(HttpMethod.Post, "/api/v1/groups", "{\"profile\":{\"name\":\"x\"}}", WrongToken()),
            9 => guesser.SendRawAsync(HttpMethod.Get, path, null, new string('a', 201)),
            _ => guesser.SendRawAsync(HttpMethod.Get, path, null, WrongToken()),
        };
    }

    private static async Task<JsonArray> BlockEventsAsync(ServerFixture server) =>
        (await server.Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"eventType eq \"{BlockedEvent}\"")))
            .Expect(HttpStatusCode.OK).Array;

    private static void AssertBlocked(ApiResponse response, FakeTimeProvider time)
    {
        response.ExpectError(HttpStatusCode.TooManyRequests, "E0000047");
        Assert.Equal(Limit, Number(response, "X-Rate-Limit-Limit"));
        Assert.Equal(0, Number(response, "X-Rate-Limit-Remaining"));
        var retryAfter = Number(response, "Retry-After");
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(Number(response, "X-Rate-Limit-Reset") - time.GetUtcNow().ToUnixTimeSeconds(), retryAfter);
    }

    [Fact]
    public async Task Two_hundred_wrong_tokens_across_endpoints_are_refused_with_429_and_Retry_After_after_twenty()
    {
        await using var server = await StartAsync();
        using var http = ClientAddresses.From(Guesser, server.Api.BaseAddress);
        var guesser = new ApiClient(http, WrongToken());
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            var response = await GuessAsync(guesser, i, server.Admin.Id);
            statuses.Add(response.Status);
            if (i < Limit)
            {
                Assert.True(response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, response.Describe());
                Assert.Equal(Limit, Number(response, "X-Rate-Limit-Limit"));
                Assert.Equal(Limit - 1 - i, Number(response, "X-Rate-Limit-Remaining"));
            }
            else
            {
                AssertBlocked(response, server.Time);
            }
        }

        Assert.Equal(200 - Limit, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task A_block_is_in_the_System_Log_once_per_window_with_the_address()
    {
        await using var server = await StartAsync();
        using var http = ClientAddresses.From(Guesser, server.Api.BaseAddress);
        var guesser = new ApiClient(http, WrongToken());
        for (var i = 0; i < 60; i++)
        {
            await GuessAsync(guesser, i, server.Admin.Id);
        }

        var e = Assert.Single(await BlockEventsAsync(server))!;
        Assert.Equal("WARN", (string?)e["severity"]);
        Assert.Equal("DENY", (string?)e["outcome"]!["result"]);
        Assert.Contains(Guesser, (string?)e["outcome"]!["reason"], StringComparison.Ordinal);
        Assert.Equal(Guesser, (string?)e["client"]!["ipAddress"]);
        Assert.Equal(Guesser, (string?)e["request"]!["ipChain"]![0]!["ip"]);
        Assert.Equal("unknown", (string?)e["actor"]!["id"]);
        var target = Assert.Single(e["target"]!.AsArray())!;
        Assert.Equal(Guesser, (string?)target["id"]);
        Assert.Equal(Limit, (int?)e["debugContext"]!["debugData"]!["threshold"]);
        var byAddress = (await server.Api.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"client.ipAddress eq \"{Guesser}\"")))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Equal(BlockedEvent, (string?)Assert.Single(byAddress)!["eventType"]);

        // A second address is a second block and a second event; more failures in the same window add none.
        using var otherHttp = ClientAddresses.From("127.0.0.3", server.Api.BaseAddress);
        var other = new ApiClient(otherHttp, WrongToken());
        for (var i = 0; i <= Limit; i++)
        {
            await GuessAsync(other, i, server.Admin.Id);
        }

        await GuessAsync(guesser, 0, server.Admin.Id);
        var events = await BlockEventsAsync(server);
        Assert.Equal(["127.0.0.2", "127.0.0.3"], events.Select(x => (string)x!["client"]!["ipAddress"]!).Order());
        await LogChain.AssertValidAsync(server);
    }

    [Fact]
    public async Task A_valid_token_from_another_address_keeps_answering_while_the_guesser_is_blocked()
    {
        await using var server = await StartAsync();
        using var http = ClientAddresses.From(Guesser, server.Api.BaseAddress);
        var guesser = new ApiClient(http, WrongToken());

        // The guesses and the admin's calls run at the same time; every admin call answers 200.
        var guesses = Task.WhenAll(Enumerable.Range(0, 200).Select(i => GuessAsync(guesser, i, server.Admin.Id)));
        var admin = Task.WhenAll(Enumerable.Range(0, 50).Select(i => server.Api.GetAsync(i % 2 == 0 ? "/api/v1/users" : "/api/v1/groups")));
        var answers = await admin;
        Assert.All(answers, a => a.Expect(HttpStatusCode.OK));
        Assert.Equal(200 - Limit, (await guesses).Count(g => g.Status == HttpStatusCode.TooManyRequests));

        var during = (await server.Api.GetAsync($"/api/v1/users/{server.Admin.Id}")).Expect(HttpStatusCode.OK);
        Assert.NotEqual(Limit, Number(during, "X-Rate-Limit-Limit"));
        Assert.Null(during.Header("Retry-After"));

        // The blocked address itself is refused even with the valid token: otherwise 200 against 429 would tell a
        // guesser which guess was right.
        var sameAddress = new ApiClient(http, server.Api.Token);
        AssertBlocked(await sameAddress.GetAsync($"/api/v1/users/{server.Admin.Id}"), server.Time);
    }

    [Fact]
    public async Task When_the_window_has_passed_the_address_may_try_again()
    {
        await using var server = await StartAsync();
        using var http = ClientAddresses.From(Guesser, server.Api.BaseAddress);
        var guesser = new ApiClient(http, WrongToken());
        ApiResponse? blocked = null;
        for (var i = 0; i <= Limit; i++)
        {
            blocked = await GuessAsync(guesser, i, server.Admin.Id);
        }

        AssertBlocked(blocked!, server.Time);
        server.Time.Advance(TimeSpan.FromSeconds(Number(blocked!, "Retry-After") - 1));
        AssertBlocked(await guesser.GetAsync("/api/v1/users"), server.Time);

        server.Time.Advance(TimeSpan.FromSeconds(1));
        var again = await guesser.GetAsync("/api/v1/users");
        again.ExpectError(HttpStatusCode.Unauthorized, "E0000011");
        Assert.Equal(Limit - 1, Number(again, "X-Rate-Limit-Remaining"));
        var valid = new ApiClient(http, server.Api.Token);
        (await valid.GetAsync("/api/v1/users")).Expect(HttpStatusCode.OK);

        // The new window has its own limit, its own block and its own event.
        for (var i = 1; i < Limit; i++)
        {
            (await GuessAsync(guesser, i, server.Admin.Id)).Expect(i % 10 == 3 ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized);
        }

        AssertBlocked(await guesser.GetAsync("/api/v1/groups"), server.Time);
        Assert.Equal(2, (await BlockEventsAsync(server)).Count);
    }

    [Fact]
    public async Task Two_servers_on_one_database_count_failures_from_one_address_together()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var shared = new Dictionary<string, string?> { ["Latchkey:RateLimits:Shared"] = "true" };
        await using var first = new LatchkeyFactory(shared, clock);
        using var firstLocal = first.CreateClient();
        var sameDatabase = new Dictionary<string, string?>(shared)
        {
            ["Latchkey:DataDir"] = first.DataDir,
            ["Latchkey:Database:ConnectionString"] = first.Services.GetRequiredService<IConfiguration>()["Latchkey:Database:ConnectionString"],
        };
        await using var second = new LatchkeyFactory(sameDatabase, clock);
        using var secondLocal = second.CreateClient();
        using var toFirst = ClientAddresses.From(Guesser, firstLocal.BaseAddress!);
        using var toSecond = ClientAddresses.From(Guesser, secondLocal.BaseAddress!);
        var wrongAtFirst = new ApiClient(toFirst, WrongToken());
        var wrongAtSecond = new ApiClient(toSecond, WrongToken());

        for (var i = 0; i < Limit; i++)
        {
            var response = await (i % 2 == 0 ? wrongAtFirst : wrongAtSecond).GetAsync("/api/v1/users");
            response.ExpectError(HttpStatusCode.Unauthorized, "E0000011");
            Assert.Equal(Limit - 1 - i, Number(response, "X-Rate-Limit-Remaining"));
        }

        AssertBlocked(await wrongAtFirst.GetAsync("/api/v1/groups"), clock);
        AssertBlocked(await wrongAtSecond.GetAsync("/api/v1/groups"), clock);
        var admin = new ApiClient(firstLocal, first.Token);
        (await admin.GetAsync("/api/v1/users")).Expect(HttpStatusCode.OK);
        var events = (await admin.GetAsync("/api/v1/logs?filter=" + ServerFixture.Encode($"eventType eq \"{BlockedEvent}\"")))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Equal(Guesser, (string?)Assert.Single(events)!["client"]!["ipAddress"]);
    }
}
