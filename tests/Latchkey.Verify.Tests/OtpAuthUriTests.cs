using Latchkey.Verify.Totp;
using Xunit;

namespace Latchkey.Verify.Tests;

public sealed class OtpAuthUriTests
{
    [Fact]
    public void A_full_uri_gives_its_label_issuer_secret_and_parameters()
    {
        var uri = OtpAuthUri.Parse("otpauth://totp/ACME%20Co:alice@example.com?secret=jbsw%20y3dp%20ehpk%203pxp&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60&image=x");

        Assert.Equal("ACME Co:alice@example.com", uri.Label);
        Assert.Equal("ACME Co", uri.Issuer);
        Assert.Equal("alice@example.com", uri.AccountName);
        Assert.Equal("JBSWY3DPEHPK3PXP", uri.Settings.Secret);
        Assert.Equal("SHA256", uri.Settings.Algorithm);
        Assert.Equal(8, uri.Settings.Digits);
        Assert.Equal(60, uri.Settings.Period);
    }

    [Fact]
    public void Missing_parameters_take_the_key_uri_format_defaults()
    {
        var uri = OtpAuthUri.Parse("otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

        Assert.Equal("bob", uri.AccountName);
        Assert.Null(uri.Issuer);
        Assert.Equal(("SHA1", 6, 30), (uri.Settings.Algorithm, uri.Settings.Digits, uri.Settings.Period));
    }

    [Theory]
    [InlineData("https://example.com/totp/x?secret=JBSWY3DPEHPK3PXP", "not an otpauth:// URI")]
    [InlineData("not a uri at all", "not an otpauth:// URI")]
    [InlineData("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1", "hotp (counter-based) accounts are not supported")]
    [InlineData("otpauth://totp/?secret=JBSWY3DPEHPK3PXP", "no label")]
    [InlineData("otpauth://totp/x", "no secret")]
    [InlineData("otpauth://totp/x?secret=", "the secret is empty")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PX1", "not base32 (it contains '1')")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DP", "too short (5 bytes")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "unknown algorithm 'MD5'")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=5", "digits '5' is not a whole number from 6 to 8")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=six", "digits 'six'")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0", "period '0' is not a whole number from 1 to 300")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=-30", "period '-30'")]
    [InlineData("otpauth://totp/A:x?secret=JBSWY3DPEHPK3PXP&issuer=B", "the issuer parameter 'B' differs from the label's issuer 'A'")]
    [InlineData("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP", "the parameter 'secret' is given twice")]
    public void A_uri_that_cannot_give_working_codes_is_refused_with_the_reason(string text, string reason)
    {
        var refused = Assert.Throws<VerifyException>(() => OtpAuthUri.Parse(text));

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }
}
