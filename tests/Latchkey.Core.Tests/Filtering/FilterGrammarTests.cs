using Latchkey.Core.Filtering;
using Xunit;
using static Latchkey.Core.Filtering.FilterOperator;

namespace Latchkey.Core.Tests.Filtering;

public sealed class FilterGrammarTests
{
    // Roughly what /api/v1/users?search= accepts.
    private static readonly FilterGrammar Users = new FilterGrammar()
        .Allow("id", Eq)
        .Allow("status", Eq)
        .Allow("lastUpdated", Eq, Gt, Ge, Lt, Le)
        .AllowPrefix("profile.", Eq, Ne, Sw, Co, Ew, Gt, Ge, Lt, Le, Pr)
        .WithNot(false);

    // What /api/v1/logs?filter= accepts: everything but published (since/until cover it).
    private static readonly FilterGrammar SystemLog = new FilterGrammar().AllowAny().Deny("published");

    private static FilterException Reject(string text, FilterGrammar grammar) =>
        Assert.Throws<FilterException>(() => FilterParser.Parse(text, grammar));

    [Fact]
    public void Allowed_attributes_and_operators_parse()
    {
        var parsed = FilterParser.Parse(
            "status eq \"ACTIVE\" and lastUpdated gt \"2024-01-01T00:00:00.000Z\" and profile.lastName sw \"Lo\"", Users);

        Assert.IsType<AndNode>(parsed);
    }

    [Fact]
    public void An_attribute_the_grammar_does_not_list_is_an_unknown_attribute()
    {
        var error = Reject("status eq \"ACTIVE\" and credentials.password eq \"x\"", Users);

        Assert.Equal(FilterErrorKind.UnknownAttribute, error.Kind);
        Assert.Equal("credentials.password", error.Attribute);
        Assert.Equal(23, error.Position);
        Assert.Contains("'credentials.password'", error.Message, StringComparison.Ordinal);
        Assert.Contains("position 23", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attribute_names_are_matched_case_sensitively()
    {
        var error = Reject("Status eq \"ACTIVE\"", Users);

        Assert.Equal(FilterErrorKind.UnknownAttribute, error.Kind);
    }

    [Fact]
    public void An_operator_the_attribute_does_not_allow_is_unsupported_and_the_message_lists_the_allowed_ones()
    {
        var error = Reject("lastUpdated sw \"2024\"", Users);

        Assert.Equal(FilterErrorKind.UnsupportedOperator, error.Kind);
        Assert.Equal("lastUpdated", error.Attribute);
        Assert.Equal(12, error.Position);
        Assert.Contains("'sw'", error.Message, StringComparison.Ordinal);
        Assert.Contains("eq, gt, ge, lt, le", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pr_is_an_operator_the_grammar_can_forbid()
    {
        var error = Reject("status pr", Users);

        Assert.Equal(FilterErrorKind.UnsupportedOperator, error.Kind);
    }

    [Fact]
    public void Not_is_unsupported_when_the_grammar_disallows_it()
    {
        var error = Reject("status eq \"ACTIVE\" and not (profile.lastName eq \"x\")", Users);

        Assert.Equal(FilterErrorKind.UnsupportedOperator, error.Kind);
        Assert.Null(error.Attribute);
        Assert.Equal(23, error.Position);
        Assert.Contains("'not'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_is_allowed_by_default()
    {
        var grammar = new FilterGrammar().Allow("status", Eq);

        Assert.True(grammar.AllowsNot);
        Assert.IsType<NotNode>(FilterParser.Parse("not (status eq \"ACTIVE\")", grammar));
    }

    [Fact]
    public void A_prefix_allows_any_attribute_beneath_it()
    {
        Assert.IsType<ComparisonNode>(FilterParser.Parse("profile.customAttribute_7 eq \"x\"", Users));
    }

    [Fact]
    public void A_prefix_does_not_allow_the_bare_parent_name()
    {
        var error = Reject("profile eq \"x\"", Users);

        Assert.Equal(FilterErrorKind.UnknownAttribute, error.Kind);
    }

    [Fact]
    public void The_longest_matching_prefix_decides_the_operators()
    {
        var grammar = new FilterGrammar().AllowPrefix("profile.", Eq).AllowPrefix("profile.address.", Sw);

        Assert.True(grammar.IsAllowed("profile.address.city", Sw));
        Assert.False(grammar.IsAllowed("profile.address.city", Eq));
        Assert.True(grammar.IsAllowed("profile.city", Eq));
    }

    [Fact]
    public void An_exact_entry_overrides_a_prefix()
    {
        var grammar = new FilterGrammar().AllowPrefix("profile.", Eq, Sw).Allow("profile.login", Eq);

        var error = Reject("profile.login sw \"a\"", grammar);

        Assert.Equal(FilterErrorKind.UnsupportedOperator, error.Kind);
        Assert.IsType<ComparisonNode>(FilterParser.Parse("profile.email sw \"a\"", grammar));
    }

    [Fact]
    public void Allow_any_with_deny_accepts_everything_but_the_denied_attribute()
    {
        Assert.IsType<AndNode>(FilterParser.Parse(
            "eventType eq \"user.session.start\" and target.id eq \"00u1\" and debugContext.debugData.requestUri sw \"/api\"", SystemLog));

        var error = Reject("published gt \"2024-01-01T00:00:00.000Z\"", SystemLog);

        Assert.Equal(FilterErrorKind.UnknownAttribute, error.Kind);
        Assert.Equal("published", error.Attribute);
    }

    [Fact]
    public void Deny_also_overrides_a_prefix()
    {
        var grammar = new FilterGrammar().AllowPrefix("profile.").Deny("profile.secret");

        Assert.False(grammar.IsAllowed("profile.secret"));
        Assert.True(grammar.IsAllowed("profile.public"));
    }

    [Fact]
    public void Allow_any_can_restrict_the_operators()
    {
        var grammar = new FilterGrammar().AllowAny(Eq, Ne);

        Assert.Equal(FilterErrorKind.UnsupportedOperator, Reject("x co \"a\"", grammar).Kind);
    }

    [Fact]
    public void Allowing_without_operators_allows_every_operator()
    {
        var grammar = new FilterGrammar().Allow("status");

        Assert.Equal(Enum.GetValues<FilterOperator>(), grammar.OperatorsFor("status"));
    }

    [Fact]
    public void Allowing_an_attribute_again_adds_operators()
    {
        var grammar = new FilterGrammar().Allow("status", Eq).Allow("status", Ne);

        Assert.Equal([Eq, Ne], grammar.OperatorsFor("status"));
    }

    [Fact]
    public void An_empty_grammar_knows_no_attributes()
    {
        Assert.Equal(FilterErrorKind.UnknownAttribute, Reject("a pr", new FilterGrammar()).Kind);
        Assert.Empty(new FilterGrammar().OperatorsFor("a"));
    }

    [Fact]
    public void The_unrestricted_grammar_allows_any_attribute_any_operator_and_not()
    {
        var grammar = FilterGrammar.Unrestricted;

        Assert.True(grammar.AllowsNot);
        Assert.Equal(Enum.GetValues<FilterOperator>(), grammar.OperatorsFor("anything.at.all"));
        Assert.Equal(FilterGrammar.DefaultMaxLength, grammar.MaxLength);
        Assert.Equal(FilterGrammar.DefaultMaxDepth, grammar.MaxDepth);
    }

    [Fact]
    public void Builder_methods_return_new_grammars_and_leave_the_original_alone()
    {
        var narrowed = FilterGrammar.Unrestricted.Deny("published").WithNot(false).WithMaxLength(10);

        Assert.NotSame(FilterGrammar.Unrestricted, narrowed);
        Assert.True(FilterGrammar.Unrestricted.IsAllowed("published"));
        Assert.True(FilterGrammar.Unrestricted.AllowsNot);
        Assert.Equal(FilterGrammar.DefaultMaxLength, FilterGrammar.Unrestricted.MaxLength);
        Assert.False(narrowed.IsAllowed("published"));
    }

    [Fact]
    public void The_first_violation_in_the_text_is_the_one_reported()
    {
        var error = Reject("status sw \"A\" and secret eq \"x\"", Users);

        Assert.Equal(FilterErrorKind.UnsupportedOperator, error.Kind);
        Assert.Equal("status", error.Attribute);
    }

    [Fact]
    public void A_syntax_error_wins_over_a_grammar_violation_earlier_in_the_text()
    {
        var error = Reject("secret eq \"x\" and (status eq \"A\"", Users);

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void Operators_outside_the_enum_are_rejected_when_building()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FilterGrammar().Allow("a", (FilterOperator)42));
    }
}
