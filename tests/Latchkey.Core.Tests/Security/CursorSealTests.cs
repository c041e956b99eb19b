using System.Buffers.Text;
using System.Text;
using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>Paging cursors the server recognises as its own, for the list that issued them.</summary>
public sealed class CursorSealTests
{
    [Theory]
    [InlineData("00u1abcdefghijklmnop")]
    [InlineData("1627500044869_17")]
    [InlineData("")]
    [InlineData("ünïcode position")]
    public void A_sealed_position_opens_again_for_the_same_list(string position)
    {
        Assert.Equal(position, CursorSeal.Open("users", CursorSeal.Seal("users", position)));
    }

    [Fact]
    public void A_cursor_of_another_list_does_not_open()
    {
        Assert.Null(CursorSeal.Open("groups", CursorSeal.Seal("users", "00u1abcdefghijklmnop")));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("%%%")]
    [InlineData("MDB1MWFiY2RlZmdoaWprbG1ub3A")] // base64url of a bare id, as cursors were before they were sealed
    [InlineData("1627500044869_1")] // the real service's log cursor form
    public void Garbage_and_foreign_cursors_do_not_open(string cursor)
    {
        Assert.Null(CursorSeal.Open("users", cursor));
    }

    [Fact]
    public void A_cursor_whose_position_was_edited_does_not_open()
    {
        var bytes = Base64Url.DecodeFromChars(CursorSeal.Seal("users", "00u1abcdefghijklmnop"));
        bytes[^1] ^= 1;
        Assert.Null(CursorSeal.Open("users", Base64Url.EncodeToString(bytes)));
    }

    [Fact]
    public void A_cursor_of_another_version_does_not_open()
    {
        var bytes = Base64Url.DecodeFromChars(CursorSeal.Seal("users", "x"));
        bytes[0] = 2;
        Assert.Null(CursorSeal.Open("users", Base64Url.EncodeToString(bytes)));
    }

    [Fact]
    public void An_over_long_cursor_does_not_open()
    {
        Assert.Null(CursorSeal.Open("users", CursorSeal.Seal("users", new string('a', 600))));
    }

    [Fact]
    public void The_cursor_is_url_safe_without_padding()
    {
        var cursor = CursorSeal.Seal("users", "position with / and + and ? inside" + Encoding.UTF8.GetString([0xC3, 0xBF]));
        Assert.DoesNotContain('=', cursor);
        Assert.All(cursor, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not url-safe"));
    }
}
