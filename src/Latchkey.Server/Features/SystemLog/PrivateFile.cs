namespace Latchkey.Server.Features.SystemLog;

/// <summary>Files only their owner may read or change (mode 0600), written whole: a temporary file synced to disk, then renamed into place.</summary>
public static class PrivateFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>. Without <paramref name="overwrite"/> an
    /// existing file wins (another process made it first) and false is returned.
    /// </summary>
    public static bool Write(string path, Action<Stream> write, bool overwrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var file = new FileStream(temporary, options))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, path, overwrite);
                return true;
            }
            catch (IOException) when (!overwrite && File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
