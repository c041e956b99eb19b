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

    [Theory]
    [InlineData("my-secret")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData(" 0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef\n")]
    public void A_bootstrap_token_shorter_than_32_characters_or_padded_with_spaces_is_rejected_naming_the_key(string token)
    {
        var message = Assert.Single(Failures(o => o.BootstrapApiToken = token));
        Assert.Contains("Latchkey:BootstrapApiToken", message, StringComparison.Ordinal);
        Assert.Contains("32", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bootstrap_token_of_32_characters_is_accepted()
    {
        Assert.Empty(Failures(o => o.BootstrapApiToken = "0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public void Failed_authentications_are_limited_to_20_a_minute_per_address_by_default()
    {
        var options = new LatchkeyOptions();
        Assert.Equal(20, options.RateLimits.FailedAuthentication.Limit);
        Assert.Equal(60, options.RateLimits.FailedAuthentication.WindowSeconds);
    }

    [Theory]
    [InlineData(0, 60, "Latchkey:RateLimits:FailedAuthentication:Limit")]
    [InlineData(-1, 60, "Latchkey:RateLimits:FailedAuthentication:Limit")]
    [InlineData(20, 0, "Latchkey:RateLimits:FailedAuthentication:WindowSeconds")]
    [InlineData(20, 3601, "Latchkey:RateLimits:FailedAuthentication:WindowSeconds")]
    [InlineData(0, 60, "Latchkey:RateLimits:FailedSignIn:Limit")]
    [InlineData(60, 3601, "Latchkey:RateLimits:FailedSignIn:WindowSeconds")]
    public void A_bad_per_address_failure_limit_or_window_is_rejected_naming_the_key(int limit, int windowSeconds, string key)
    {
        var message = Assert.Single(Failures(o =>
        {
            if (key.Contains("FailedSignIn", StringComparison.Ordinal))
            {
                (o.RateLimits.FailedSignIn.Limit, o.RateLimits.FailedSignIn.WindowSeconds) = (limit, windowSeconds);
            }
            else
            {
                (o.RateLimits.FailedAuthentication.Limit, o.RateLimits.FailedAuthentication.WindowSeconds) = (limit, windowSeconds);
            }
        }));
        Assert.Contains(key, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 60, "Latchkey:RateLimits:DesktopMfaKeyLookup")]
    [InlineData(5, 3601, "Latchkey:RateLimits:DesktopMfaKeyLookup")]
    [InlineData(0, 60, "Latchkey:RateLimits:DesktopMfaPush")]
    [InlineData(2_000_000, 60, "Latchkey:RateLimits:DesktopMfaInvalidClient")]
    public void A_bad_desktop_mfa_limit_is_rejected_naming_the_key(int limit, int windowSeconds, string key)
    {
        var message = Assert.Single(Failures(o =>
        {
            var options = key.EndsWith("KeyLookup", StringComparison.Ordinal) ? o.RateLimits.DesktopMfaKeyLookup
                : key.EndsWith("InvalidClient", StringComparison.Ordinal) ? o.RateLimits.DesktopMfaInvalidClient : o.RateLimits.DesktopMfaPush;
            (options.Limit, options.WindowSeconds) = (limit, windowSeconds);
        }));
        Assert.Contains(key, message, StringComparison.Ordinal);
        Assert.Equal((5, 60), (new LatchkeyOptions().RateLimits.DesktopMfaKeyLookup.Limit, new LatchkeyOptions().RateLimits.DesktopMfaKeyLookup.WindowSeconds));
        Assert.Equal((30, 60), (new LatchkeyOptions().RateLimits.DesktopMfaInvalidClient.Limit, new LatchkeyOptions().RateLimits.DesktopMfaInvalidClient.WindowSeconds));
    }

    [Fact]
    public void Refused_passwords_slow_an_address_down_at_60_a_minute_by_default()
    {
        var options = new LatchkeyOptions();
        Assert.True(options.RateLimits.FailedSignIn.Enabled);
        Assert.Equal(60, options.RateLimits.FailedSignIn.Limit);
        Assert.Equal(60, options.RateLimits.FailedSignIn.WindowSeconds);
    }

    [Fact]
    public async Task The_failed_authentication_limit_is_read_from_configuration()
    {
        await using var factory = new LatchkeyFactory(new Dictionary<string, string?>
        {
            ["Latchkey:RateLimits:FailedAuthentication:Limit"] = "3",
            ["Latchkey:RateLimits:FailedAuthentication:WindowSeconds"] = "600",
        });
        using var http = factory.CreateClient();
        var guesser = new ApiClient(http, "00" + new string('x', 40));
        for (var i = 0; i < 3; i++)
        {
            (await guesser.GetAsync("/api/v1/users")).ExpectError(System.Net.HttpStatusCode.Unauthorized, "E0000011");
        }

        var blocked = (await guesser.GetAsync("/api/v1/groups"));
        blocked.ExpectError(System.Net.HttpStatusCode.TooManyRequests, "E0000047");
        Assert.Equal("3", blocked.Header("X-Rate-Limit-Limit"));
        Assert.InRange(int.Parse(blocked.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 1, 600);
    }

    [Theory]
    [InlineData(0, 60, "Latchkey:SystemLog:Checkpoint:EveryEvents")]
    [InlineData(1_000_001, 60, "Latchkey:SystemLog:Checkpoint:EveryEvents")]
    [InlineData(1000, 0, "Latchkey:SystemLog:Checkpoint:EverySeconds")]
    [InlineData(1000, 86_401, "Latchkey:SystemLog:Checkpoint:EverySeconds")]
    public void A_checkpoint_cadence_out_of_range_is_rejected_naming_the_key(int everyEvents, int everySeconds, string key)
    {
        var message = Assert.Single(Failures(o =>
        {
            o.SystemLog.Checkpoint.EveryEvents = everyEvents;
            o.SystemLog.Checkpoint.EverySeconds = everySeconds;
        }));
        Assert.Contains(key, message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checkpoint_cadence_defaults_to_1000_events_or_60_seconds()
    {
        var options = new LatchkeyOptions();
        Assert.Equal(1000, options.SystemLog.Checkpoint.EveryEvents);
        Assert.Equal(60, options.SystemLog.Checkpoint.EverySeconds);
        Assert.False(options.SystemLog.RequireIntactChain);
        Assert.Equal(Path.GetFullPath(Path.Combine("data", "log-signing-key.pem")), options.SystemLog.KeyPath(options.DataDir));
        Assert.Equal(Path.GetFullPath(Path.Combine("data", "log-checkpoints.json")), options.SystemLog.RecordPath(options.DataDir));
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
