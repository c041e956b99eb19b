using Latchkey.Desktop.Security;

namespace Latchkey.Desktop.State;

/// <summary>
/// One write to the state under its lock (see <see cref="DesktopState.Write{T}"/>): the records it touches are read
/// again here, changed in memory and saved together at the end; a failure before the end saves nothing.
/// </summary>
public sealed class StateWriter : IDisposable
{
    private readonly DesktopState state;
    private readonly MachineKey key;
    private readonly ComputerKey computerKey;
    private readonly Dictionary<string, OfflineUserRecord> users = new(StringComparer.Ordinal);
    private List<SignedOfflineEvent>? journal;
    private bool journalChanged;

    internal StateWriter(DesktopState state, MachineKey key, (ComputerRecord Record, ComputerKey Key) computer)
    {
        this.state = state;
        this.key = key;
        Computer = computer.Record;
        computerKey = computer.Key;
    }

    public ComputerRecord Computer { get; }

    /// <summary>The user's record, created when there is none; whatever is changed in it is saved at the end of the write.</summary>
    public OfflineUserRecord User(string login)
    {
        var normalized = DesktopState.NormalizeLogin(login);
        if (!users.TryGetValue(normalized, out var record))
        {
            record = state.ReadUser(key, login) ?? new OfflineUserRecord { Login = normalized };
            users[normalized] = record;
        }

        return record;
    }

    /// <summary>Signs <paramref name="offlineEvent"/> with the computer key and adds it to the journal, unless an event with its id is there already.</summary>
    public SignedOfflineEvent Record(OfflineEvent offlineEvent)
    {
        var events = Journal();
        if (events.FirstOrDefault(e => e.Event.Id == offlineEvent.Id) is { } existing)
        {
            return existing;
        }

        var signed = OfflineJournal.Sign(offlineEvent, computerKey);
        events.Add(signed);
        journalChanged = true;
        return signed;
    }

    /// <summary>Removes the events the server confirmed it stored; returns how many were removed.</summary>
    public int RemoveFromJournal(IEnumerable<string> ids)
    {
        var set = ids.ToHashSet(StringComparer.Ordinal);
        var removed = Journal().RemoveAll(e => set.Contains(e.Event.Id));
        journalChanged |= removed > 0;
        return removed;
    }

    public IReadOnlyList<SignedOfflineEvent> Events => Journal();

    internal void Save()
    {
        foreach (var (login, record) in users)
        {
            state.Save(key, state.UserPath(login), $"user:{DesktopState.UserFileId(login)}", record);
        }

        if (journalChanged)
        {
            state.Save(key, Path.Combine(state.Directory, DesktopState.JournalFile), "journal", journal);
        }
    }

    public void Dispose() => computerKey.Dispose();

    private List<SignedOfflineEvent> Journal() =>
        journal ??= state.Open<List<SignedOfflineEvent>>(key, Path.Combine(state.Directory, DesktopState.JournalFile), "journal") ?? [];
}
