using Latchkey.Core.Security;
using Latchkey.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// The PEM file that holds the System Log signing key, outside the database. The server creates the default
/// one (<c>DataDir/log-signing-key.pem</c>, mode 0600) at its first start; a configured path must exist. A
/// private key that other users could read or change is refused: whoever holds it can forge checkpoints.
/// Problems are configuration errors naming the key.
/// </summary>
public static class LogSigningKeyFile
{
    public const string ConfigurationKey = "Latchkey:SystemLog:SigningKeyPath";

    private const UnixFileMode OthersAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The server's key: created on first start at the default path, refused unless private to its owner.</summary>
    public static LogSigningKey LoadForSigning(LatchkeyOptions options, Action<string>? created = null)
    {
        var path = options.SystemLog.KeyPath(options.DataDir);
        if (!File.Exists(path))
        {
            if (options.SystemLog.SigningKeyPath is not null)
            {
                throw Problem($"{ConfigurationKey} names {path}, which does not exist. Create it (for example copy the " +
                    $"{SystemLogOptions.DefaultKeyFile} of another node, or: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {path} && chmod 600 {path}) " +
                    $"or leave {ConfigurationKey} unset to use <DataDir>/{SystemLogOptions.DefaultKeyFile}.");
            }

            try
            {
                Create(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Problem($"The System Log signing key {path} ({ConfigurationKey}) cannot be created: {e.Message}");
            }

            created?.Invoke(path);
        }

        var key = Load(path);
        if (!key.CanSign)
        {
            key.Dispose();
            throw Problem($"{Describe(options)} {path} holds only a public key; the server needs the private key to sign checkpoints.");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OthersAccess) != 0)
        {
            var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
            key.Dispose();
            throw Problem($"{Describe(options)} {path} can be read or changed by other users (mode {mode}); whoever reads it can forge " +
                $"System Log checkpoints. Allow only its owner: chmod 600 {path}");
        }

        return key;
    }

    /// <summary>The key to check checkpoints with (a public-key PEM is enough); never created here.</summary>
    public static LogSigningKey LoadForVerifying(LatchkeyOptions options)
    {
        var path = options.SystemLog.KeyPath(options.DataDir);
        if (!File.Exists(path))
        {
            throw Problem($"{Describe(options)} {path} does not exist, so checkpoint signatures cannot be checked. " +
                $"Point {ConfigurationKey} at the server's key (or its public key), or run with the server's Latchkey:DataDir.");
        }

        return Load(path);
    }

    private static LogSigningKey Load(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Problem($"The System Log signing key {path} ({ConfigurationKey}) cannot be read: {e.Message}");
        }

        try
        {
            return LogSigningKey.FromPem(pem);
        }
        catch (FormatException e)
        {
            throw Problem($"The System Log signing key {path} ({ConfigurationKey}) is not an ECDSA P-256 key in PEM form: {e.Message}.");
        }
    }

    /// <summary>Writes a new key readable by its owner only; when another process won the race, its key is kept.</summary>
    private static void Create(string path)
    {
        using var key = LogSigningKey.Generate();
        var pem = System.Text.Encoding.ASCII.GetBytes(key.ExportPrivateKeyPem());
        PrivateFile.Write(path, file => file.Write(pem), overwrite: false);
    }

    private static string Describe(LatchkeyOptions options) =>
        options.SystemLog.SigningKeyPath is null
            ? $"The System Log signing key ({ConfigurationKey}, default <DataDir>/{SystemLogOptions.DefaultKeyFile})"
            : $"The System Log signing key ({ConfigurationKey})";

    private static OptionsValidationException Problem(string message) =>
        new(LatchkeyOptions.Section, typeof(LatchkeyOptions), [message]);
}
