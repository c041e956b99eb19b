using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>
/// Generated passwords: uniform over the whole alphabet from the CSPRNG, redrawn until the policy accepts them,
/// with no fixed part. The statistical checks use enough samples that a correct generator fails them with a
/// probability below 1e-15 (a character of 90 missing from one position in 4,000 draws: 90 * (89/90)^4000 < 1e-17).
/// </summary>
public sealed class PasswordGeneratorTests
{
    private const int Samples = 4_000;
    private const string Login = "jane.doe@example.com";
    private static readonly PasswordPolicy Policy = PasswordPolicy.Default;

    private static List<string> Generate(int count) =>
        Enumerable.Range(0, count).Select(_ => PasswordGenerator.Generate(Policy, Login, "Jane", "Doe")).ToList();

    [Fact]
    public void The_alphabet_has_upper_and_lower_case_letters_digits_and_symbols_each_once()
    {
        var alphabet = PasswordGenerator.Alphabet;
        Assert.Equal(alphabet.Length, alphabet.Distinct().Count());
        Assert.Equal(26, alphabet.Count(char.IsAsciiLetterUpper));
        Assert.Equal(26, alphabet.Count(char.IsAsciiLetterLower));
        Assert.Equal(10, alphabet.Count(char.IsAsciiDigit));
        Assert.True(alphabet.Count(c => !char.IsAsciiLetterOrDigit(c)) >= 20, "at least 20 symbols");
        Assert.All(alphabet, c => Assert.True(c is > ' ' and < (char)127, $"'{c}' is printable ASCII without space"));
    }

    [Fact]
    public void Every_generated_password_meets_the_policy_and_is_drawn_only_from_the_alphabet()
    {
        foreach (var password in Generate(Samples))
        {
            Assert.Null(Policy.Check(password, Login, "Jane", "Doe"));
            Assert.Equal(PasswordGenerator.Length, password.Length);
            Assert.All(password, c => Assert.Contains(c, PasswordGenerator.Alphabet));
        }
    }

    [Fact]
    public void A_policy_that_asks_for_more_characters_gets_them()
    {
        var longer = Policy with { MinLength = 40 };
        var password = PasswordGenerator.Generate(longer, Login);
        Assert.Equal(40, password.Length);
        Assert.Null(longer.Check(password, Login, null, null));
    }

    [Fact]
    public void No_part_of_the_username_appears_in_a_password()
    {
        // Three-letter name parts are forbidden. By chance one of them turns up (in either case) in about one
        // password of 2,000, so in 20,000 draws a generator that ignored the names would show it about ten times.
        foreach (var password in Enumerable.Range(0, 20_000).Select(_ => PasswordGenerator.Generate(Policy, "abc@example.com", "Xyz", "Qrs")))
        {
            Assert.DoesNotContain("abc", password, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("xyz", password, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("qrs", password, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Every_alphabet_character_appears_at_the_first_and_at_the_last_position()
    {
        var passwords = Generate(Samples);
        var first = passwords.Select(p => p[0]).ToHashSet();
        var last = passwords.Select(p => p[^1]).ToHashSet();
        var missingFirst = PasswordGenerator.Alphabet.Where(c => !first.Contains(c)).ToList();
        var missingLast = PasswordGenerator.Alphabet.Where(c => !last.Contains(c)).ToList();
        Assert.True(missingFirst.Count == 0, $"never first: {string.Concat(missingFirst)}");
        Assert.True(missingLast.Count == 0, $"never last: {string.Concat(missingLast)}");
    }

    [Fact]
    public void No_prefix_or_suffix_is_shared_by_many_passwords()
    {
        // With 90 equally likely characters a given two-character start or end has a chance of 1/8,100:
        // the commonest of 4,000 draws occurs a handful of times, never anywhere near 1 in 10.
        var passwords = Generate(Samples);
        var commonestPrefix = passwords.GroupBy(p => p[..2], StringComparer.Ordinal).Max(g => g.Count());
        var commonestSuffix = passwords.GroupBy(p => p[^2..], StringComparer.Ordinal).Max(g => g.Count());
        Assert.InRange(commonestPrefix, 1, 15);
        Assert.InRange(commonestSuffix, 1, 15);
        Assert.Equal(Samples, passwords.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Each_character_class_appears_at_every_position()
    {
        var passwords = Generate(Samples);
        Func<char, bool>[] classes = [char.IsAsciiLetterUpper, char.IsAsciiLetterLower, char.IsAsciiDigit, c => !char.IsAsciiLetterOrDigit(c)];
        for (var position = 0; position < PasswordGenerator.Length; position++)
        {
            foreach (var inClass in classes)
            {
                Assert.Contains(passwords, p => inClass(p[position]));
            }
        }
    }

    [Fact]
    public void A_policy_no_password_can_meet_is_an_error_not_an_endless_loop()
    {
        var impossible = Policy with { MinLength = 300 };
        Assert.Throws<InvalidOperationException>(() => PasswordGenerator.Generate(impossible, Login));
    }
}
