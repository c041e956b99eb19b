using Latchkey.Server.Features.RateLimits;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Hosting;

/// <summary>Stops start-up on bad configuration with a message that names the key and says what is accepted.</summary>
public sealed class LatchkeyOptionsValidator : IValidateOptions<LatchkeyOptions>
{
    public ValidateOptionsResult Validate(string? name, LatchkeyOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add("Latchkey:DataDir must name a directory.");
        }

        if (!Enum.IsDefined(options.Database.Provider))
        {
            errors.Add("Latchkey:Database:Provider must be Sqlite or Postgres.");
        }

        if (!Enum.IsDefined(options.Database.Durability))
        {
            errors.Add("Latchkey:Database:Durability must be Full or Normal.");
        }

        if (options.Database.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(options.Database.ConnectionString))
        {
            errors.Add("Latchkey:Database:ConnectionString is required when Latchkey:Database:Provider is Postgres.");
        }

        if (options.BootstrapApiToken is { } token && (token.Length == 0 || token.Trim().Length == 0 || token.Length > 200))
        {
            errors.Add("Latchkey:BootstrapApiToken must be a non-empty value of at most 200 characters.");
        }

        if (options.Passwords.Pbkdf2Iterations is < 1000 or > 10_000_000)
        {
            errors.Add("Latchkey:Passwords:Pbkdf2Iterations must be between 1000 and 10000000.");
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 100 * 1024 * 1024)
        {
            errors.Add("Latchkey:MaxRequestBodyBytes must be between 1024 and 104857600.");
        }

        foreach (var (bucket, o) in options.RateLimits.Buckets)
        {
            if (!RateLimitBuckets.IsKnown(bucket))
            {
                errors.Add($"Latchkey:RateLimits:Buckets:{bucket} is not a bucket; known buckets: " +
                    string.Join(", ", RateLimitBuckets.Defaults.Select(b => b.Name)) + ".");
            }

            if (o.Limit is < 1)
            {
                errors.Add($"Latchkey:RateLimits:Buckets:{bucket}:Limit must be at least 1.");
            }

            if (o.WindowSeconds is < 1 or > 3600)
            {
                errors.Add($"Latchkey:RateLimits:Buckets:{bucket}:WindowSeconds must be between 1 and 3600.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
