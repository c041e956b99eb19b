using Latchkey.Core.Users;
using Xunit;

namespace Latchkey.Core.Tests.Users;

/// <summary>The default password policy of a new org (okta-api.md sections 0.3 and 0.4).</summary>
public sealed class PasswordPolicyTests
{
    private const string Login = "jane.doe@example.com";
    private const string FirstName = "Jane";
    private const string LastName = "Doe";

    private const string RequirementList =
        "at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username.";

    private const string Refusal =
        "Password requirements were not met. Password requirements: " + RequirementList
        + " Your password cannot be any of your last 4 passwords.";

    private static readonly PasswordPolicy Policy = PasswordPolicy.Default;

    [Fact]
    public void The_default_policy_asks_for_eight_characters_lower_upper_and_a_number_and_excludes_the_username()
    {
        Assert.Equal(8, Policy.MinLength);
        Assert.True(Policy.RequireLowerCase);
        Assert.True(Policy.RequireUpperCase);
        Assert.True(Policy.RequireNumber);
        Assert.True(Policy.ExcludeUsername);
    }

    [Fact]
    public void The_default_policy_lists_its_requirements_in_the_real_services_words()
    {
        Assert.Equal(RequirementList, Policy.Requirements);
    }

    [Fact]
    public void A_refused_password_gets_the_real_services_message_with_the_requirement_list()
    {
        var message = Policy.Check("short", Login, FirstName, LastName);

        Assert.NotNull(message);
        Assert.StartsWith(Refusal, message, StringComparison.Ordinal);
    }

    /// <summary>
    /// okta-api.md section 0.3 quotes the real message of the default policy in full: it ends with the history
    /// rule (section 0.4: history of 4), "Your password cannot be any of your last 4 passwords."
    /// </summary>
    [Fact]
    public void A_refused_password_gets_the_real_services_full_message_including_the_history_of_four()
    {
        var message = Policy.Check("short", Login, FirstName, LastName);

        Assert.Equal(Refusal, message);
        Assert.EndsWith(" Your password cannot be any of your last 4 passwords.", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Abcdefg1")]
    [InlineData("Xyzzy-Plugh-42")]
    [InlineData("correct HORSE battery 9")]
    public void A_password_meeting_every_requirement_is_accepted(string password)
    {
        Assert.Null(Policy.Check(password, Login, FirstName, LastName));
    }

    [Fact]
    public void No_symbol_is_required()
    {
        Assert.Null(Policy.Check("Qwertyu9", Login, FirstName, LastName));
    }

    [Fact]
    public void A_password_of_seven_characters_is_refused()
    {
        Assert.Equal(Refusal, Policy.Check("Qwert9x", Login, FirstName, LastName));
    }

    [Fact]
    public void A_password_of_exactly_eight_characters_is_long_enough()
    {
        Assert.Null(Policy.Check("Qwerty9x", Login, FirstName, LastName));
    }

    [Fact]
    public void A_password_without_a_lowercase_letter_is_refused()
    {
        Assert.Equal(Refusal, Policy.Check("QWERTYU9", Login, FirstName, LastName));
    }

    [Fact]
    public void A_password_without_an_uppercase_letter_is_refused()
    {
        Assert.Equal(Refusal, Policy.Check("qwertyu9", Login, FirstName, LastName));
    }

    [Fact]
    public void A_password_without_a_number_is_refused()
    {
        Assert.Equal(Refusal, Policy.Check("Qwertyuiop", Login, FirstName, LastName));
    }

    [Theory]
    [InlineData("Jane12345X")]
    [InlineData("xx-JANE-99x")]
    [InlineData("Q9doe-Tastic")]
    [InlineData("Jane.doe77Q")]
    public void A_password_containing_a_part_of_the_username_is_refused_whatever_its_case(string password)
    {
        Assert.Equal(Refusal, Policy.Check(password, Login, FirstName, LastName));
    }

    [Fact]
    public void A_password_containing_the_whole_local_part_of_the_login_is_refused()
    {
        Assert.Equal(Refusal, Policy.Check("Xjsmith2024", "jsmith@example.com", firstName: null, lastName: null));
    }

    [Fact]
    public void A_password_containing_the_first_name_is_refused_even_when_the_login_does_not_carry_it()
    {
        Assert.Equal(Refusal, Policy.Check("Roberto-1xQ", "u12345@example.com", "Roberto", "Smith"));
    }

    [Fact]
    public void The_email_domain_is_not_a_part_of_the_username()
    {
        Assert.Null(Policy.Check("Example-2024", Login, FirstName, LastName));
    }

    [Fact]
    public void Username_parts_shorter_than_three_characters_do_not_forbid_a_password()
    {
        Assert.Null(Policy.Check("Always-Lit9", "al.li@example.com", "Al", "Li"));
    }

    [Fact]
    public void A_password_longer_than_the_maximum_is_refused()
    {
        var password = "Aa1" + new string('x', Policy.MaxLength);

        Assert.Equal(Refusal, Policy.Check(password, Login, FirstName, LastName));
    }

    [Fact]
    public void A_policy_without_the_username_rule_accepts_a_password_containing_the_username()
    {
        var policy = Policy with { ExcludeUsername = false };

        Assert.Null(policy.Check("Jane12345X", Login, FirstName, LastName));
        Assert.Equal("at least 8 characters, a lowercase letter, an uppercase letter, a number.", policy.Requirements);
    }

    [Fact]
    public void The_default_policy_has_no_minimum_age()
    {
        var now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, PasswordPolicy.Default.MinAgeMinutes);
        Assert.Null(PasswordPolicy.Default.CheckMinimumAge(now, now));
    }

    [Fact]
    public void A_minimum_age_refuses_a_change_sooner_than_it_and_allows_one_at_it()
    {
        var policy = PasswordPolicy.Default with { MinAgeMinutes = 60 };
        var changed = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotNull(policy.CheckMinimumAge(changed, changed.AddMinutes(59)));
        Assert.Null(policy.CheckMinimumAge(changed, changed.AddMinutes(60)));
        Assert.Null(policy.CheckMinimumAge(null, changed)); // a user who never had a password has no age to wait for
    }
}
