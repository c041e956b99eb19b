using System.Text.Json;
using Latchkey.Core.Security;

namespace Latchkey.Server.Features.SystemLog;

/// <summary>
/// The latest checkpoint of each org, kept outside the database in a small JSON file beside the signing key
/// (<c>log-checkpoints.json</c>). Someone who rewrites the database and deletes its newest checkpoints, then
/// re-hashes the chain after the remaining ones, still disagrees with this record. Replaced whole on each
/// write (a temporary file renamed over it); merged by org, so nodes that share the file keep the newest.
/// </summary>
public sealed class LogCheckpointRecord(string path)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private readonly Lock _lock = new();

    public string Path { get; } = path;

    /// <summary>The recorded checkpoints by org; empty when there is no file. Throws <see cref="InvalidDataException"/> when it cannot be read.</summary>
    public IReadOnlyDictionary<string, LogCheckpoint> Read()
    {
        if (!File.Exists(Path))
        {
            return new Dictionary<string, LogCheckpoint>();
        }

        try
        {
            var file = JsonSerializer.Deserialize<RecordFile>(File.ReadAllBytes(Path), Json)
                ?? throw new InvalidDataException("the file is empty");
            return (file.Checkpoints ?? []).ToDictionary(c => c.OrgId, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"The checkpoint record {Path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Records <paramref name="checkpoint"/> as its org's latest unless a later one is already recorded.</summary>
    public void Save(LogCheckpoint checkpoint)
    {
        lock (_lock)
        {
            Dictionary<string, LogCheckpoint> all;
            try
            {
                all = new Dictionary<string, LogCheckpoint>(Read(), StringComparer.Ordinal);
            }
            catch (InvalidDataException)
            {
                all = new Dictionary<string, LogCheckpoint>(StringComparer.Ordinal); // an unreadable record is replaced
            }

            if (all.TryGetValue(checkpoint.OrgId, out var recorded) && recorded.Sequence >= checkpoint.Sequence)
            {
                return;
            }

            all[checkpoint.OrgId] = checkpoint;
            var file = new RecordFile(1, [.. all.Values.OrderBy(c => c.OrgId, StringComparer.Ordinal)]);
            PrivateFile.Write(Path, stream => JsonSerializer.Serialize(stream, file, Json), overwrite: true);
        }
    }

    private sealed record RecordFile(int Version, List<LogCheckpoint>? Checkpoints);
}
