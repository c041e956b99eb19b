using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Latchkey.Verify.State;

/// <summary>
/// The <c>--home</c> directory and its one state file (<c>state.json</c>). Reads never create anything. Writes take
/// the home's lock (<c>state.lock</c>, an exclusive lock of the operating system), read the file again, apply the
/// change and replace the file atomically (a temporary file, flushed to disk, renamed over the old one), so two
/// invocations never clobber each other and a crash leaves the old file or the new one. The directory is 0700 and
/// the files 0600 (they hold private keys). A home that is not ours (another format, an unparseable file, files of
/// something else, permissions open to others) is refused with a message saying so, and nothing in it is written.
/// </summary>
public sealed class VerifyHome
{
    public const string StateFileName = "state.json";
    public const string LockFileName = "state.lock";
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OpenToOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public VerifyHome(string directory, TimeSpan? lockTimeout = null)
    {
        Directory = Path.GetFullPath(directory);
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary><c>~/.latchkey-verify</c>.</summary>
    public static string DefaultDirectory => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".latchkey-verify");

    public string Directory { get; }

    public string StateFile => Path.Combine(Directory, StateFileName);

    public string LockFile => Path.Combine(Directory, LockFileName);

    /// <summary>How long a write waits for another invocation to release the lock before giving up.</summary>
    public TimeSpan LockTimeout { get; }

    /// <summary>The state as saved, or an empty state when the home does not exist yet (nothing is created).</summary>
    public VerifyState Load()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return new VerifyState();
        }

        CheckDirectory();
        return File.Exists(StateFile) ? Read() : new VerifyState();
    }

    /// <summary>Applies <paramref name="change"/> to the saved state under the lock and saves the result atomically.</summary>
    public T Update<T>(Func<VerifyState, T> change)
    {
        EnsureDirectory();
        using var held = AcquireLock();
        var state = File.Exists(StateFile) ? Read() : new VerifyState();
        var result = change(state);
        Write(state);
        return result;
    }

    public void Update(Action<VerifyState> change) => Update(state =>
    {
        change(state);
        return true;
    });

    private void EnsureDirectory()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(Directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(Directory, PrivateDirectory);
            }

            return;
        }

        if (!OperatingSystem.IsWindows() && !File.Exists(StateFile) && !System.IO.Directory.EnumerateFileSystemEntries(Directory).Any()
            && (File.GetUnixFileMode(Directory) & OpenToOthers) != 0)
        {
            // An empty directory made for us (e.g. by mkdir) holds nothing to protect yet: make it private.
            File.SetUnixFileMode(Directory, PrivateDirectory);
        }

        CheckDirectory();
    }

    private void CheckDirectory()
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(Directory) & OpenToOthers) != 0)
        {
            throw Refused($"the directory is open to other users ({Mode(Directory)}); it holds private keys: chmod 700 {Directory}");
        }

        if (!File.Exists(StateFile))
        {
            var others = System.IO.Directory.EnumerateFileSystemEntries(Directory)
                .Select(Path.GetFileName)
                // The state file itself may appear between the check above and this listing (another writer's first save).
                .Where(name => name != LockFileName && name != StateFileName && !IsTemporary(name!))
                .ToList();
            if (others.Count > 0)
            {
                throw Refused($"it holds other files ({string.Join(", ", others.Take(3))}) and no {StateFileName}: it is not a latchkey-verify home; choose another --home");
            }
        }
    }

    private VerifyState Read()
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(StateFile) & OpenToOthers) != 0)
        {
            throw Refused($"{StateFileName} is readable by other users ({Mode(StateFile)}); it holds private keys: chmod 600 {StateFile}");
        }

        string text;
        try
        {
            text = File.ReadAllText(StateFile);
        }
        catch (IOException e)
        {
            throw Refused($"{StateFileName} cannot be read: {e.Message}");
        }

        string? format;
        try
        {
            using var document = JsonDocument.Parse(text);
            format = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String
                ? f.GetString()
                : null;
        }
        catch (JsonException e)
        {
            throw Refused($"{StateFileName} is not valid JSON ({e.Message}); it was left as it is");
        }

        if (format != VerifyState.CurrentFormat)
        {
            throw Refused(format is null
                ? $"{StateFileName} has no \"format\": \"{VerifyState.CurrentFormat}\" marker: it is not a latchkey-verify state file; it was left as it is"
                : $"{StateFileName} is of format \"{format}\", not \"{VerifyState.CurrentFormat}\" (another program or version); it was left as it is");
        }

        try
        {
            return JsonSerializer.Deserialize<VerifyState>(text, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw Refused($"{StateFileName} does not have the shape of a latchkey-verify state ({e.Message}); it was left as it is");
        }
    }

    private void Write(VerifyState state)
    {
        state.Format = VerifyState.CurrentFormat;
        var temporary = Path.Combine(Directory, $"{StateFileName}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, state, Json);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, StateFile, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The open lock file: the operating system's exclusive lock lasts while it is open.</summary>
    private FileStream AcquireLock()
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        var attempts = Math.Max(1, (int)(LockTimeout.TotalMilliseconds / 50));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(LockFile, options);
            }
            catch (IOException) when (attempt < attempts)
            {
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                throw new VerifyException(ExitCodes.Home,
                    $"{Directory} is in use by another latchkey-verify (its lock {LockFileName} was not released within {LockTimeout.TotalSeconds:0} s); try again", e);
            }
        }
    }

    private VerifyException Refused(string why) => new(ExitCodes.Home, $"refusing to use {Directory}: {why}");

    private static bool IsTemporary(string name) => name.StartsWith(StateFileName + ".", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal);

    private static string Mode(string path) => OperatingSystem.IsWindows() ? "" : Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
}
