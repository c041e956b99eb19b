using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>PBKDF2-HMAC-SHA256 password hashes (RFC 8018 section 5.2) in the form <c>pbkdf2-sha256$iterations$salt$hash</c>.</summary>
public sealed class PasswordHasherTests
{
    // The minimum cost keeps the tests fast; the cost is stored with each hash.
    private static readonly PasswordHasher Hasher = new(1000);

    [Fact]
    public void A_hashed_password_verifies()
    {
        var stored = Hasher.Hash("Correct-Horse-9");

        Assert.True(PasswordHasher.Verify("Correct-Horse-9", stored));
    }

    [Theory]
    [InlineData("correct-horse-9")]
    [InlineData("Correct-Horse-")]
    [InlineData("Correct-Horse-9 ")]
    [InlineData("")]
    public void A_wrong_password_does_not_verify(string attempt)
    {
        var stored = Hasher.Hash("Correct-Horse-9");

        Assert.False(PasswordHasher.Verify(attempt, stored));
    }

    [Fact]
    public void Non_ascii_passwords_round_trip()
    {
        var stored = Hasher.Hash("pässwörd-Ω-密码-1");

        Assert.True(PasswordHasher.Verify("pässwörd-Ω-密码-1", stored));
        Assert.False(PasswordHasher.Verify("passwort-Ω-密码-1", stored));
    }

    [Fact]
    public void Hashing_the_same_password_twice_uses_different_salts()
    {
        var first = Hasher.Hash("Correct-Horse-9").Split('$');
        var second = Hasher.Hash("Correct-Horse-9").Split('$');

        Assert.NotEqual(first[2], second[2]);
        Assert.NotEqual(first[3], second[3]);
    }

    [Fact]
    public void The_stored_form_names_the_scheme_and_cost_and_carries_a_16_byte_salt_and_a_32_byte_hash()
    {
        var parts = new PasswordHasher(1234).Hash("Correct-Horse-9").Split('$');

        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("1234", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void A_hash_made_at_another_cost_still_verifies()
    {
        var stored = new PasswordHasher(2000).Hash("Correct-Horse-9");

        Assert.True(PasswordHasher.Verify("Correct-Horse-9", stored));
    }

    [Fact]
    public void A_known_rfc_8018_pbkdf2_hmac_sha256_hash_verifies()
    {
        // PBKDF2-HMAC-SHA256, P = "password", S = "salt", c = 4096, dkLen = 32 (the widely published test vector
        // that extends RFC 6070 to SHA-256): c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a.
        var salt = Convert.ToBase64String("salt"u8);
        var hash = Convert.ToBase64String(Convert.FromHexString("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"));

        Assert.True(PasswordHasher.Verify("password", $"pbkdf2-sha256$4096${salt}${hash}"));
        Assert.False(PasswordHasher.Verify("passworD", $"pbkdf2-sha256$4096${salt}${hash}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("$$$")]
    [InlineData("$$$$")]
    [InlineData("pbkdf2-sha256")]
    [InlineData("pbkdf2-sha256$1000")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==$extra")]
    [InlineData("bcrypt$1000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("PBKDF2-SHA256$1000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$abc$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$-1000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$+1000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$ 1000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$999$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$0$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$99999999999999999999$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$not*base64$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$not*base64")]
    [InlineData("pbkdf2-sha256$1000$$aGFzaA==")]
    public void A_malformed_stored_hash_never_verifies_and_never_throws(string stored)
    {
        var verified = true;
        var thrown = Record.Exception(() => verified = PasswordHasher.Verify("password", stored));

        Assert.Null(thrown);
        Assert.False(verified);
    }

    /// <summary>
    /// An empty hash part derives zero bytes, and zero bytes equal zero bytes: such a record must fail closed
    /// rather than accept every password (STYLE.md habit 4).
    /// </summary>
    [Theory]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$")]
    [InlineData("pbkdf2-sha256$1000$$")]
    public void A_stored_hash_with_an_empty_hash_part_accepts_no_password(string stored)
    {
        Assert.False(PasswordHasher.Verify("any password at all", stored));
        Assert.False(PasswordHasher.Verify("", stored));
    }

    [Theory]
    [InlineData(999)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_cost_below_1000_iterations_is_rejected(int iterations)
    {
        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(iterations));

        Assert.Equal("iterations", thrown.ParamName);
    }

    [Fact]
    public void A_cost_of_exactly_1000_iterations_is_accepted()
    {
        Assert.Equal(1000, new PasswordHasher(1000).Iterations);
    }
}
