namespace Latchkey.Server.Hosting;

/// <summary>The <c>Latchkey</c> configuration section. Validated at start-up by <see cref="LatchkeyOptionsValidator"/>.</summary>
public sealed class LatchkeyOptions
{
    public const string Section = "Latchkey";

    /// <summary>Where the embedded database and other local state live. Relative paths are from the working directory.</summary>
    public string DataDir { get; set; } = "data";

    public DatabaseOptions Database { get; set; } = new();

    /// <summary>On a new database: create a super-admin API token with exactly this value.</summary>
    public string? BootstrapApiToken { get; set; }

    /// <summary>Seed the demo org. Unset: only on a new database.</summary>
    public bool? Demo { get; set; }

    public PasswordOptions Passwords { get; set; } = new();

    public FactorOptions Factors { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>Largest accepted request body, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public SystemLogOptions SystemLog { get; set; } = new();

    /// <summary>The embedded database file when no connection string is given.</summary>
    public string DefaultSqliteFile() => Path.GetFullPath(Path.Combine(DataDir, "latchkey.db"));

    /// <summary>The SQLite connection string: the configured one, else the file in the data directory.</summary>
    public string SqliteConnectionString() =>
        string.IsNullOrWhiteSpace(Database.ConnectionString) ? $"Data Source={DefaultSqliteFile()};Pooling=True;Default Timeout=30" : Database.ConnectionString;
}

/// <summary>The System Log's tamper evidence: the checkpoint signing key, how often checkpoints are signed, and start-up checks.</summary>
public sealed class SystemLogOptions
{
    public const string DefaultKeyFile = "log-signing-key.pem";
    public const string RecordFile = "log-checkpoints.json";

    /// <summary>PEM file of the ECDSA P-256 key that signs checkpoints. Unset: <c>DataDir/log-signing-key.pem</c>, created at first start.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>Where the latest checkpoint of each org is also kept, outside the database. Unset: <c>log-checkpoints.json</c> beside the key.</summary>
    public string? CheckpointRecordPath { get; set; }

    public CheckpointOptions Checkpoint { get; set; } = new();

    /// <summary>Refuse to start when the chain from the last checkpoint to the head is broken (default: report it and start).</summary>
    public bool RequireIntactChain { get; set; }

    public string KeyPath(string dataDir) => Path.GetFullPath(SigningKeyPath ?? Path.Combine(dataDir, DefaultKeyFile));

    public string RecordPath(string dataDir) =>
        Path.GetFullPath(CheckpointRecordPath ?? Path.Combine(Path.GetDirectoryName(KeyPath(dataDir))!, RecordFile));
}

public sealed class CheckpointOptions
{
    /// <summary>Sign a checkpoint once this many events were written since the last one.</summary>
    public int EveryEvents { get; set; } = 1000;

    /// <summary>Sign a checkpoint of new events at least this often.</summary>
    public int EverySeconds { get; set; } = 60;
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>For Sqlite: optional (default: <c>DataDir/latchkey.db</c>). For Postgres: required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite: whether an acknowledged write survives power loss (<see cref="DatabaseDurability.Full"/>, the default).</summary>
    public DatabaseDurability Durability { get; set; } = DatabaseDurability.Full;
}

public enum DatabaseDurability
{
    /// <summary>Every write is on disk before it is acknowledged (the write-ahead log is fsynced, in groups under load).</summary>
    Full,

    /// <summary>SQLite's <c>synchronous=NORMAL</c> alone: never corrupt, but a power loss can undo the last acknowledged writes.</summary>
    Normal,
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class PasswordOptions
{
    /// <summary>PBKDF2-HMAC-SHA256 iterations for new password hashes.</summary>
    public int Pbkdf2Iterations { get; set; } = 100_000;
}

public sealed class FactorOptions
{
    /// <summary>TOTP time steps accepted either side of the server's (a device clock off by up to this many 30 s steps).</summary>
    public int TotpDriftSteps { get; set; } = 1;

    /// <summary>Consecutive wrong codes that lock a factor (0: never).</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>How long a locked factor refuses every code.</summary>
    public int LockMinutes { get; set; } = 5;

    /// <summary>A factor enrollment not activated within this time must be started again.</summary>
    public int ActivationMinutes { get; set; } = 10;

    /// <summary>A push not answered within this time expires (the poller sees <c>TIMEOUT</c>).</summary>
    public int PushMinutes { get; set; } = 5;
}

public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Count in the database so that several nodes share one limit. Unset: on for Postgres, off for Sqlite.</summary>
    public bool? Shared { get; set; }

    /// <summary>Per-bucket overrides, keyed by bucket name (see <c>RateLimitBuckets</c>).</summary>
    public Dictionary<string, RateLimitBucketOptions> Buckets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Failed API-token authentications per client address, across every endpoint (token guessing).</summary>
    public FailedAuthenticationOptions FailedAuthentication { get; set; } = new();

    /// <summary>Refused passwords at sign-in per client address (password spraying): a slow-down past the limit.</summary>
    public FailedSignInOptions FailedSignIn { get; set; } = new();

    /// <summary><c>Latchkey:RateLimits:DesktopMfaPush</c>: pushes the Desktop MFA agent may send one person in a window.</summary>
    public DesktopMfaLimitOptions DesktopMfaPush { get; set; } = new();

    /// <summary>
    /// <c>Latchkey:RateLimits:DesktopMfaKeyLookup</c>: security-key lists the Desktop MFA agent may look up for one person
    /// on one computer in a window.
    /// </summary>
    public DesktopMfaLimitOptions DesktopMfaKeyLookup { get; set; } = new();

    /// <summary>
    /// <c>Latchkey:RateLimits:DesktopMfaInvalidClient</c>: Desktop MFA requests with a wrong client id or secret from one
    /// client address in a window; past it, such requests are answered 429 <c>rate_limited</c> and no longer logged
    /// one by one (agents left with a rotated secret must not flood the System Log). Right credentials are never refused.
    /// </summary>
    public DesktopMfaLimitOptions DesktopMfaInvalidClient { get; set; } = new() { Limit = 30 };
}

/// <summary>
/// A Desktop MFA limit: past <see cref="Limit"/> requests in <see cref="WindowSeconds"/> (pushes to one person from any
/// computer: push fatigue; security-key lookups for one person on one computer), the next is refused
/// <c>rate_limited</c> with the seconds to wait, until the window ends.
/// </summary>
public sealed class DesktopMfaLimitOptions
{
    public int Limit { get; set; } = 5;
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>
/// <c>Latchkey:RateLimits:FailedSignIn</c>: past <see cref="Limit"/> refused passwords from one client address in a window
/// of <see cref="WindowSeconds"/>, that address's password answers get 429 until the window ends. Not turned off by
/// <c>Latchkey:RateLimits:Enabled</c>; <see cref="Enabled"/> turns it off.
/// </summary>
public sealed class FailedSignInOptions
{
    public bool Enabled { get; set; } = true;
    public int Limit { get; set; } = 60;
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>
/// <c>Latchkey:RateLimits:FailedAuthentication</c>: past <see cref="Limit"/> failed API-token authentications from one
/// client address in a window of <see cref="WindowSeconds"/>, the address is blocked until the window ends. Not
/// turned off by <c>Latchkey:RateLimits:Enabled</c>.
/// </summary>
public sealed class FailedAuthenticationOptions
{
    public int Limit { get; set; } = 20;
    public int WindowSeconds { get; set; } = 60;
}

public sealed class RateLimitBucketOptions
{
    public int? Limit { get; set; }
    public int? WindowSeconds { get; set; }
}
