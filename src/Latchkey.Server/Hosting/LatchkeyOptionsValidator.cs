using Latchkey.Server.Features.RateLimits;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Hosting;

/// <summary>Stops start-up on bad configuration with a message that names the key and says what is accepted.</summary>
public sealed class LatchkeyOptionsValidator : IValidateOptions<LatchkeyOptions>
{
    /// <summary>A bootstrap token belongs to a super-admin: at least 32 characters (128 bits as hex, more as base64).</summary>
    public const int MinBootstrapTokenLength = 32;

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

        if (!string.IsNullOrWhiteSpace(options.Database.ConnectionString) && ConnectionStringError(options.Database) is { } bad)
        {
            errors.Add($"Latchkey:Database:ConnectionString is not a valid {options.Database.Provider} connection string: {bad}");
        }

        if (!Enum.IsDefined(options.Database.Durability))
        {
            errors.Add("Latchkey:Database:Durability must be Full or Normal.");
        }

        if (options.Database.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(options.Database.ConnectionString))
        {
            errors.Add("Latchkey:Database:ConnectionString is required when Latchkey:Database:Provider is Postgres.");
        }

        if (options.BootstrapApiToken is { } token
            && (token.Length is < MinBootstrapTokenLength or > 200 || token.Trim().Length != token.Length))
        {
            errors.Add($"Latchkey:BootstrapApiToken must be {MinBootstrapTokenLength} to 200 characters without leading or trailing "
                + "spaces (a super-admin token must not be guessable): generate one, for example with openssl rand -hex 24.");
        }

        if (options.Passwords.Pbkdf2Iterations is < 1000 or > 10_000_000)
        {
            errors.Add("Latchkey:Passwords:Pbkdf2Iterations must be between 1000 and 10000000.");
        }

        if (options.Factors.TotpDriftSteps is < 0 or > 10)
        {
            errors.Add("Latchkey:Factors:TotpDriftSteps must be between 0 and 10.");
        }

        if (options.Factors.MaxFailures is < 0 or > 100 || options.Factors.LockMinutes is < 1 or > 1440
            || options.Factors.ActivationMinutes is < 1 or > 1440)
        {
            errors.Add("Latchkey:Factors:MaxFailures must be 0-100, LockMinutes and ActivationMinutes 1-1440.");
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 100 * 1024 * 1024)
        {
            errors.Add("Latchkey:MaxRequestBodyBytes must be between 1024 and 104857600.");
        }

        if (options.SystemLog.Checkpoint.EveryEvents is < 1 or > 1_000_000)
        {
            errors.Add("Latchkey:SystemLog:Checkpoint:EveryEvents must be between 1 and 1000000.");
        }

        if (options.SystemLog.Checkpoint.EverySeconds is < 1 or > 86_400)
        {
            errors.Add("Latchkey:SystemLog:Checkpoint:EverySeconds must be between 1 and 86400.");
        }

        if (options.SystemLog.SigningKeyPath is { } keyPath && string.IsNullOrWhiteSpace(keyPath))
        {
            errors.Add("Latchkey:SystemLog:SigningKeyPath must name a PEM file when set.");
        }

        if (options.SystemLog.CheckpointRecordPath is { } recordPath && string.IsNullOrWhiteSpace(recordPath))
        {
            errors.Add("Latchkey:SystemLog:CheckpointRecordPath must name a file when set.");
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

        var failed = options.RateLimits.FailedAuthentication;
        if (failed.Limit is < 1 or > 1_000_000)
        {
            errors.Add("Latchkey:RateLimits:FailedAuthentication:Limit must be between 1 and 1000000.");
        }

        if (failed.WindowSeconds is < 1 or > 3600)
        {
            errors.Add("Latchkey:RateLimits:FailedAuthentication:WindowSeconds must be between 1 and 3600.");
        }

        var signIn = options.RateLimits.FailedSignIn;
        if (signIn.Limit is < 1 or > 1_000_000)
        {
            errors.Add("Latchkey:RateLimits:FailedSignIn:Limit must be between 1 and 1000000.");
        }

        if (signIn.WindowSeconds is < 1 or > 3600)
        {
            errors.Add("Latchkey:RateLimits:FailedSignIn:WindowSeconds must be between 1 and 3600.");
        }

        foreach (var (limitName, limit) in new[] { ("DesktopMfaPush", options.RateLimits.DesktopMfaPush), ("DesktopMfaKeyLookup", options.RateLimits.DesktopMfaKeyLookup),
            ("DesktopMfaInvalidClient", options.RateLimits.DesktopMfaInvalidClient) })
        {
            if (limit.Limit is < 1 or > 1_000_000 || limit.WindowSeconds is < 1 or > 3600)
            {
                errors.Add($"Latchkey:RateLimits:{limitName}: Limit must be between 1 and 1000000 and WindowSeconds between 1 and 3600.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string? ConnectionStringError(DatabaseOptions database)
    {
        try
        {
            _ = database.Provider == DatabaseProvider.Postgres
                ? new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).ConnectionString
                : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).ConnectionString;
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            return e.Message;
        }
    }
}
