using System.Diagnostics;
using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Security;
using OtpNet;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>Scenario A3 in the verifier: right, replayed, wrong, malformed, and codes from a computer whose clock is off.</summary>
public sealed class OfflineCodeTests
{
    private static readonly byte[] Secret = Base32Encoding.ToBytes("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 9, 0, 10, TimeSpan.Zero);

    private static string CodeAt(DateTimeOffset time) => new Totp(Secret).ComputeTotp(time.UtcDateTime);

    [Theory]
    [InlineData(0)]
    [InlineData(-30)]
    [InlineData(30)]
    public void The_current_code_and_one_step_either_side_are_accepted(int seconds)
    {
        var check = OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddSeconds(seconds)), Now, []);

        Assert.Equal(OfflineCodeResult.Accepted, check.Result);
        Assert.Equal(DeviceAccessCodes.StepAt(Now.AddSeconds(seconds)), check.Step);
    }

    [Fact]
    public void A_code_typed_with_a_space_in_the_middle_is_accepted()
    {
        var code = CodeAt(Now);

        Assert.True(OfflineCodeVerifier.Check(Secret, $"{code[..3]} {code[3..]}", Now, []).IsAccepted);
    }

    [Fact]
    public void A_used_code_or_an_older_one_is_refused_as_already_used()
    {
        var step = DeviceAccessCodes.StepAt(Now);

        var again = OfflineCodeVerifier.Check(Secret, CodeAt(Now), Now, [step]);
        var older = OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddSeconds(-30)), Now, [step]);

        Assert.Equal(OfflineCodeResult.Replayed, again.Result);
        Assert.Contains("already used: wait for the next code", again.Message, StringComparison.Ordinal);
        Assert.Equal(OfflineCodeResult.Replayed, older.Result);
        Assert.True(OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddSeconds(30)), Now, [step]).IsAccepted);
    }

    [Fact]
    public void A_wrong_code_is_wrong_and_says_which_account_to_use()
    {
        var wrong = CodeAt(Now) == "000000" ? "111111" : "000000";

        var check = OfflineCodeVerifier.Check(Secret, wrong, Now, []);

        Assert.Equal(OfflineCodeResult.Wrong, check.Result);
        Assert.False(check.IsAccepted);
        Assert.Contains("\"Device access code\" account", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(37, "about 37 minutes off (behind")]
    [InlineData(-5 * 60, "about 5 hours off (ahead of")]
    [InlineData(11 * 60 + 50, "about 11 hours 50 minutes off (behind")]
    [InlineData(-(11 * 60 + 59), "about 11 hours 59 minutes off (ahead of")]
    [InlineData(2, "about 2 minutes off")]
    [InlineData(61, "about 1 hour 1 minute off")]
    public void A_code_right_at_a_clock_offset_up_to_12_hours_says_how_far_off_the_clock_is(int minutes, string expected)
    {
        // The authenticator app shows the code of the true time; this computer's clock reads Now.
        var check = OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddMinutes(minutes)), Now, []);

        Assert.Equal(OfflineCodeResult.ClockSkew, check.Result);
        Assert.Contains($"this computer's clock is {expected}", check.Message, StringComparison.Ordinal);
        Assert.Contains("set the correct time", check.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(minutes), check.ClockOffset);
    }

    [Theory]
    [InlineData(12 * 60 + 30)]
    [InlineData(-(13 * 60))]
    [InlineData(24 * 60)]
    public void A_code_from_beyond_12_hours_is_plain_wrong(int minutes)
    {
        var check = OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddMinutes(minutes)), Now, []);

        Assert.Equal(OfflineCodeResult.Wrong, check.Result);
        Assert.Null(check.ClockOffset);
    }

    [Theory]
    [InlineData("", "no device access code was entered")]
    [InlineData("   ", "no device access code was entered")]
    [InlineData("12345", "it has 5 digits, a code has 6")]
    [InlineData("1234567", "it has 7 digits, a code has 6")]
    [InlineData("12a456", "a code has only digits (0-9)")]
    [InlineData("١٢٣٤٥٦", "a code has only digits (0-9)")]
    [InlineData("123456; rm -rf /", "a code has only digits")]
    public void Malformed_input_is_refused_with_what_is_wrong_with_it(string input, string expected)
    {
        var check = OfflineCodeVerifier.Check(Secret, input, Now, []);

        Assert.Equal(OfflineCodeResult.Malformed, check.Result);
        Assert.Contains(expected, check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_input_is_refused_without_being_echoed()
    {
        var huge = new string('9', 100_000);

        var check = OfflineCodeVerifier.Check(Secret, huge, Now, []);

        Assert.Equal(OfflineCodeResult.Malformed, check.Result);
        Assert.Contains("it has 100000 characters, a code has 6 digits", check.Message, StringComparison.Ordinal);
        Assert.True(check.Message.Length < 200);
    }

    [Fact]
    public void The_clock_skew_search_computes_the_same_codes_as_otp_net()
    {
        var first = DeviceAccessCodes.StepAt(Now) - 500;

        var codes = DeviceAccessCodes.Codes(Secret, first, first + 999);

        Assert.Equal(1000, codes.Length);
        for (var i = 0; i < codes.Length; i++)
        {
            Assert.Equal(DeviceAccessCodes.Code(Secret, first + i), codes[i].ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void With_the_skew_table_prepared_a_check_takes_under_a_millisecond_also_when_it_searches_12_hours_either_way()
    {
        var table = OfflineCodeVerifier.PrepareSkewTable(Secret, Now);
        var wrong = CodeAt(Now) == "000000" ? "111111" : "000000";
        var skewed = CodeAt(Now.AddHours(-7));
        for (var i = 0; i < 20; i++)
        {
            OfflineCodeVerifier.Check(Secret, wrong, Now, [], table);
        }

        var watch = Stopwatch.StartNew();
        const int Runs = 200;
        for (var i = 0; i < Runs; i++)
        {
            OfflineCodeVerifier.Check(Secret, wrong, Now, [], table);
            Assert.Equal(OfflineCodeResult.ClockSkew, OfflineCodeVerifier.Check(Secret, skewed, Now, [], table).Result);
        }

        // Issue 13's target: an offline code check in the agent library under 1 ms (two checks a round here).
        Assert.True(watch.Elapsed.TotalMilliseconds / Runs / 2 < 1, $"{watch.Elapsed.TotalMilliseconds / Runs / 2:0.000} ms a check");
    }

    [Fact]
    public void A_table_prepared_earlier_is_used_while_it_covers_the_search_and_replaced_when_it_no_longer_does()
    {
        var earlier = OfflineCodeVerifier.PrepareSkewTable(Secret, Now.AddMinutes(-5));
        var stale = OfflineCodeVerifier.PrepareSkewTable(Secret, Now.AddHours(-3));

        Assert.True(earlier.Covers(DeviceAccessCodes.StepAt(Now) - 1440, DeviceAccessCodes.StepAt(Now) + 1440));
        Assert.False(stale.Covers(DeviceAccessCodes.StepAt(Now) - 1440, DeviceAccessCodes.StepAt(Now) + 1440));
        Assert.Contains("about 11 hours 55 minutes off",
            OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddMinutes(-(11 * 60 + 55))), Now, [], earlier).Message, StringComparison.Ordinal);
        Assert.Contains("about 11 hours 55 minutes off",
            OfflineCodeVerifier.Check(Secret, CodeAt(Now.AddMinutes(11 * 60 + 55)), Now, [], stale).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, "1 minute")]
    [InlineData(37, "37 minutes")]
    [InlineData(60, "1 hour")]
    [InlineData(300, "5 hours")]
    [InlineData(710, "11 hours 50 minutes")]
    public void Offsets_are_said_in_minutes_or_hours_and_minutes(double minutes, string expected)
    {
        Assert.Equal(expected, OfflineCodeVerifier.Describe(TimeSpan.FromMinutes(minutes)));
    }
}
