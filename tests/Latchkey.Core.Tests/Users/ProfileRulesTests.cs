using Latchkey.Core.Errors;
using Latchkey.Core.Users;
using Xunit;

namespace Latchkey.Core.Tests.Users;

/// <summary>The default user profile's required fields, patterns and limits (okta-api.md sections 0.3 and 2).</summary>
public sealed class ProfileRulesTests
{
    private const string Blank = "The field cannot be left blank";
    private const string NotAnEmailLogin = "Username must be in the form of an email address";
    private const string BadPattern = "Does not match required pattern";

    [Fact]
    public void A_complete_profile_passes()
    {
        Assert.Empty(ProfileRules.Check(Valid()));
    }

    [Fact]
    public void An_empty_profile_names_each_of_the_four_required_fields_as_blank()
    {
        var failures = ProfileRules.Check(new Dictionary<string, string?>());

        Assert.Equal(
            [("login", Blank), ("email", Blank), ("firstName", Blank), ("lastName", Blank)],
            failures);
    }

    [Theory]
    [InlineData("login")]
    [InlineData("email")]
    [InlineData("firstName")]
    [InlineData("lastName")]
    public void A_required_field_that_is_missing_is_blank(string field)
    {
        var profile = Valid();
        profile.Remove(field);

        Assert.Equal([(field, Blank)], ProfileRules.Check(profile));
    }

    [Theory]
    [InlineData("firstName", null)]
    [InlineData("firstName", "")]
    [InlineData("firstName", "   ")]
    [InlineData("lastName", null)]
    [InlineData("lastName", "")]
    [InlineData("lastName", "\t")]
    public void A_first_or_last_name_that_is_null_empty_or_whitespace_cannot_be_left_blank(string field, string? value)
    {
        var profile = Valid();
        profile[field] = value;

        Assert.Equal([(field, Blank)], ProfileRules.Check(profile));
    }

    [Theory]
    [InlineData("jane")]
    [InlineData("jane.doe")]
    [InlineData("jane@")]
    [InlineData("@example.com")]
    [InlineData("jane doe@example.com")]
    [InlineData("Jane Doe <jane@example.com>")]
    public void A_login_that_is_not_an_email_address_is_refused_with_the_username_message(string login)
    {
        var profile = Valid();
        profile["login"] = login;

        Assert.Equal([("login", NotAnEmailLogin)], ProfileRules.Check(profile));
    }

    [Theory]
    [InlineData("jane")]
    [InlineData("jane@")]
    [InlineData("jane@@example.com")]
    [InlineData("jane@example.com.")]
    [InlineData(" jane@example.com")]
    public void An_email_that_does_not_match_the_pattern_is_refused(string email)
    {
        var profile = Valid();
        profile["email"] = email;

        Assert.Equal([("email", BadPattern)], ProfileRules.Check(profile));
    }

    [Theory]
    [InlineData("jane@example.com")]
    [InlineData("jane.doe+tag@example.co.uk")]
    [InlineData("j_d-1@sub.example.org")]
    public void Ordinary_email_addresses_are_accepted_as_login_and_email(string address)
    {
        var profile = Valid();
        profile["login"] = address;
        profile["email"] = address;

        Assert.Empty(ProfileRules.Check(profile));
    }

    [Fact]
    public void A_second_email_is_optional_but_must_match_the_pattern_when_given()
    {
        var profile = Valid();
        profile["secondEmail"] = "";
        Assert.Empty(ProfileRules.Check(profile));

        profile["secondEmail"] = "not-an-email";
        Assert.Equal([("secondEmail", BadPattern)], ProfileRules.Check(profile));
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var profile = new Dictionary<string, string?> { ["login"] = "jane", ["email"] = "jane", ["firstName"] = "", ["lastName"] = "Doe" };

        Assert.Equal(
            [("login", NotAnEmailLogin), ("email", BadPattern), ("firstName", Blank)],
            ProfileRules.Check(profile));
    }

    [Theory]
    [InlineData("firstName", 50)]
    [InlineData("lastName", 50)]
    [InlineData("mobilePhone", 100)]
    [InlineData("primaryPhone", 100)]
    [InlineData("countryCode", 2)]
    [InlineData("displayName", 1024)]
    public void A_field_at_its_maximum_length_passes_and_one_character_more_is_too_long(string field, int max)
    {
        var profile = Valid();
        profile[field] = new string('x', max);
        Assert.Empty(ProfileRules.Check(profile));

        profile[field] = new string('x', max + 1);
        Assert.Equal([(field, $"The field is too long (maximum {max} characters)")], ProfileRules.Check(profile));
    }

    [Theory]
    [InlineData("login")]
    [InlineData("email")]
    public void A_login_or_email_of_at_most_100_characters_passes_and_a_longer_one_is_too_long(string field)
    {
        var profile = Valid();
        profile[field] = EmailOfLength(100);
        Assert.Empty(ProfileRules.Check(profile));

        profile[field] = EmailOfLength(101);
        Assert.Equal([(field, "The field is too long (maximum 100 characters)")], ProfileRules.Check(profile));
    }

    [Fact]
    public void Validation_failures_become_an_E0000001_error_naming_the_fields_with_one_cause_per_failure()
    {
        var failures = ProfileRules.Check(new Dictionary<string, string?> { ["login"] = "jane", ["email"] = "jane@example.com", ["firstName"] = "Jane" });

        var error = ApiErrors.Validation(failures);

        Assert.Equal(400, error.Status);
        Assert.Equal("E0000001", error.Code);
        Assert.Equal("Api validation failed: login, lastName", error.Summary);
        Assert.Equal(["login: Username must be in the form of an email address", "lastName: The field cannot be left blank"], error.Causes);
    }

    [Fact]
    public void A_duplicate_login_uses_the_real_services_message()
    {
        var error = ApiErrors.Validation("login", ProfileRules.Taken);

        Assert.Equal("Api validation failed: login", error.Summary);
        Assert.Equal(["login: An object with this field already exists in the current organization"], error.Causes);
    }

    private static Dictionary<string, string?> Valid() => new()
    {
        ["login"] = "jane.doe@example.com",
        ["email"] = "jane.doe@example.com",
        ["firstName"] = "Jane",
        ["lastName"] = "Doe",
    };

    /// <summary>A valid address of exactly <paramref name="length"/> characters: a 40-character local part and a dotted domain.</summary>
    private static string EmailOfLength(int length)
    {
        const string local = "abcdefghijklmnopqrstuvwxyzabcdefghijklmn";
        var domainLabel = new string('d', length - local.Length - "@".Length - ".com".Length);
        return $"{local}@{domainLabel}.com";
    }
}
