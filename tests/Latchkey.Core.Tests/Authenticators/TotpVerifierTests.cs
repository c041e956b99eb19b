using System.Text;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Authenticators;

/// <summary>TOTP: the RFC 6238 test vectors, the drift window, single use and the lockout, with fixed times.</summary>
public sealed class TotpVerifierTests
{
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    // RFC 6238 Appendix B: 8-digit codes at the listed Unix times, for each algorithm.
    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void The_rfc_6238_vectors_are_accepted(long unixSeconds, string sha1, string sha256, string sha512)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        foreach (var (seed, code, algorithm) in new[] { (Sha1Seed, sha1, TotpAlgorithm.Sha1), (Sha256Seed, sha256, TotpAlgorithm.Sha256), (Sha512Seed, sha512, TotpAlgorithm.Sha512) })
        {
            var policy = new TotpPolicy { Digits = 8, Algorithm = algorithm, DriftSteps = 0 };
            Assert.Equal(code, TotpVerifier.Code(seed, TotpVerifier.StepAt(at, policy), policy));
            var check = TotpVerifier.Check(seed, code, at, TotpFactorState.New, policy);
            Assert.Equal(TotpOutcome.Accepted, check.Outcome);
            Assert.Equal(unixSeconds / 30, check.Step);
        }
    }

    [Fact]
    public void A_code_one_step_either_side_is_accepted_and_two_steps_away_is_not()
    {
        var policy = TotpPolicy.Default;
        var now = TotpVerifier.StepAt(T0, policy);
        foreach (var offset in new[] { -1, 0, 1 })
        {
            Assert.Equal(TotpOutcome.Accepted, TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, now + offset, policy), T0, TotpFactorState.New, policy).Outcome);
        }

        foreach (var offset in new[] { -2, 2 })
        {
            Assert.Equal(TotpOutcome.Invalid, TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, now + offset, policy), T0, TotpFactorState.New, policy).Outcome);
        }

        var wide = policy with { DriftSteps = 2 };
        Assert.Equal(TotpOutcome.Accepted, TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, now - 2, wide), T0, TotpFactorState.New, wide).Outcome);
    }

    [Fact]
    public void Every_code_is_accepted_once_and_an_older_step_after_a_newer_one_is_a_replay()
    {
        var policy = TotpPolicy.Default;
        var now = TotpVerifier.StepAt(T0, policy);
        var code = TotpVerifier.Code(Sha1Seed, now, policy);
        var first = TotpVerifier.Check(Sha1Seed, code, T0, TotpFactorState.New, policy);
        Assert.Equal(TotpOutcome.Accepted, first.Outcome);
        Assert.Equal(now, first.Next.LastAcceptedStep);

        var again = TotpVerifier.Check(Sha1Seed, code, T0.AddSeconds(5), first.Next, policy);
        Assert.Equal(TotpOutcome.Replayed, again.Outcome);
        Assert.Equal(first.Next, again.Next);

        // The previous step's code is still inside the window but older than the one used: refused too.
        Assert.Equal(TotpOutcome.Replayed, TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, now - 1, policy), T0, first.Next, policy).Outcome);
        Assert.Equal(TotpOutcome.Accepted, TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, now + 1, policy), T0.AddSeconds(30), first.Next, policy).Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("١٢٣٤٥٦")] // Arabic-Indic digits are not ASCII digits
    [InlineData(" 12345")]
    [InlineData(null)]
    public void A_code_of_the_wrong_length_or_with_non_digits_is_a_failure(string? code)
    {
        var check = TotpVerifier.Check(Sha1Seed, code, T0, TotpFactorState.New, TotpPolicy.Default);
        Assert.Equal(TotpOutcome.Invalid, check.Outcome);
        Assert.Equal(1, check.Next.ConsecutiveFailures);
    }

    [Fact]
    public void Five_consecutive_failures_lock_for_five_minutes_and_a_success_resets_the_count()
    {
        var policy = TotpPolicy.Default;
        var state = TotpFactorState.New;
        for (var i = 1; i <= 4; i++)
        {
            var check = TotpVerifier.Check(Sha1Seed, "000000", T0, state, policy);
            Assert.False(check.LockedNow);
            state = check.Next;
        }

        // A right code before the limit clears the count.
        var right = TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, TotpVerifier.StepAt(T0, policy), policy), T0, state, policy);
        Assert.Equal(TotpOutcome.Accepted, right.Outcome);
        Assert.Equal(0, right.Next.ConsecutiveFailures);

        state = right.Next;
        for (var i = 1; i <= 5; i++)
        {
            var check = TotpVerifier.Check(Sha1Seed, "000000", T0.AddSeconds(40), state, policy);
            Assert.Equal(i == 5, check.LockedNow);
            state = check.Next;
        }

        Assert.Equal(T0.AddSeconds(40) + TimeSpan.FromMinutes(5), state.LockedUntil);
        var later = T0.AddSeconds(60);
        var whileLocked = TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, TotpVerifier.StepAt(later, policy), policy), later, state, policy);
        Assert.Equal(TotpOutcome.Locked, whileLocked.Outcome);

        var afterLock = T0.AddSeconds(40).AddMinutes(5);
        var unlocked = TotpVerifier.Check(Sha1Seed, TotpVerifier.Code(Sha1Seed, TotpVerifier.StepAt(afterLock, policy), policy), afterLock, state, policy);
        Assert.Equal(TotpOutcome.Accepted, unlocked.Outcome);
        Assert.Null(unlocked.Next.LockedUntil);
    }

    [Fact]
    public void A_new_secret_is_160_random_bits_in_unpadded_base32()
    {
        var secret = TotpVerifier.NewSecret();
        Assert.Equal(20, secret.Length);
        Assert.NotEqual(secret, TotpVerifier.NewSecret());
        var text = TotpVerifier.ToBase32(secret);
        Assert.Equal(32, text.Length);
        Assert.Matches("^[A-Z2-7]+$", text);
    }
}
