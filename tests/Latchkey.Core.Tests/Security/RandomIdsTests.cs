using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>Okta-style ids (okta-api.md section 1.7: 20 characters, base62, 3-character type prefix) and random secrets.</summary>
public sealed class RandomIdsTests
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    [Theory]
    [InlineData(IdPrefix.User)]
    [InlineData(IdPrefix.Group)]
    [InlineData(IdPrefix.App)]
    [InlineData(IdPrefix.ApiToken)]
    [InlineData(IdPrefix.AccessPolicy)]
    public void A_new_id_is_20_characters_and_keeps_its_prefix(string prefix)
    {
        var id = RandomIds.NewId(prefix);

        Assert.Equal(20, id.Length);
        Assert.StartsWith(prefix, id, StringComparison.Ordinal);
    }

    [Fact]
    public void The_random_part_of_an_id_is_base62_only()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = RandomIds.NewId(IdPrefix.User);

            Assert.All(id[3..], c => Assert.Contains(c, Base62));
        }
    }

    [Fact]
    public void Ten_thousand_new_ids_are_all_different()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RandomIds.NewId(IdPrefix.User)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_random_part_uses_the_whole_base62_alphabet()
    {
        var seen = new HashSet<char>();
        for (var i = 0; i < 1000; i++)
        {
            seen.UnionWith(RandomIds.NewId(IdPrefix.User)[3..]);
        }

        // 17,000 draws from 62 symbols: missing any one by chance has probability far below 1e-100.
        Assert.Equal(Base62.Length, seen.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("00uu")]
    public void A_prefix_that_is_not_three_characters_is_rejected(string prefix)
    {
        var thrown = Assert.Throws<ArgumentException>(() => RandomIds.NewId(prefix));

        Assert.Equal("prefix", thrown.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(22)]
    [InlineData(40)]
    public void A_base62_string_has_the_requested_length_and_only_base62_characters(int length)
    {
        var value = RandomIds.NewBase62(length);

        Assert.Equal(length, value.Length);
        Assert.All(value, c => Assert.Contains(c, Base62));
    }

    [Fact]
    public void A_url_safe_secret_of_32_bytes_is_43_characters_without_padding_or_url_unsafe_characters()
    {
        for (var i = 0; i < 200; i++)
        {
            var secret = RandomIds.NewUrlSafeSecret();

            Assert.Equal(43, secret.Length);
            Assert.All(secret, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not URL-safe"));
        }
    }

    [Fact]
    public void A_new_uuid_is_version_7()
    {
        Assert.Equal(7, RandomIds.NewUuid().Version);
    }

    [Fact]
    public void A_stored_rows_id_is_20_base62_characters_and_sorts_by_creation_time()
    {
        var start = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 1000).Select(i => RandomIds.NewId(IdPrefix.User, start.AddMilliseconds(i * 7))).ToList();

        Assert.All(ids, id =>
        {
            Assert.Equal(20, id.Length);
            Assert.StartsWith(IdPrefix.User, id, StringComparison.Ordinal);
            Assert.All(id[3..], c => Assert.Contains(c, Base62));
        });
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Ids_created_in_the_same_millisecond_differ_in_their_random_part()
    {
        var now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 10_000).Select(_ => RandomIds.NewId(IdPrefix.Group, now)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Single(ids.Select(id => id[..10]).Distinct());
    }
}
