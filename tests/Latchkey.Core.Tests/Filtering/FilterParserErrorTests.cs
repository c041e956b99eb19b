using Latchkey.Core.Filtering;
using Xunit;

namespace Latchkey.Core.Tests.Filtering;

public sealed class FilterParserErrorTests
{
    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("   ", 0, "empty")]
    [InlineData("(status eq \"ACTIVE\"", 0, "Unbalanced '('")]
    [InlineData("(a eq \"1\" or (b eq \"2\")", 0, "Unbalanced '('")]
    [InlineData("status eq \"ACTIVE\")", 18, "Unbalanced ')'")]
    [InlineData("status eq", 9, "Missing a value")]
    [InlineData("status eq )", 10, "Missing a value")]
    [InlineData("status eq \"ACTIVE", 10, "Unterminated string")]
    [InlineData("status eq \"ACTIVE\\", 10, "Unterminated string")]
    [InlineData("status eq \"ACTIVE\" status eq \"X\"", 19, "Unexpected 'status'")]
    [InlineData("status eq \"A\" (b eq \"c\")", 14, "Unexpected '('")]
    [InlineData("status equals \"ACTIVE\"", 7, "Unknown operator 'equals'")]
    [InlineData("status \"ACTIVE\"", 7, "Expected an operator")]
    [InlineData("status", 6, "Expected an operator")]
    [InlineData("status eq ACTIVE", 10, "double-quoted string")]
    [InlineData("status eq 'ACTIVE'", 10, "double-quoted string")]
    [InlineData("profile.mobilePhone pr \"x\"", 23, "takes no value")]
    [InlineData("profile.mobilePhone pr true", 23, "takes no value")]
    [InlineData("profile.mobilePhone pr 5", 23, "takes no value")]
    [InlineData("status eq \"A\" and", 17, "Expected an attribute name")]
    [InlineData("status eq \"A\" or or b eq \"c\"", 17, "keyword")]
    [InlineData("and eq \"c\"", 0, "keyword")]
    [InlineData("()", 1, "Expected an attribute name")]
    [InlineData("\"status\" eq \"A\"", 0, "Expected an attribute name")]
    [InlineData("not status eq \"A\"", 0, "parenthesised expression")]
    [InlineData("a eq \"1\" and not", 13, "parenthesised expression")]
    [InlineData("a eq \"1\" not (b eq \"2\")", 9, "Unexpected 'not'")]
    [InlineData("status eq \"a\\qb\"", 12, "Invalid escape")]
    [InlineData("status eq \"\\u12\"", 11, "four hex digits")]
    [InlineData("status eq \"\\u12zz\"", 11, "four hex digits")]
    [InlineData("profile..x eq \"a\"", 0, "not a valid attribute name")]
    [InlineData("profile. eq \"a\"", 0, "not a valid attribute name")]
    [InlineData("1abc eq \"a\"", 0, "not a valid attribute name")]
    [InlineData("first-name eq \"a\"", 0, "not a valid attribute name")]
    [InlineData("a sw 5", 5, "needs a string value")]
    [InlineData("a co null", 5, "needs a string value")]
    [InlineData("a gt true", 5, "needs a string, number or date value")]
    [InlineData("a le null", 5, "needs a string, number or date value")]
    [InlineData("a eq 01", 5, "double-quoted string")]
    [InlineData("a eq 1.", 5, "double-quoted string")]
    [InlineData("a eq +1", 5, "double-quoted string")]
    [InlineData("a eq 1e99999", 5, "out of range")]
    public void Syntax_errors_are_malformed_and_name_the_position(string text, int position, string messagePart)
    {
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(text, FilterGrammar.Unrestricted));

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
        Assert.Equal(position, error.Position);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        if (text.Trim().Length > 0)
        {
            Assert.Contains($"position {position}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unknown_operator_message_lists_the_operators_that_exist()
    {
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse("a is \"x\"", FilterGrammar.Unrestricted));

        Assert.Contains("eq, ne, gt, ge, lt, le, sw, co, ew, pr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_text_is_malformed_rather_than_an_argument_error()
    {
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(null!, FilterGrammar.Unrestricted));

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void A_null_grammar_is_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => FilterParser.Parse("a pr", null!));
    }

    [Fact]
    public void Text_at_the_default_length_limit_parses()
    {
        var text = "a eq \"" + new string('x', FilterGrammar.DefaultMaxLength - 7) + "\"";

        Assert.Equal(FilterGrammar.DefaultMaxLength, text.Length);
        Assert.IsType<ComparisonNode>(FilterParser.Parse(text, FilterGrammar.Unrestricted));
    }

    [Fact]
    public void Text_over_the_default_length_limit_is_malformed()
    {
        var text = "a eq \"" + new string('x', FilterGrammar.DefaultMaxLength - 6) + "\"";

        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(text, FilterGrammar.Unrestricted));

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
        Assert.Contains("4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_length_limit_comes_from_the_grammar()
    {
        var grammar = FilterGrammar.Unrestricted.WithMaxLength(9);

        Assert.IsType<ComparisonNode>(FilterParser.Parse("a eq \"12\"", grammar));
        var error = Assert.Throws<FilterException>(() => FilterParser.Parse("a eq \"123\"", grammar));
        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void Nesting_up_to_the_depth_limit_parses()
    {
        var depth = FilterGrammar.DefaultMaxDepth;
        var text = new string('(', depth) + "a pr" + new string(')', depth);

        Assert.Equal(Nodes.Pr("a"), FilterParser.Parse(text, FilterGrammar.Unrestricted));
    }

    [Fact]
    public void Nesting_beyond_the_depth_limit_is_malformed()
    {
        var depth = FilterGrammar.DefaultMaxDepth + 1;
        var text = new string('(', depth) + "a pr" + new string(')', depth);

        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(text, FilterGrammar.Unrestricted));

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
        Assert.Equal(FilterGrammar.DefaultMaxDepth, error.Position);
        Assert.Contains("nested too deeply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_not_counts_towards_the_depth_limit()
    {
        var depth = FilterGrammar.DefaultMaxDepth + 1;
        var text = string.Concat(Enumerable.Repeat("not (", depth)) + "a pr" + new string(')', depth);

        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(text, FilterGrammar.Unrestricted));

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void Sibling_groups_do_not_add_up_towards_the_depth_limit()
    {
        var group = new string('(', 40) + "a pr" + new string(')', 40);
        var text = string.Join(" and ", Enumerable.Repeat(group, 5));

        Assert.IsType<AndNode>(FilterParser.Parse(text, FilterGrammar.Unrestricted));
    }

    [Fact]
    public void Very_deep_nesting_fails_cleanly_even_without_a_length_limit()
    {
        var grammar = FilterGrammar.Unrestricted.WithMaxLength(int.MaxValue);
        var text = new string('(', 200_000) + "a pr" + new string(')', 200_000);

        var error = Assert.Throws<FilterException>(() => FilterParser.Parse(text, grammar));

        Assert.Equal(FilterErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void A_very_long_and_chain_parses_without_deep_recursion()
    {
        var grammar = FilterGrammar.Unrestricted.WithMaxLength(int.MaxValue);
        var text = string.Join(" and ", Enumerable.Repeat("a pr", 100_000));

        var parsed = FilterParser.Parse(text, grammar);

        Assert.IsType<AndNode>(parsed);
        Assert.True(JsonFilterEvaluator.Matches(parsed, System.Text.Json.Nodes.JsonNode.Parse("{\"a\":1}"), StringComparison.Ordinal));
        Assert.Equal(text, parsed.ToString());
    }
}
