using System.Security.Cryptography;
using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Authenticators;

public sealed class RecoveryPinsTests
{
    private static readonly byte[] Secret = Convert.FromHexString("3132333435363738393031323334353637383930");
    private static readonly DateTimeOffset Generated = new(2026, 12, 3, 9, 0, 4, TimeSpan.Zero);

    [Fact]
    public void The_key_is_derived_with_hkdf_sha256_under_its_own_info_so_it_is_not_the_device_access_code_secret()
    {
        var key = RecoveryPins.Key(Secret);

        Assert.Equal(32, key.Length);
        Assert.Equal(HKDF.DeriveKey(HashAlgorithmName.SHA256, Secret, 32, [], "latchkey desktop-mfa recovery-pin v1"u8.ToArray()), key);
        Assert.NotEqual(RecoveryPins.Key([.. Secret.Reverse()]), key);
    }

    [Fact]
    public void A_pin_is_eight_digits_and_is_accepted_for_at_least_two_minutes_and_at_most_two_minutes_ten_seconds()
    {
        var key = RecoveryPins.Key(Secret);
        var step = RecoveryPins.StepAt(Generated);
        var pin = RecoveryPins.Pin(key, step);

        Assert.Matches("^[0-9]{8}$", pin);
        Assert.Equal(step, RecoveryPins.Match(key, pin, Generated));
        Assert.Equal(step, RecoveryPins.Match(key, pin, Generated.AddMinutes(2)));
        Assert.Null(RecoveryPins.Match(key, pin, RecoveryPins.ExpiresAt(step)));
        Assert.InRange(RecoveryPins.ExpiresAt(step) - Generated, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(130));
        Assert.Null(RecoveryPins.Match(key, pin, Generated.AddSeconds(-10)));
    }

    [Fact]
    public void An_expired_pin_is_found_among_earlier_steps_but_a_pin_of_a_later_step_never_is()
    {
        var key = RecoveryPins.Key(Secret);
        var pin = RecoveryPins.Pin(key, RecoveryPins.StepAt(Generated));

        Assert.Equal(RecoveryPins.StepAt(Generated), RecoveryPins.MatchExpired(key, pin, Generated.AddMinutes(30), TimeSpan.FromHours(1)));
        Assert.Null(RecoveryPins.MatchExpired(key, pin, Generated.AddMinutes(-30), TimeSpan.FromHours(1)));
        Assert.Null(RecoveryPins.MatchExpired(key, pin, Generated.AddHours(2), TimeSpan.FromHours(1)));
    }
}
