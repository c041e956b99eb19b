using Latchkey.Desktop.Security;

namespace Latchkey.Desktop.State;

/// <summary>
/// The files of a state directory on disk: private modes (directories 0700, files 0600), the directory's exclusive
/// lock, and atomic replacement (a temporary file in the same directory, flushed to disk, renamed over the old one), so
/// a crash leaves the old file or the new one and never a half-written one.
/// </summary>
internal static class StateFiles
{
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OpenToOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static bool IsOpenToOthers(string path) => !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OpenToOthers) != 0;

    public static string Mode(string path) => OperatingSystem.IsWindows() ? "" : Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');

    public static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateDirectory);
        }
    }

    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temporary = $"{path}.{StateNames.TemporarySuffix()}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            SyncDirectory(Path.GetDirectoryName(path)!);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Flushes the directory's entries to disk (POSIX fsync on the directory), so the rename above survives a power cut
    /// too, not only the file's content. Where the platform does not allow it the rename still stands.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = NativeMethods.Open(directory, 0);
        if (descriptor >= 0)
        {
            // Best effort: a file system that cannot flush a directory has still renamed the file.
            _ = NativeMethods.Fsync(descriptor);
            _ = NativeMethods.Close(descriptor);
        }
    }

    public static bool IsTemporary(string name) => name.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>The open lock file: the operating system's exclusive lock lasts while it is open.</summary>
    public static FileStream Lock(string path, TimeSpan timeout)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        var attempts = Math.Max(1, (int)(timeout.TotalMilliseconds / 50));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (attempt < attempts)
            {
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                throw new DesktopException(ExitCodes.State,
                    $"{Path.GetDirectoryName(path)} is in use by another latchkey-desktop (its lock was not released within {timeout.TotalSeconds:0} s); try again", e);
            }
        }
    }
}

/// <summary>The three libc calls <see cref="StateFiles"/> needs to flush a directory (open read-only, fsync, close).</summary>
internal static partial class NativeMethods
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "fsync")]
    internal static partial int Fsync(int descriptor);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int descriptor);
}
