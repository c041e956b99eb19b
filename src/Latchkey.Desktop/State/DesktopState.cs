using System.Text;
using System.Text.Json;
using Latchkey.Desktop.Security;

namespace Latchkey.Desktop.State;

/// <summary>The computer as the state knows it: its id and the public half of its signing key (SubjectPublicKeyInfo, DER).</summary>
public sealed record ComputerRecord(string Id, byte[] PublicKey);

/// <summary>
/// The agent's machine state in one directory (<c>--state DIR</c>):
/// <list type="bullet">
/// <item><c>machine.key</c>: the machine key, made on the first write (file 0600, directory 0700);</item>
/// <item><c>computer.sealed</c>: the computer's id and ECDSA P-256 signing key;</item>
/// <item><c>users/&lt;hash of the login&gt;.sealed</c>: each user's <see cref="OfflineUserRecord"/>;</item>
/// <item><c>journal.sealed</c>: the signed offline events waiting for upload.</item>
/// </list>
/// Reads never create anything. Writes take the directory's lock, read what they change again and replace each file
/// atomically. Anything that does not open (another machine's key, a truncated or changed sealed file, a damaged key,
/// files of something else, modes open to other users) is refused with a message naming the file, and nothing is
/// written: a file that failed to open is never overwritten, and no new key replaces a missing one while sealed files
/// exist.
/// </summary>
public sealed class DesktopState
{
    public const string MachineKeyFile = "machine.key";
    public const string ComputerFile = "computer.sealed";
    public const string JournalFile = "journal.sealed";
    public const string UsersFolder = "users";
    public const string LockFile = "state.lock";
    private const string KeyHeader = "latchkey-desktop machine key v1";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public DesktopState(string directory, TimeSpan? lockTimeout = null)
    {
        Directory = Path.GetFullPath(directory);
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary><c>~/.latchkey-desktop</c> (a login plug-in would keep it in a root-only system folder).</summary>
    public static string DefaultDirectory => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".latchkey-desktop");

    public string Directory { get; }

    public TimeSpan LockTimeout { get; }

    private string MachineKeyPath => Path.Combine(Directory, MachineKeyFile);

    /// <summary>The user's record, or null when this computer has none (nothing is created).</summary>
    public OfflineUserRecord? LoadUser(string login)
    {
        var key = OpenKey(create: false);
        return key is null ? null : ReadUser(key, login);
    }

    public IReadOnlyList<OfflineUserRecord> LoadUsers()
    {
        var key = OpenKey(create: false);
        var folder = Path.Combine(Directory, UsersFolder);
        if (key is null || !System.IO.Directory.Exists(folder))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateFiles(folder, "*.sealed").Order(StringComparer.Ordinal)
            .Select(path => Open<OfflineUserRecord>(key, path, $"user:{Path.GetFileNameWithoutExtension(path)}"))
            .OfType<OfflineUserRecord>()
            .OrderBy(u => u.Login, StringComparer.Ordinal)];
    }

    public ComputerRecord? LoadComputer()
    {
        var key = OpenKey(create: false);
        return key is null ? null : ReadComputer(key) is { } stored ? stored.Record : null;
    }

    /// <summary>This computer's id and public key, made (with the machine key) on first use.</summary>
    public ComputerRecord Identity() => LoadComputer() ?? Write(writer => writer.Computer);

    public IReadOnlyList<SignedOfflineEvent> LoadJournal()
    {
        var key = OpenKey(create: false);
        return key is null ? [] : Open<List<SignedOfflineEvent>>(key, Path.Combine(Directory, JournalFile), "journal") ?? [];
    }

    /// <summary>
    /// Runs <paramref name="change"/> under the directory's lock with a <see cref="StateWriter"/>, then saves what it
    /// changed. The machine key and the computer key are made here on first use.
    /// </summary>
    public T Write<T>(Func<StateWriter, T> change)
    {
        StateFiles.CreatePrivateDirectory(Directory);
        if (!OperatingSystem.IsWindows() && StateFiles.IsOpenToOthers(Directory) && !System.IO.Directory.EnumerateFileSystemEntries(Directory).Any())
        {
            // An empty directory made for us (e.g. by mkdir) holds nothing to protect yet: make it private.
            File.SetUnixFileMode(Directory, StateFiles.PrivateDirectory);
        }

        CheckDirectory();
        using var held = StateFiles.Lock(Path.Combine(Directory, LockFile), LockTimeout);
        var key = OpenKey(create: true)!;
        var computer = ReadComputer(key) ?? NewComputer(key);
        using var writer = new StateWriter(this, key, computer);
        var result = change(writer);
        writer.Save();
        return result;
    }

    internal static string UserFileId(string login) =>
        StateNames.UserFileId(NormalizeLogin(login));

    internal static string NormalizeLogin(string login) => login.Trim().ToLowerInvariant();

    internal string UserPath(string login) => Path.Combine(Directory, UsersFolder, UserFileId(login) + ".sealed");

    internal OfflineUserRecord? ReadUser(MachineKey key, string login) =>
        Open<OfflineUserRecord>(key, UserPath(login), $"user:{UserFileId(login)}");

    internal void Save<T>(MachineKey key, string path, string purpose, T value)
    {
        StateFiles.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        StateFiles.WriteAtomically(path, key.Seal(purpose, JsonSerializer.SerializeToUtf8Bytes(value, Json)));
    }

    /// <summary>The sealed file's content, or default when the file does not exist; refused when it does not open.</summary>
    internal T? Open<T>(MachineKey key, string path, string purpose)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var name = Path.GetRelativePath(Directory, path);
        if (StateFiles.IsOpenToOthers(path))
        {
            throw Refused($"{name} is readable by other users ({StateFiles.Mode(path)}): chmod 600 {path}");
        }

        var plaintext = key.Open(purpose, File.ReadAllBytes(path), out var failure);
        switch (failure)
        {
            case SealFailure.NotSealed:
                throw Refused($"{name} is not a sealed latchkey-desktop file (truncated or replaced); it was left as it is");
            case SealFailure.OtherKey:
                throw Refused($"{name} was sealed with another machine key (copied from another computer, or {MachineKeyFile} was replaced): " +
                    "it cannot be opened here; it was left as it is");
            case SealFailure.Tampered:
                throw Refused($"{name} failed its integrity check (changed, truncated or moved from another file): nothing in it is used; it was left as it is");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(plaintext, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw Refused($"{name} opened but does not hold what it should ({e.Message}); it was left as it is");
        }
        finally
        {
            Array.Clear(plaintext);
        }
    }

    internal DesktopException Refused(string why) => new(ExitCodes.State, $"refusing the state directory {Directory}: {why}");

    /// <summary>The machine key; null when the directory has none yet and <paramref name="create"/> is false.</summary>
    private MachineKey? OpenKey(bool create)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return null;
        }

        CheckDirectory();
        if (!File.Exists(MachineKeyPath))
        {
            var others = System.IO.Directory.EnumerateFileSystemEntries(Directory)
                .Select(Path.GetFileName)
                .Where(name => name != LockFile && name != MachineKeyFile && !StateFiles.IsTemporary(name!) && !(name == UsersFolder && !System.IO.Directory.EnumerateFileSystemEntries(Path.Combine(Directory, UsersFolder)).Any()))
                .ToList();
            if (others.Count > 0)
            {
                throw Refused(others.Any(n => n!.EndsWith(".sealed", StringComparison.Ordinal) || n == UsersFolder)
                    ? $"{MachineKeyFile} is missing but sealed files exist ({string.Join(", ", others.Take(3))}): without the key they cannot be opened, " +
                      $"and a new key would not open them either; restore {MachineKeyFile} from a backup or choose another --state"
                    : $"it holds other files ({string.Join(", ", others.Take(3))}) and no {MachineKeyFile}: it is not a latchkey-desktop state directory; choose another --state");
            }

            if (!create)
            {
                return null;
            }

            var created = MachineKey.Generate();
            StateFiles.WriteAtomically(MachineKeyPath, Encoding.ASCII.GetBytes($"{KeyHeader}\n{Convert.ToBase64String(created.Export())}\n"));
            return created;
        }

        if (StateFiles.IsOpenToOthers(MachineKeyPath))
        {
            throw Refused($"{MachineKeyFile} is readable by other users ({StateFiles.Mode(MachineKeyPath)}): chmod 600 {MachineKeyPath}");
        }

        var lines = File.ReadAllText(MachineKeyPath).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            if (lines.Length == 2 && lines[0] == KeyHeader && Convert.FromBase64String(lines[1]) is { Length: MachineKey.KeyBytes } bytes)
            {
                return new MachineKey(bytes);
            }
        }
        catch (FormatException)
        {
            // Not base64: refused below with the same message as any other damage.
        }

        throw Refused($"{MachineKeyFile} is damaged (it is not a latchkey-desktop machine key); it was left as it is: restore it from a backup");
    }

    private void CheckDirectory()
    {
        if (StateFiles.IsOpenToOthers(Directory))
        {
            throw Refused($"the directory is open to other users ({StateFiles.Mode(Directory)}); it holds the machine key: chmod 700 {Directory}");
        }
    }

    private (ComputerRecord Record, ComputerKey Key)? ReadComputer(MachineKey key)
    {
        if (Open<StoredComputer>(key, Path.Combine(Directory, ComputerFile), "computer") is not { } stored)
        {
            return null;
        }

        var signing = ComputerKey.TryImport(stored.PrivateKey)
            ?? throw Refused($"{ComputerFile} does not hold a usable P-256 computer key; it was left as it is");
        return (new ComputerRecord(stored.Id, signing.PublicKey), signing);
    }

    private (ComputerRecord Record, ComputerKey Key) NewComputer(MachineKey key)
    {
        var signing = ComputerKey.Generate();
        var stored = new StoredComputer(Core.Security.RandomIds.NewId("cmp"), Convert.ToBase64String(signing.ExportPrivateKey()));
        Save(key, Path.Combine(Directory, ComputerFile), "computer", stored);
        return (new ComputerRecord(stored.Id, signing.PublicKey), signing);
    }

    private sealed record StoredComputer(string Id, string PrivateKey);
}
