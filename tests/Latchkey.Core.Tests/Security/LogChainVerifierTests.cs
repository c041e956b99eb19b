using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>The chain verifier finds the first broken link of a System Log and says what differs there.</summary>
public sealed class LogChainVerifierTests : IDisposable
{
    private const string Org = "00oORG00000000000001";
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-05-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly LogSigningKey _key = LogSigningKey.Generate();

    public void Dispose() => _key.Dispose();

    /// <summary>A valid chain of <paramref name="count"/> events, as the server writes it.</summary>
    private static List<LogChainRow> Chain(int count)
    {
        var rows = new List<LogChainRow>();
        var previous = LogChainHasher.Genesis;
        for (var sequence = 1L; sequence <= count; sequence++)
        {
            var row = Row(sequence, previous, $"Actor {sequence}");
            rows.Add(row);
            previous = row.Hash;
        }

        return rows;
    }

    private static LogChainRow Row(long sequence, string previousHash, string displayName, string? uuid = null)
    {
        uuid ??= $"00000000-0000-4000-8000-{sequence:D12}";
        var published = Start.AddSeconds(sequence);
        var json = $$"""{"uuid":"{{uuid}}","published":"{{IsoTime.Write(published)}}","eventType":"user.lifecycle.create","version":"0","severity":"INFO","displayMessage":"Create okta user","actor":{"id":"00uADMIN","type":"User","alternateId":"admin@example.com","displayName":"{{displayName}}"},"client":{"ipAddress":"10.0.0.{{sequence % 250}}"},"outcome":{"result":"SUCCESS"},"target":[]}""";
        return new LogChainRow(sequence, uuid, published, "user.lifecycle.create", "00uADMIN", "SUCCESS", json, previousHash,
            LogChainHasher.Next(previousHash, sequence, json));
    }

    /// <summary>What an attacker without the key does after an edit: recompute every hash from the first row on.</summary>
    private static List<LogChainRow> Rehash(IEnumerable<LogChainRow> rows)
    {
        var result = new List<LogChainRow>();
        var previous = LogChainHasher.Genesis;
        foreach (var row in rows)
        {
            var hash = LogChainHasher.Next(previous, row.Sequence, row.Json);
            result.Add(row with { PreviousHash = previous, Hash = hash });
            previous = hash;
        }

        return result;
    }

    private static LogChainRow Edit(LogChainRow row, string from, string to) =>
        row with { Json = row.Json.Replace(from, to, StringComparison.Ordinal) };

    private LogCheckpoint Checkpoint(IReadOnlyList<LogChainRow> rows, long sequence) =>
        _key.Sign(Org, sequence, rows[(int)sequence - 1].Hash, Start.AddHours(1));

    private LogChainBreak? Verify(IEnumerable<LogChainRow> rows, IEnumerable<LogCheckpoint>? checkpoints = null,
        long? headSequence = null, string? headHash = null, IEnumerable<LogCheckpoint>? outside = null)
    {
        var list = rows.ToList();
        var verifier = LogChainVerifier.FromGenesis(Org, _key);
        foreach (var checkpoint in checkpoints ?? [])
        {
            verifier.Expect(checkpoint, CheckpointSource.Database);
        }

        foreach (var checkpoint in outside ?? [])
        {
            verifier.Expect(checkpoint, CheckpointSource.Outside);
        }

        foreach (var row in list)
        {
            if (!verifier.Add(row))
            {
                break;
            }
        }

        return verifier.Finish(headSequence ?? list.LastOrDefault()?.Sequence ?? 0, headHash ?? list.LastOrDefault()?.Hash ?? LogChainHasher.Genesis);
    }

    [Fact]
    public void An_intact_chain_with_valid_checkpoints_and_head_has_no_break()
    {
        var rows = Chain(50);

        Assert.Null(Verify(rows, [Checkpoint(rows, 10), Checkpoint(rows, 50)]));
    }

    [Fact]
    public void An_empty_chain_with_a_head_at_zero_is_intact()
    {
        Assert.Null(Verify([], headSequence: 0, headHash: LogChainHasher.Genesis));
    }

    [Fact]
    public void The_verifier_reports_rows_checked_and_the_last_verified_checkpoint()
    {
        var rows = Chain(30);
        var verifier = LogChainVerifier.FromGenesis(Org, _key);
        verifier.Expect(Checkpoint(rows, 20), CheckpointSource.Database);
        rows.ForEach(r => verifier.Add(r));

        Assert.Null(verifier.Finish(30, rows[^1].Hash));
        Assert.Equal(30, verifier.RowsChecked);
        Assert.Equal(20, verifier.LastVerifiedCheckpoint!.Sequence);
        Assert.Equal(rows[^1].Hash, verifier.LastHash);
    }

    [Fact]
    public void An_edited_event_is_a_hash_mismatch_at_its_sequence_with_its_uuid_and_published_time()
    {
        var rows = Chain(20);
        rows[6] = Edit(rows[6], "Actor 7", "Mallory");

        var broken = Verify(rows)!;

        Assert.Equal(LogChainBreakKind.HashMismatch, broken.Kind);
        Assert.Equal(7, broken.Sequence);
        Assert.Equal(rows[6].Uuid, broken.Uuid);
        Assert.Equal(rows[6].Published, broken.Published);
        Assert.Contains("edited", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deleted_event_is_a_sequence_gap_at_the_next_event()
    {
        var rows = Chain(20);
        rows.RemoveAt(9);

        var broken = Verify(rows)!;

        Assert.Equal(LogChainBreakKind.SequenceGap, broken.Kind);
        Assert.Equal(11, broken.Sequence);
        Assert.Contains("sequence 10 is missing", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_swapped_events_are_reported_as_reordered_naming_where_the_event_was_chained()
    {
        var rows = Chain(20);
        (rows[4], rows[5]) = (rows[5] with { Sequence = 5 }, rows[4] with { Sequence = 6 });

        var broken = Verify(rows)!;

        Assert.Equal(LogChainBreakKind.Reordered, broken.Kind);
        Assert.Equal(5, broken.Sequence);
        Assert.Contains("chained at sequence 6", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_arriving_out_of_sequence_order_break_the_chain()
    {
        var rows = Chain(10);
        (rows[3], rows[4]) = (rows[4], rows[3]);

        var broken = Verify(rows)!;

        Assert.Equal(LogChainBreakKind.SequenceGap, broken.Kind);
        Assert.Equal(5, broken.Sequence);
        var verifier = LogChainVerifier.FromGenesis(Org, _key);
        Assert.True(verifier.Add(Chain(1)[0]));
        Assert.False(verifier.Add(Chain(1)[0]));
        Assert.Equal(LogChainBreakKind.Reordered, verifier.Break!.Kind);
    }

    [Fact]
    public void A_row_replaced_by_a_validly_hashed_one_is_a_previous_hash_mismatch()
    {
        var rows = Chain(10);
        rows[4] = Row(5, new string('f', 64), "Actor 5");

        var broken = Verify(rows)!;

        Assert.Equal(LogChainBreakKind.PreviousHashMismatch, broken.Kind);
        Assert.Equal(5, broken.Sequence);
    }

    [Fact]
    public void An_edited_index_column_with_the_json_intact_is_a_column_mismatch()
    {
        var rows = Chain(10);
        rows[2] = rows[2] with { EventType = "user.lifecycle.delete.completed" };

        var broken = Verify(rows)!;

        Assert.Equal(LogChainBreakKind.ColumnMismatch, broken.Kind);
        Assert.Equal(3, broken.Sequence);
        Assert.Contains("eventType", broken.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uuid")]
    [InlineData("published")]
    [InlineData("actor")]
    [InlineData("outcome")]
    public void Every_indexed_column_is_compared_with_the_hashed_event(string column)
    {
        var rows = Chain(5);
        rows[1] = column switch
        {
            "uuid" => rows[1] with { Uuid = "00000000-0000-4000-8000-999999999999" },
            "published" => rows[1] with { Published = rows[1].Published.AddDays(-30) },
            "actor" => rows[1] with { ActorId = "00uSOMEONEELSE" },
            _ => rows[1] with { OutcomeResult = "FAILURE" },
        };

        Assert.Equal(LogChainBreakKind.ColumnMismatch, Verify(rows)!.Kind);
    }

    [Fact]
    public void A_chain_re_hashed_after_an_edit_passes_without_checkpoints()
    {
        // The weakness signed checkpoints close: re-computing every hash and the head hides the edit.
        var rows = Chain(20);
        rows[6] = Edit(rows[6], "Actor 7", "Mallory");
        var rehashed = Rehash(rows);

        Assert.Null(Verify(rehashed));
    }

    [Fact]
    public void A_chain_re_hashed_after_an_edit_breaks_at_the_next_checkpoint()
    {
        var rows = Chain(20);
        var checkpoints = new[] { Checkpoint(rows, 5), Checkpoint(rows, 15) };
        rows[6] = Edit(rows[6], "Actor 7", "Mallory");

        var broken = Verify(Rehash(rows), checkpoints)!;

        Assert.Equal(LogChainBreakKind.CheckpointHashMismatch, broken.Kind);
        Assert.Equal(15, broken.Sequence);
        Assert.Contains("since sequence 5", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_whose_hash_was_replaced_to_match_a_re_hashed_chain_has_an_invalid_signature()
    {
        var rows = Chain(20);
        var original = Checkpoint(rows, 15);
        rows[6] = Edit(rows[6], "Actor 7", "Mallory");
        var rehashed = Rehash(rows);

        var broken = Verify(rehashed, [original with { Hash = rehashed[14].Hash }])!;

        Assert.Equal(LogChainBreakKind.CheckpointSignatureInvalid, broken.Kind);
        Assert.Equal(15, broken.Sequence);
    }

    [Fact]
    public void A_checkpoint_made_with_another_key_is_an_invalid_signature()
    {
        var rows = Chain(10);
        using var attacker = LogSigningKey.Generate();

        var broken = Verify(rows, [attacker.Sign(Org, 10, rows[9].Hash, Start)])!;

        Assert.Equal(LogChainBreakKind.CheckpointSignatureInvalid, broken.Kind);
        Assert.Contains(attacker.KeyId, broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_of_another_org_is_an_invalid_signature_for_this_org()
    {
        var rows = Chain(10);

        var broken = Verify(rows, [_key.Sign("00oOTHER", 10, rows[9].Hash, Start)])!;

        Assert.Equal(LogChainBreakKind.CheckpointSignatureInvalid, broken.Kind);
        Assert.Contains("00oOTHER", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_removed_from_the_end_with_the_head_moved_back_are_truncation_before_the_checkpoint()
    {
        var rows = Chain(20);
        var checkpoint = Checkpoint(rows, 20);
        var kept = rows.Take(12).ToList();

        var broken = Verify(kept, [checkpoint], headSequence: 12, headHash: kept[^1].Hash)!;

        Assert.Equal(LogChainBreakKind.Truncated, broken.Kind);
        Assert.Equal(20, broken.Sequence);
        Assert.Contains("events 13 to 20 were removed", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forged_checkpoint_past_the_end_is_an_invalid_signature_not_truncation()
    {
        var rows = Chain(5);

        var broken = Verify(rows, [Checkpoint(rows, 5) with { Sequence = 9 }])!;

        Assert.Equal(LogChainBreakKind.CheckpointSignatureInvalid, broken.Kind);
    }

    [Fact]
    public void Events_removed_from_the_end_with_the_head_left_alone_are_a_head_mismatch()
    {
        var rows = Chain(20);

        var broken = Verify(rows.Take(17), headSequence: 20, headHash: rows[^1].Hash)!;

        Assert.Equal(LogChainBreakKind.HeadMismatch, broken.Kind);
        Assert.Contains("events 18 to 20 were removed", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_head_whose_hash_differs_from_the_last_event_is_a_head_mismatch()
    {
        var rows = Chain(5);

        var broken = Verify(rows, headSequence: 5, headHash: new string('e', 64))!;

        Assert.Equal(LogChainBreakKind.HeadMismatch, broken.Kind);
        Assert.Equal(rows[^1].Uuid, broken.Uuid);
    }

    [Fact]
    public void A_head_behind_the_last_event_is_a_head_mismatch()
    {
        var rows = Chain(5);

        Assert.Equal(LogChainBreakKind.HeadMismatch, Verify(rows, headSequence: 3, headHash: rows[2].Hash)!.Kind);
    }

    [Fact]
    public void Events_without_a_head_are_a_head_mismatch()
    {
        var rows = Chain(3);
        var verifier = LogChainVerifier.FromGenesis(Org, _key);
        rows.ForEach(r => verifier.Add(r));

        Assert.Equal(LogChainBreakKind.HeadMismatch, verifier.Finish(null, null)!.Kind);
    }

    [Fact]
    public void Deleting_the_newest_checkpoints_and_re_hashing_after_the_rest_is_caught_by_the_outside_record()
    {
        var rows = Chain(30);
        var kept = Checkpoint(rows, 10);
        var outside = Checkpoint(rows, 30);
        rows[19] = Edit(rows[19], "Actor 20", "Mallory");
        var rehashed = Rehash(rows);

        Assert.Null(Verify(rehashed, [kept]));
        var broken = Verify(rehashed, [kept], outside: [outside])!;

        Assert.Equal(LogChainBreakKind.CheckpointHashMismatch, broken.Kind);
        Assert.Equal(30, broken.Sequence);
        Assert.Contains("outside the database", broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_recorded_outside_but_deleted_from_the_database_is_reported_missing()
    {
        var rows = Chain(30);

        var broken = Verify(rows, [Checkpoint(rows, 10)], outside: [Checkpoint(rows, 30)])!;

        Assert.Equal(LogChainBreakKind.CheckpointMissing, broken.Kind);
        Assert.Equal(30, broken.Sequence);
    }

    [Fact]
    public void The_outside_record_matching_a_database_checkpoint_is_intact()
    {
        var rows = Chain(30);
        var checkpoint = Checkpoint(rows, 30);

        Assert.Null(Verify(rows, [Checkpoint(rows, 10), checkpoint], outside: [checkpoint]));
    }

    [Fact]
    public void Verifying_from_a_checkpoint_checks_only_the_rows_from_it_on()
    {
        var rows = Chain(40);
        var start = Checkpoint(rows, 25);
        rows[3] = Edit(rows[3], "Actor 4", "Mallory"); // before the start: not read
        var verifier = LogChainVerifier.FromCheckpoint(_key, start, CheckpointSource.Database);

        foreach (var row in rows.Skip(24))
        {
            Assert.True(verifier.Add(row));
        }

        Assert.Null(verifier.Finish(40, rows[^1].Hash));
        Assert.Equal(16, verifier.RowsChecked);
    }

    [Fact]
    public void Verifying_from_a_checkpoint_finds_a_re_hashed_chain_at_the_start()
    {
        var rows = Chain(40);
        var start = Checkpoint(rows, 25);
        rows[3] = Edit(rows[3], "Actor 4", "Mallory");
        var rehashed = Rehash(rows);
        var verifier = LogChainVerifier.FromCheckpoint(_key, start, CheckpointSource.Database);

        Assert.False(verifier.Add(rehashed[24]));
        Assert.Equal(LogChainBreakKind.CheckpointHashMismatch, verifier.Break!.Kind);
    }

    [Fact]
    public void Verifying_from_a_checkpoint_whose_row_was_deleted_is_a_gap_or_truncation()
    {
        var rows = Chain(10);
        var start = Checkpoint(rows, 10);

        var gap = LogChainVerifier.FromCheckpoint(_key, Checkpoint(rows, 5), CheckpointSource.Database);
        Assert.False(gap.Add(rows[5]));
        Assert.Equal(LogChainBreakKind.SequenceGap, gap.Break!.Kind);

        var truncated = LogChainVerifier.FromCheckpoint(_key, start, CheckpointSource.Database);
        Assert.Equal(LogChainBreakKind.Truncated, truncated.Finish(9, rows[8].Hash)!.Kind);
    }

    [Fact]
    public void Only_the_first_break_is_reported_and_later_rows_are_refused()
    {
        var rows = Chain(10);
        rows[2] = Edit(rows[2], "Actor 3", "X");
        rows[7] = Edit(rows[7], "Actor 8", "Y");
        var verifier = LogChainVerifier.FromGenesis(Org, _key);

        var accepted = rows.TakeWhile(verifier.Add).Count();

        Assert.Equal(2, accepted);
        Assert.False(verifier.Add(rows[3]));
        Assert.Equal(3, verifier.Finish(10, rows[^1].Hash)!.Sequence);
    }

    [Fact]
    public void A_long_intact_chain_verifies_in_a_streaming_pass()
    {
        var verifier = LogChainVerifier.FromGenesis(Org, _key);
        var previous = LogChainHasher.Genesis;
        for (var sequence = 1L; sequence <= 20_000; sequence++)
        {
            var row = Row(sequence, previous, "Actor");
            if (sequence % 1000 == 0)
            {
                verifier.Expect(_key.Sign(Org, sequence, row.Hash, Start), CheckpointSource.Database);
            }

            Assert.True(verifier.Add(row));
            previous = row.Hash;
        }

        Assert.Null(verifier.Finish(20_000, previous));
        Assert.Equal(20_000, verifier.LastVerifiedCheckpoint!.Sequence);
    }
}
