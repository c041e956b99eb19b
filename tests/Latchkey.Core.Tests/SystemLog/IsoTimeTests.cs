using Latchkey.Core.Time;
using Xunit;

namespace Latchkey.Core.Tests.SystemLog;

/// <summary>
/// API timestamps (okta-api.md section 1.7): written as ISO-8601 UTC with milliseconds, read with or without
/// milliseconds and with offsets. Kept here because the System Log's <c>published</c>, <c>since</c> and
/// <c>until</c> are their heaviest users.
/// </summary>
public sealed class IsoTimeTests
{
    private static readonly DateTimeOffset Example = new(2013, 7, 2, 21, 36, 25, 344, TimeSpan.Zero);

    [Fact]
    public void The_format_is_iso_8601_utc_with_milliseconds()
    {
        Assert.Equal("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", IsoTime.Format);
    }

    [Fact]
    public void A_utc_instant_is_written_with_milliseconds_and_a_z()
    {
        Assert.Equal("2013-07-02T21:36:25.344Z", IsoTime.Write(Example));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-5)]
    [InlineData(14)]
    [InlineData(-12)]
    public void An_instant_with_an_offset_is_written_in_utc(int offsetHours)
    {
        var local = Example.ToOffset(TimeSpan.FromHours(offsetHours));

        Assert.Equal("2013-07-02T21:36:25.344Z", IsoTime.Write(local));
    }

    [Fact]
    public void An_offset_that_crosses_midnight_changes_the_written_date()
    {
        var local = new DateTimeOffset(2024, 1, 1, 0, 30, 0, TimeSpan.FromHours(1));

        Assert.Equal("2023-12-31T23:30:00.000Z", IsoTime.Write(local));
    }

    [Fact]
    public void Whole_seconds_are_written_with_three_zero_milliseconds()
    {
        Assert.Equal("2020-02-29T00:00:00.000Z", IsoTime.Write(new DateTimeOffset(2020, 2, 29, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Sub_millisecond_precision_is_cut_not_rounded_when_written()
    {
        var value = Example.AddTicks(9_999);

        Assert.Equal("2013-07-02T21:36:25.344Z", IsoTime.Write(value));
    }

    [Theory]
    [InlineData("2013-07-02T21:36:25.344Z")]
    [InlineData("2013-07-02T23:36:25.344+02:00")]
    [InlineData("2013-07-02T16:36:25.344-05:00")]
    [InlineData("2013-07-02T21:36:25.344+00:00")]
    [InlineData("2013-07-02T21:36:25.3440000Z")]
    public void Text_with_milliseconds_and_any_offset_reads_as_the_same_utc_instant(string text)
    {
        Assert.True(IsoTime.TryParse(text, out var value));
        Assert.Equal(Example, value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("2013-07-02T21:36:25Z")]
    [InlineData("2013-07-03T00:36:25+03:00")]
    [InlineData("2013-07-02T21:36:25")]
    public void Text_without_milliseconds_reads_as_whole_seconds(string text)
    {
        Assert.True(IsoTime.TryParse(text, out var value));
        Assert.Equal(new DateTimeOffset(2013, 7, 2, 21, 36, 25, TimeSpan.Zero), value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Fact]
    public void Text_without_an_offset_is_taken_as_utc()
    {
        Assert.True(IsoTime.TryParse("2013-07-02T21:36:25.344", out var value));
        Assert.Equal(Example, value);
    }

    [Fact]
    public void What_is_written_reads_back_as_the_same_instant()
    {
        var instant = new DateTimeOffset(2031, 11, 5, 8, 9, 10, 11, TimeSpan.FromHours(-7));

        Assert.True(IsoTime.TryParse(IsoTime.Write(instant), out var value));
        Assert.Equal(instant, value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("garbage")]
    [InlineData("yesterday")]
    [InlineData("now")]
    [InlineData("T21:36:25Z")]
    [InlineData("2013-13-02T21:36:25Z")]
    [InlineData("2013-02-30T21:36:25Z")]
    [InlineData("2013-07-02T25:36:25Z")]
    [InlineData("2013-07-02T21:61:25Z")]
    [InlineData("2013-07-02T21:36:25.344Zjunk")]
    [InlineData("2013-07-02T21:36:25.344+25:00")]
    [InlineData("2013-07-02 21:36:25.344Z and more")]
    [InlineData(" 2013-07-02T21:36:25.344Z")]
    public void Garbage_is_rejected(string? text)
    {
        Assert.False(IsoTime.TryParse(text, out var value));
        Assert.Equal(default, value);
    }

    [Fact]
    public void Text_longer_than_64_characters_is_rejected_even_when_it_would_parse()
    {
        var fitting = "2013-07-02T21:36:25.344" + new string('0', 40) + "Z";
        var overLong = "2013-07-02T21:36:25.344" + new string('0', 41) + "Z";

        Assert.True(IsoTime.TryParse(fitting, out _));
        Assert.Equal(65, overLong.Length);
        Assert.False(IsoTime.TryParse(overLong, out _));
    }

    [Fact]
    public void Truncating_drops_everything_below_a_millisecond_and_keeps_the_instant_in_utc()
    {
        var local = Example.AddTicks(9_999).ToOffset(TimeSpan.FromHours(3));

        var truncated = IsoTime.Truncate(local);

        Assert.Equal(Example, truncated);
        Assert.Equal(TimeSpan.Zero, truncated.Offset);
    }
}
