using System.Diagnostics;
using Latchkey.Core.Security;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>Codes of stored accounts: the RFC 6238 appendix B vectors through <c>import</c> and <c>code</c>.</summary>
public sealed class CodeTests : IDisposable
{
    // RFC 6238 appendix B: the ASCII seeds "1234567890" repeated to 20, 32 and 64 bytes.
    private static readonly string Sha1Seed = TotpCodes.ToBase32("12345678901234567890"u8.ToArray());
    private static readonly string Sha256Seed = TotpCodes.ToBase32("12345678901234567890123456789012"u8.ToArray());
    private static readonly string Sha512Seed = TotpCodes.ToBase32("1234567890123456789012345678901234567890123456789012345678901234"u8.ToArray());

    private readonly TestHome test = new();

    public void Dispose() => test.Dispose();

    [Theory]
    [InlineData(59, "SHA1", "94287082")]
    [InlineData(1111111109, "SHA1", "07081804")]
    [InlineData(1234567890, "SHA1", "89005924")]
    [InlineData(20000000000, "SHA1", "65353130")]
    [InlineData(59, "SHA256", "46119246")]
    [InlineData(1111111111, "SHA256", "67062674")]
    [InlineData(59, "SHA512", "90693936")]
    [InlineData(2000000000, "SHA512", "38618901")]
    public async Task An_imported_account_shows_the_rfc_6238_code_of_the_moment(long unixTime, string algorithm, string expected)
    {
        var seed = algorithm switch { "SHA256" => Sha256Seed, "SHA512" => Sha512Seed, _ => Sha1Seed };
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(unixTime));
        var imported = await CliRun.RunAsync(["import", $"otpauth://totp/RFC:6238?secret={seed}&algorithm={algorithm}&digits=8&period=30", "--home", test.Path], time: time);
        Assert.Equal(0, imported.Exit);

        var code = await CliRun.RunAsync(["code", "--home", test.Path], time: time);

        Assert.Equal(0, code.Exit);
        Assert.Equal(expected, code.OutLines[0]);
        Assert.Equal($"valid for {30 - (unixTime % 30)} more seconds (RFC:6238)", code.OutLines[1]);
    }

    [Fact]
    public async Task The_code_matches_oathtool()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var time = new FakeTimeProvider(now);
        await CliRun.RunAsync(["import", "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME", "--home", test.Path], time: time);

        var code = await CliRun.RunAsync(["code", "--home", test.Path], time: time);

        using var oathtool = Process.Start(new ProcessStartInfo("oathtool", ["--totp", "-b", "--now", now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture), "JBSWY3DPEHPK3PXP"])
        {
            RedirectStandardOutput = true,
        })!;
        var expected = (await oathtool.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim();
        await oathtool.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, oathtool.ExitCode);
        Assert.Equal(expected, code.OutLines[0]);
    }

    [Fact]
    public async Task With_several_accounts_code_asks_which_one_and_names_them()
    {
        await CliRun.RunAsync(["import", "otpauth://totp/one?secret=JBSWY3DPEHPK3PXP", "--home", test.Path]);
        await CliRun.RunAsync(["import", "otpauth://totp/two?secret=JBSWY3DPEHPK3PXP", "--home", test.Path]);

        var ambiguous = await CliRun.RunAsync(["code", "--home", test.Path]);
        var chosen = await CliRun.RunAsync(["code", "--home", test.Path, "--account", "two"]);

        Assert.Equal(ExitCodes.Usage, ambiguous.Exit);
        Assert.Contains("choose one with --account NAME (accounts: one, two)", ambiguous.Error, StringComparison.Ordinal);
        Assert.Equal(0, chosen.Exit);
        Assert.Matches("^[0-9]{6}$", chosen.OutLines[0]);
    }
}
