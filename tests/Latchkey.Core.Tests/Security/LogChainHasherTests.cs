using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>The System Log hash chain: each event stores SHA-256(previous hash, sequence, event JSON).</summary>
public sealed class LogChainHasherTests
{
    private const string Json = """{"eventType":"user.lifecycle.create"}""";

    [Fact]
    public void The_genesis_hash_is_64_zeros()
    {
        Assert.Equal(new string('0', 64), LogChainHasher.Genesis);
    }

    [Fact]
    public void The_next_hash_is_the_sha256_of_previous_hash_sequence_and_json_joined_by_newlines()
    {
        // Pinned: stored chains must stay verifiable, so the input layout may never change silently.
        // sha256("000...000\n1\n{\"a\":1}") computed independently.
        Assert.Equal(
            "58a8b64ede0a31c39c4c0afb728c913a6b777e6ee987ceea8e4264a089470621",
            LogChainHasher.Next(LogChainHasher.Genesis, 1, """{"a":1}"""));
    }

    [Fact]
    public void The_next_hash_is_deterministic()
    {
        Assert.Equal(LogChainHasher.Next(LogChainHasher.Genesis, 7, Json), LogChainHasher.Next(LogChainHasher.Genesis, 7, Json));
    }

    [Fact]
    public void The_next_hash_is_64_lower_case_hex_characters()
    {
        var hash = LogChainHasher.Next(LogChainHasher.Genesis, 1, Json);

        Assert.Equal(64, hash.Length);
        Assert.Equal(hash.ToLowerInvariant(), hash);
        Assert.All(hash, c => Assert.True(Uri.IsHexDigit(c)));
    }

    [Fact]
    public void A_different_previous_hash_changes_the_next_hash()
    {
        var other = LogChainHasher.Next(LogChainHasher.Genesis, 1, "{}");

        Assert.NotEqual(LogChainHasher.Next(LogChainHasher.Genesis, 2, Json), LogChainHasher.Next(other, 2, Json));
    }

    [Fact]
    public void A_different_sequence_changes_the_next_hash()
    {
        Assert.NotEqual(LogChainHasher.Next(LogChainHasher.Genesis, 1, Json), LogChainHasher.Next(LogChainHasher.Genesis, 2, Json));
    }

    [Fact]
    public void A_one_character_edit_of_the_event_json_changes_the_next_hash()
    {
        var edited = Json.Replace("create", "crEate", StringComparison.Ordinal);

        Assert.NotEqual(LogChainHasher.Next(LogChainHasher.Genesis, 1, Json), LogChainHasher.Next(LogChainHasher.Genesis, 1, edited));
    }

    [Fact]
    public void Moving_digits_between_the_sequence_and_the_json_changes_the_next_hash()
    {
        Assert.NotEqual(LogChainHasher.Next(LogChainHasher.Genesis, 1, "2{}"), LogChainHasher.Next(LogChainHasher.Genesis, 12, "{}"));
    }

    [Fact]
    public void Editing_an_early_event_breaks_every_later_hash_of_the_chain()
    {
        string[] events = ["""{"n":1}""", """{"n":2}""", """{"n":3}"""];
        var original = Chain(events);
        events[0] = """{"n":0}""";
        var tampered = Chain(events);

        Assert.All(Enumerable.Range(0, events.Length), i => Assert.NotEqual(original[i], tampered[i]));
    }

    private static List<string> Chain(IEnumerable<string> events)
    {
        var hashes = new List<string>();
        var previous = LogChainHasher.Genesis;
        long sequence = 0;
        foreach (var json in events)
        {
            previous = LogChainHasher.Next(previous, ++sequence, json);
            hashes.Add(previous);
        }

        return hashes;
    }
}
