using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>A server whose largest accepted request body is 2 KiB.</summary>
public sealed class SmallBodyLimitFixture : ServerFixture
{
    public const int Limit = 2048;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Latchkey:MaxRequestBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

public sealed class RequestBodyLimitTests(SmallBodyLimitFixture server) : IClassFixture<SmallBodyLimitFixture>
{
    private static JsonObject UserWithPadding(int bytes) => new()
    {
        ["profile"] = new JsonObject
        {
            ["login"] = $"big.{ServerFixture.Unique()}@example.com", ["email"] = "big@example.com",
            ["firstName"] = "Big", ["lastName"] = "Body", ["notes"] = new string('x', bytes),
        },
    };

    [Fact]
    public async Task A_body_over_the_configured_limit_is_refused_with_a_4xx_error_body_not_a_500()
    {
        var response = await server.Api.PostAsync("/api/v1/users", UserWithPadding(SmallBodyLimitFixture.Limit * 4));
        Assert.True((int)response.Status is >= 400 and < 500, response.Describe());
        Assert.Equal("application/json", response.ContentType?.MediaType);
        var error = response.Object;
        Assert.StartsWith("E0000", (string?)error["errorCode"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)error["errorSummary"]));
        Assert.False(string.IsNullOrEmpty(response.Header("X-Okta-Request-Id")));
        Assert.DoesNotContain("Exception", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_oversized_body_writes_nothing()
    {
        var body = UserWithPadding(SmallBodyLimitFixture.Limit * 4);
        var login = (string)body["profile"]!["login"]!;
        var response = await server.Api.PostAsync("/api/v1/users", body);
        Assert.True((int)response.Status is >= 400 and < 500, response.Describe());
        (await server.Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task A_body_under_the_limit_is_accepted()
    {
        var response = await server.Api.PostAsync("/api/v1/users?activate=false", UserWithPadding(SmallBodyLimitFixture.Limit / 4));
        response.Expect(HttpStatusCode.OK);
    }
}
