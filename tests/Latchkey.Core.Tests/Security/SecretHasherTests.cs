using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>SHA-256 (FIPS 180-4) of high-entropy secrets, as lower-case hex, for storage and lookup.</summary>
public sealed class SecretHasherTests
{
    [Fact]
    public void The_hash_of_abc_is_the_fips_180_sha256_test_vector()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", SecretHasher.Hash("abc"));
    }

    [Fact]
    public void The_hash_of_the_empty_string_is_the_sha256_of_no_bytes()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", SecretHasher.Hash(""));
    }

    [Fact]
    public void A_secret_is_hashed_as_its_utf8_bytes()
    {
        Assert.Equal("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c", SecretHasher.Hash("é"));
    }

    [Fact]
    public void Hashing_is_deterministic()
    {
        Assert.Equal(SecretHasher.Hash("00QCjAl4MlV-WPXM"), SecretHasher.Hash("00QCjAl4MlV-WPXM"));
    }

    [Fact]
    public void Different_secrets_hash_differently()
    {
        Assert.NotEqual(SecretHasher.Hash("00QCjAl4MlV-WPXM"), SecretHasher.Hash("00QCjAl4MlV-WPXm"));
    }

    [Fact]
    public void A_hash_is_64_lower_case_hex_characters()
    {
        var hash = SecretHasher.Hash("any secret");

        Assert.Equal(64, hash.Length);
        Assert.All(hash, c => Assert.True(char.IsAsciiDigit(c) || c is >= 'a' and <= 'f', $"'{c}' is not lower-case hex"));
    }

    [Fact]
    public void Fixed_time_equality_holds_for_equal_strings_only()
    {
        Assert.True(SecretHasher.FixedTimeEquals("abc", "abc"));
        Assert.False(SecretHasher.FixedTimeEquals("abc", "abd"));
        Assert.False(SecretHasher.FixedTimeEquals("abc", "abcd"));
        Assert.False(SecretHasher.FixedTimeEquals("abc", "ABC"));
        Assert.True(SecretHasher.FixedTimeEquals("", ""));
    }
}
