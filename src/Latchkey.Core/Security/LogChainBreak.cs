namespace Latchkey.Core.Security;

/// <summary>One stored System Log row, as the chain verifier reads it (the stored columns and the hashed JSON).</summary>
public sealed record LogChainRow(long Sequence, string Uuid, DateTimeOffset Published, string EventType, string ActorId,
    string OutcomeResult, string Json, string PreviousHash, string Hash);

/// <summary>What differs at a broken link of the chain.</summary>
public enum LogChainBreakKind
{
    /// <summary>The event's JSON no longer hashes to the row's stored hash: the event was edited.</summary>
    HashMismatch,
    /// <summary>The row's previous hash is not the hash of the row before it.</summary>
    PreviousHashMismatch,
    /// <summary>Sequences are missing: events were deleted.</summary>
    SequenceGap,
    /// <summary>The event's hash fits another sequence: events were moved (reordered, or deleted and renumbered).</summary>
    Reordered,
    /// <summary>A stored column the API filters on (uuid, published, eventType, actor id, outcome) disagrees with the hashed event.</summary>
    ColumnMismatch,
    /// <summary>The chain head (last sequence and hash) disagrees with the last row.</summary>
    HeadMismatch,
    /// <summary>A checkpoint's signature does not verify with the key: the checkpoint was altered or forged.</summary>
    CheckpointSignatureInvalid,
    /// <summary>A validly signed checkpoint names another hash than the row at its sequence has: the chain was re-hashed.</summary>
    CheckpointHashMismatch,
    /// <summary>A validly signed checkpoint covers a sequence past the end of the chain: events were removed from the end.</summary>
    Truncated,
    /// <summary>The checkpoint recorded outside the database is not in the database: checkpoints were deleted.</summary>
    CheckpointMissing,
}

/// <summary>The first broken link of one org's chain: where it is and what differs.</summary>
public sealed record LogChainBreak(string OrgId, LogChainBreakKind Kind, long Sequence, string? Uuid, DateTimeOffset? Published, string Detail)
{
    /// <summary>A short name of the kind, for people and for the System Log event.</summary>
    public string What => Kind switch
    {
        LogChainBreakKind.HashMismatch => "hash mismatch (event edited)",
        LogChainBreakKind.PreviousHashMismatch => "previous-hash mismatch",
        LogChainBreakKind.SequenceGap => "sequence gap (events deleted)",
        LogChainBreakKind.Reordered => "events reordered",
        LogChainBreakKind.ColumnMismatch => "column mismatch (stored column edited)",
        LogChainBreakKind.HeadMismatch => "head mismatch",
        LogChainBreakKind.CheckpointSignatureInvalid => "checkpoint signature invalid",
        LogChainBreakKind.CheckpointHashMismatch => "checkpoint hash mismatch (chain re-hashed)",
        LogChainBreakKind.Truncated => "truncated (events missing before a checkpoint)",
        LogChainBreakKind.CheckpointMissing => "checkpoint missing from the database",
        _ => Kind.ToString(),
    };
}
