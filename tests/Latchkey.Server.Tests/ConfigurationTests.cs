using Latchkey.Server.Hosting;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Tests;

/// <summary>Bad configuration stops start-up with a message that names the key.</summary>
public sealed class ConfigurationTests
{
    private static IReadOnlyList<string> Failures(Action<LatchkeyOptions> change)
    {
        var options = new LatchkeyOptions();
        change(options);
        var result = new LatchkeyOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToList() : [];
    }

    [Fact]
    public void The_default_options_are_valid()
    {
        Assert.Empty(Failures(_ => { }));
    }

    [Fact]
    public void Postgres_without_a_connection_string_is_rejected_naming_the_key()
    {
        var failures = Failures(o => o.Database.Provider = DatabaseProvider.Postgres);
        var message = Assert.Single(failures);
        Assert.Contains("Latchkey:Database:ConnectionString", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_with_a_connection_string_is_accepted()
    {
        Assert.Empty(Failures(o =>
        {
            o.Database.Provider = DatabaseProvider.Postgres;
            o.Database.ConnectionString = "Host=127.0.0.1;Username=postgres;Database=x";
        }));
    }

    [Fact]
    public void An_unknown_rate_limit_bucket_is_rejected_naming_the_key_and_the_known_buckets()
    {
        var failures = Failures(o => o.RateLimits.Buckets["nosuchbucket"] = new RateLimitBucketOptions { Limit = 5 });
        var message = Assert.Single(failures);
        Assert.Contains("Latchkey:RateLimits:Buckets:nosuchbucket", message, StringComparison.Ordinal);
        Assert.Contains("users", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_known_rate_limit_bucket_with_a_bad_limit_or_window_is_rejected_naming_the_key()
    {
        var failures = Failures(o => o.RateLimits.Buckets["user"] = new RateLimitBucketOptions { Limit = 0, WindowSeconds = 0 });
        Assert.Contains(failures, f => f.Contains("Latchkey:RateLimits:Buckets:user:Limit", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Latchkey:RateLimits:Buckets:user:WindowSeconds", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(999)]
    [InlineData(0)]
    [InlineData(-5)]
    public void Fewer_than_1000_pbkdf2_iterations_are_rejected_naming_the_key(int iterations)
    {
        var message = Assert.Single(Failures(o => o.Passwords.Pbkdf2Iterations = iterations));
        Assert.Contains("Latchkey:Passwords:Pbkdf2Iterations", message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_thousand_iterations_are_accepted()
    {
        Assert.Empty(Failures(o => o.Passwords.Pbkdf2Iterations = 1000));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var failures = Failures(o =>
        {
            o.Database.Provider = DatabaseProvider.Postgres;
            o.Passwords.Pbkdf2Iterations = 1;
            o.RateLimits.Buckets["bogus"] = new RateLimitBucketOptions();
        });
        Assert.Equal(3, failures.Count);
    }
}
