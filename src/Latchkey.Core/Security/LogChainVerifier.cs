using Latchkey.Core.Time;

namespace Latchkey.Core.Security;

/// <summary>Where a checkpoint given to the verifier was read from.</summary>
public enum CheckpointSource
{
    Database,
    /// <summary>The latest checkpoint kept beside the signing key, outside the database.</summary>
    Outside,
}

/// <summary>
/// Walks one org's System Log chain, row by row in sequence order, and stops at the first broken link.
/// Pure and streaming: the caller reads rows in batches and hands each checkpoint over before the row at its
/// sequence; nothing but the pending checkpoints is kept. Each row is checked in this order:
/// <list type="number">
/// <item>its sequence follows the previous one (a gap: rows deleted);</item>
/// <item>its JSON hashes, with its previous hash and sequence, to its stored hash (else: edited, or moved when
/// the hash fits a nearby sequence);</item>
/// <item>its previous hash is the previous row's hash;</item>
/// <item>its indexed columns repeat the hashed JSON;</item>
/// <item>every checkpoint at its sequence is for this org, verifies with the key, and names the row's hash
/// (else the chain was re-hashed); one recorded outside the database is also in the database.</item>
/// </list>
/// <see cref="Finish"/> then checks that no checkpoint lies past the last row (truncation) and that the
/// chain head names the last row.
/// </summary>
public sealed class LogChainVerifier
{
    /// <summary>How far from its own sequence a row's hash is looked for, to tell a move from an edit.</summary>
    private const int MoveWindow = 16;

    private readonly string _orgId;
    private readonly LogSigningKey _key;
    private readonly SortedList<long, List<(LogCheckpoint Checkpoint, CheckpointSource Source)>> _pending = [];
    private long _expected;
    private string? _previousHash;
    private string? _lastUuid;
    private DateTimeOffset? _lastPublished;

    private LogChainVerifier(string orgId, LogSigningKey key, long firstSequence, string? previousHash)
    {
        _orgId = orgId;
        _key = key;
        _expected = firstSequence;
        _previousHash = previousHash;
        LastSequence = firstSequence - 1;
        LastHash = previousHash ?? "";
    }

    /// <summary>Verifies a whole chain: the first row is sequence 1 and chains from the genesis hash.</summary>
    public static LogChainVerifier FromGenesis(string orgId, LogSigningKey key) => new(orgId, key, 1, LogChainHasher.Genesis);

    /// <summary>
    /// Verifies the chain from a checkpoint on: the first row must be the one at the checkpoint's sequence and
    /// have its hash (the rows before it are vouched for by the checkpoint's signature).
    /// </summary>
    public static LogChainVerifier FromCheckpoint(LogSigningKey key, LogCheckpoint start, CheckpointSource source)
    {
        var verifier = new LogChainVerifier(start.OrgId, key, start.Sequence, previousHash: null);
        verifier.Expect(start, source);
        return verifier;
    }

    /// <summary>The first broken link, once found; the verifier accepts no more rows then.</summary>
    public LogChainBreak? Break { get; private set; }

    public long RowsChecked { get; private set; }

    /// <summary>The sequence of the last row accepted (one before the first expected row at the start).</summary>
    public long LastSequence { get; private set; }

    public string LastHash { get; private set; }

    /// <summary>The newest checkpoint whose signature and hash were verified against its row.</summary>
    public LogCheckpoint? LastVerifiedCheckpoint { get; private set; }

    /// <summary>The sequence the next row must have.</summary>
    public long NextSequence => _expected;

    /// <summary>
    /// Hands over a checkpoint to check when the row at its sequence arrives (or in <see cref="Finish"/>, when
    /// none does). Checkpoints before the next expected row are ignored: their rows have gone by or lie before
    /// the start.
    /// </summary>
    public void Expect(LogCheckpoint checkpoint, CheckpointSource source)
    {
        if (checkpoint.Sequence < _expected)
        {
            return;
        }

        if (!_pending.TryGetValue(checkpoint.Sequence, out var list))
        {
            _pending[checkpoint.Sequence] = list = [];
        }

        list.Add((checkpoint, source));
    }

    /// <summary>Checks the next row; false once the chain is broken (see <see cref="Break"/>).</summary>
    public bool Add(LogChainRow row)
    {
        if (Break is not null)
        {
            return false;
        }

        Break = Check(row);
        if (Break is not null)
        {
            return false;
        }

        RowsChecked++;
        _expected = row.Sequence + 1;
        _previousHash = row.Hash;
        LastSequence = row.Sequence;
        LastHash = row.Hash;
        _lastUuid = row.Uuid;
        _lastPublished = row.Published;
        return true;
    }

    /// <summary>
    /// After the last row: a validly signed checkpoint past it means rows were removed from the end; then the
    /// head (null when the org has none) must name the last row. Returns the first broken link, or null.
    /// </summary>
    public LogChainBreak? Finish(long? headSequence, string? headHash)
    {
        if (Break is not null)
        {
            return Break;
        }

        if (_pending.Count > 0)
        {
            var (checkpoint, _) = _pending.Values[0][0];
            Break = CheckpointProblem(checkpoint, checkpoint.Sequence, null, null)
                ?? Broken(LogChainBreakKind.Truncated, checkpoint.Sequence, null, null,
                    (LastSequence < 1 ? "the chain has no events" : $"the chain ends at sequence {LastSequence}")
                    + $", but a checkpoint signed {IsoTime.Write(checkpoint.Signed)} covers sequence {checkpoint.Sequence} with hash {checkpoint.Hash}: "
                    + $"events {LastSequence + 1} to {checkpoint.Sequence} were removed");
            return Break;
        }

        if (headSequence is null || headHash is null)
        {
            Break = LastSequence < 1 ? null : Broken(LogChainBreakKind.HeadMismatch, LastSequence, _lastUuid, _lastPublished,
                "the org has events but no chain head");
            return Break;
        }

        if (headSequence > LastSequence)
        {
            Break = Broken(LogChainBreakKind.HeadMismatch, headSequence.Value, null, null,
                $"the chain head is at sequence {headSequence} but the last event is {LastSequence}: events {LastSequence + 1} to {headSequence} were removed");
        }
        else if (headSequence < LastSequence)
        {
            Break = Broken(LogChainBreakKind.HeadMismatch, LastSequence, _lastUuid, _lastPublished,
                $"the chain head is at sequence {headSequence} but events go on to {LastSequence}: the head was moved back");
        }
        else if (!string.Equals(headHash, LastHash, StringComparison.Ordinal))
        {
            Break = Broken(LogChainBreakKind.HeadMismatch, LastSequence, _lastUuid, _lastPublished,
                $"the chain head's hash is {headHash} but the last event's hash is {LastHash}");
        }

        return Break;
    }

    private LogChainBreak? Check(LogChainRow row)
    {
        // 1. Sequence: rows arrive in sequence order, one after the other.
        if (row.Sequence > _expected)
        {
            return Broken(LogChainBreakKind.SequenceGap, row.Sequence, row.Uuid, row.Published,
                row.Sequence == _expected + 1
                    ? $"sequence {_expected} is missing before this event: it was deleted"
                    : $"sequences {_expected} to {row.Sequence - 1} are missing before this event: they were deleted");
        }

        if (row.Sequence < _expected)
        {
            return Broken(LogChainBreakKind.Reordered, row.Sequence, row.Uuid, row.Published,
                $"sequence {row.Sequence} comes after {_expected - 1}: the events are out of order");
        }

        // 2. Content: SHA-256(previous hash, sequence, JSON) is the stored hash.
        var computed = LogChainHasher.Next(row.PreviousHash, row.Sequence, row.Json);
        if (!string.Equals(computed, row.Hash, StringComparison.Ordinal))
        {
            for (var other = Math.Max(1, row.Sequence - MoveWindow); other <= row.Sequence + MoveWindow; other++)
            {
                if (other != row.Sequence && string.Equals(LogChainHasher.Next(row.PreviousHash, other, row.Json), row.Hash, StringComparison.Ordinal))
                {
                    return Broken(LogChainBreakKind.Reordered, row.Sequence, row.Uuid, row.Published,
                        $"this event was chained at sequence {other}, not {row.Sequence}: events were moved (reordered, or deleted and renumbered)");
                }
            }

            return Broken(LogChainBreakKind.HashMismatch, row.Sequence, row.Uuid, row.Published,
                $"the event hashes to {computed} but the row stores {row.Hash}: its content was edited");
        }

        // 3. Link: the previous hash is the hash of the row before (unknown for the first row after a checkpoint).
        if (_previousHash is not null && !string.Equals(row.PreviousHash, _previousHash, StringComparison.Ordinal))
        {
            return Broken(LogChainBreakKind.PreviousHashMismatch, row.Sequence, row.Uuid, row.Published,
                $"the row's previous hash is {row.PreviousHash} but sequence {row.Sequence - 1} has hash {_previousHash}: "
                + "an event before it was replaced or re-hashed");
        }

        // 4. Columns the API filters on repeat the hashed event.
        if (LogEventColumns.FirstDifference(row) is { } difference)
        {
            return Broken(LogChainBreakKind.ColumnMismatch, row.Sequence, row.Uuid, row.Published, difference);
        }

        // 5. Checkpoints at this sequence.
        if (!_pending.Remove(row.Sequence, out var checkpoints))
        {
            return null;
        }

        foreach (var (checkpoint, _) in checkpoints)
        {
            if (CheckpointProblem(checkpoint, row.Sequence, row.Uuid, row.Published) is { } problem)
            {
                return problem;
            }

            if (!string.Equals(checkpoint.Hash, row.Hash, StringComparison.Ordinal))
            {
                return Broken(LogChainBreakKind.CheckpointHashMismatch, row.Sequence, row.Uuid, row.Published,
                    $"the checkpoint signed {IsoTime.Write(checkpoint.Signed)}"
                    + (checkpoints.Any(c => c.Source == CheckpointSource.Outside) ? " (recorded outside the database)" : "")
                    + $" says hash {checkpoint.Hash} but the event has {row.Hash}: the chain up to here was re-hashed "
                    + $"after an edit, removal or insertion since sequence {LastVerifiedCheckpoint?.Sequence ?? 0}");
            }
        }

        if (checkpoints.Any(c => c.Source == CheckpointSource.Outside) && checkpoints.All(c => c.Source != CheckpointSource.Database))
        {
            return Broken(LogChainBreakKind.CheckpointMissing, row.Sequence, row.Uuid, row.Published,
                $"the checkpoint at sequence {row.Sequence} recorded outside the database is not in the database: checkpoints were deleted");
        }

        LastVerifiedCheckpoint = checkpoints[^1].Checkpoint;
        return null;
    }

    private LogChainBreak? CheckpointProblem(LogCheckpoint checkpoint, long sequence, string? uuid, DateTimeOffset? published)
    {
        if (!string.Equals(checkpoint.OrgId, _orgId, StringComparison.Ordinal))
        {
            return Broken(LogChainBreakKind.CheckpointSignatureInvalid, sequence, uuid, published,
                $"the checkpoint at sequence {checkpoint.Sequence} was signed for org {checkpoint.OrgId}");
        }

        return _key.Check(checkpoint) switch
        {
            CheckpointSignature.Valid => null,
            CheckpointSignature.OtherKey => Broken(LogChainBreakKind.CheckpointSignatureInvalid, sequence, uuid, published,
                $"the checkpoint at sequence {checkpoint.Sequence} names key {checkpoint.KeyId}, not this key ({_key.KeyId})"),
            _ => Broken(LogChainBreakKind.CheckpointSignatureInvalid, sequence, uuid, published,
                $"the signature of the checkpoint at sequence {checkpoint.Sequence} does not verify: the checkpoint was altered or forged"),
        };
    }

    private LogChainBreak Broken(LogChainBreakKind kind, long sequence, string? uuid, DateTimeOffset? published, string detail) =>
        new(_orgId, kind, sequence, uuid, published, detail);
}
