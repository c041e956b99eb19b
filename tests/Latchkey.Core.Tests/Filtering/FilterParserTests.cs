using Latchkey.Core.Filtering;
using Xunit;
using static Latchkey.Core.Tests.Filtering.Nodes;

namespace Latchkey.Core.Tests.Filtering;

public sealed class FilterParserTests
{
    [Fact]
    public void A_single_comparison_parses_to_a_comparison_node()
    {
        Assert.Equal(Eq("status", "ACTIVE"), Parse("status eq \"ACTIVE\""));
    }

    [Fact]
    public void Or_binds_looser_than_and_on_the_right()
    {
        var parsed = Parse("a eq \"1\" or b eq \"2\" and c eq \"3\"");

        Assert.Equal(Or(Eq("a", "1"), And(Eq("b", "2"), Eq("c", "3"))), parsed);
    }

    [Fact]
    public void Or_binds_looser_than_and_on_the_left()
    {
        var parsed = Parse("a eq \"1\" and b eq \"2\" or c eq \"3\"");

        Assert.Equal(Or(And(Eq("a", "1"), Eq("b", "2")), Eq("c", "3")), parsed);
    }

    [Fact]
    public void And_chains_are_left_associative()
    {
        var parsed = Parse("a eq \"1\" and b eq \"2\" and c eq \"3\"");

        Assert.Equal(And(And(Eq("a", "1"), Eq("b", "2")), Eq("c", "3")), parsed);
    }

    [Fact]
    public void Or_chains_are_left_associative()
    {
        var parsed = Parse("a eq \"1\" or b eq \"2\" or c eq \"3\"");

        Assert.Equal(Or(Or(Eq("a", "1"), Eq("b", "2")), Eq("c", "3")), parsed);
    }

    [Fact]
    public void Parentheses_override_precedence()
    {
        var parsed = Parse("(a eq \"1\" or b eq \"2\") and c eq \"3\"");

        Assert.Equal(And(Or(Eq("a", "1"), Eq("b", "2")), Eq("c", "3")), parsed);
    }

    [Fact]
    public void Redundant_parentheses_leave_no_trace_in_the_tree()
    {
        Assert.Equal(Eq("a", "1"), Parse("((( a eq \"1\" )))"));
    }

    [Fact]
    public void Not_applies_only_to_its_parenthesised_expression()
    {
        var parsed = Parse("not (a eq \"1\") and b eq \"2\"");

        Assert.Equal(And(Not(Eq("a", "1")), Eq("b", "2")), parsed);
    }

    [Fact]
    public void Not_binds_tighter_than_and_and_or()
    {
        var parsed = Parse("a eq \"1\" or not (b eq \"2\" or c eq \"3\") and d eq \"4\"");

        Assert.Equal(Or(Eq("a", "1"), And(Not(Or(Eq("b", "2"), Eq("c", "3"))), Eq("d", "4"))), parsed);
    }

    [Fact]
    public void Not_can_negate_a_negation()
    {
        Assert.Equal(Not(Not(Eq("a", "1"))), Parse("not (not (a eq \"1\"))"));
    }

    [Theory]
    [InlineData("status EQ \"ACTIVE\" AND lastName Sw \"S\"")]
    [InlineData("status Eq \"ACTIVE\" aNd lastName SW \"S\"")]
    [InlineData("status eq \"ACTIVE\" and lastName sw \"S\"")]
    public void Operators_and_logical_keywords_are_case_insensitive(string text)
    {
        var expected = And(Eq("status", "ACTIVE"), Cmp("lastName", FilterOperator.Sw, FilterValue.FromString("S")));

        Assert.Equal(expected, Parse(text));
    }

    [Fact]
    public void Or_and_not_keywords_are_case_insensitive()
    {
        Assert.Equal(Or(Eq("a", "1"), Not(Eq("b", "2"))), Parse("a eq \"1\" OR NOT (b eq \"2\")"));
    }

    [Theory]
    [InlineData("eq", FilterOperator.Eq)]
    [InlineData("ne", FilterOperator.Ne)]
    [InlineData("gt", FilterOperator.Gt)]
    [InlineData("ge", FilterOperator.Ge)]
    [InlineData("lt", FilterOperator.Lt)]
    [InlineData("le", FilterOperator.Le)]
    [InlineData("sw", FilterOperator.Sw)]
    [InlineData("co", FilterOperator.Co)]
    [InlineData("ew", FilterOperator.Ew)]
    public void Every_comparison_operator_word_maps_to_its_operator(string word, FilterOperator expected)
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse($"name {word} \"x\""));

        Assert.Equal(expected, parsed.Operator);
    }

    [Fact]
    public void Attribute_names_keep_their_case()
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse("Profile.LastName eq \"x\""));

        Assert.Equal("Profile.LastName", parsed.Attribute);
    }

    [Theory]
    [InlineData("debugContext.debugData.requestUri")]
    [InlineData("profile.custom_attr2")]
    [InlineData("_links.self.href")]
    [InlineData("$schema.x")]
    [InlineData("target.id")]
    [InlineData("a")]
    public void Dotted_paths_with_digits_underscores_and_dollars_are_attribute_names(string attribute)
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse($"{attribute} eq \"x\""));

        Assert.Equal(attribute, parsed.Attribute);
    }

    [Fact]
    public void Escaped_quotes_and_backslashes_in_a_string_are_decoded()
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse("profile.nickName eq \"say \\\"hi\\\" \\\\o/\""));

        Assert.Equal("say \"hi\" \\o/", parsed.Value?.Text);
    }

    [Fact]
    public void Every_json_escape_is_decoded()
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse("a eq \"\\/\\b\\f\\n\\r\\t\\u00e9\\u0041\""));

        Assert.Equal("/\b\f\n\r\t\u00e9A", parsed.Value?.Text);
    }

    [Fact]
    public void Strings_keep_spaces_parentheses_keywords_and_plus_signs_verbatim()
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse("profile.email eq \"  a+b (and) or not eq \""));

        Assert.Equal(FilterValue.FromString("  a+b (and) or not eq "), parsed.Value);
    }

    [Fact]
    public void An_empty_string_is_a_value()
    {
        Assert.Equal(Eq("a", ""), Parse("a eq \"\""));
    }

    [Fact]
    public void A_date_is_an_ordinary_string_value()
    {
        var parsed = Parse("lastUpdated gt \"2024-01-01T00:00:00.000Z\"");

        Assert.Equal(Cmp("lastUpdated", FilterOperator.Gt, FilterValue.FromString("2024-01-01T00:00:00.000Z")), parsed);
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-7", "-7")]
    [InlineData("0", "0")]
    [InlineData("3.25", "3.25")]
    [InlineData("1e3", "1000")]
    [InlineData("2.5E-1", "0.25")]
    [InlineData("-0.5e+1", "-5")]
    public void Numbers_parse_as_decimals(string literal, string expected)
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse($"profile.age ge {literal}"));

        Assert.Equal(FilterValueKind.Number, parsed.Value?.Kind);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), parsed.Value?.Number);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("TRUE", true)]
    [InlineData("False", false)]
    public void Booleans_parse_as_boolean_values(string literal, bool expected)
    {
        var parsed = Assert.IsType<ComparisonNode>(Parse($"profile.admin eq {literal}"));

        Assert.Equal(FilterValue.FromBoolean(expected), parsed.Value);
    }

    [Fact]
    public void Null_parses_as_the_null_value()
    {
        Assert.Equal(Cmp("profile.nickName", FilterOperator.Eq, FilterValue.Null), Parse("profile.nickName eq null"));
    }

    [Fact]
    public void Pr_takes_no_value()
    {
        Assert.Equal(Pr("profile.mobilePhone"), Parse("profile.mobilePhone pr"));
    }

    [Fact]
    public void Pr_can_be_followed_by_a_logical_operator_or_a_closing_parenthesis()
    {
        Assert.Equal(Or(And(Pr("a"), Pr("b")), Pr("c")), Parse("(a PR and b pr) or c pr"));
    }

    [Theory]
    [InlineData("  status   eq\t\"A\"\n")]
    [InlineData("(status eq \"A\")")]
    [InlineData("status eq\"A\"")]
    public void Extra_or_missing_whitespace_around_quotes_and_parentheses_is_tolerated(string text)
    {
        Assert.Equal(Eq("status", "A"), Parse(text));
    }

    [Fact]
    public void Parentheses_need_no_spaces_around_keywords()
    {
        Assert.Equal(And(Eq("a", "1"), Not(Eq("b", "2"))), Parse("(a eq \"1\")and not(b eq \"2\")"));
    }

    [Theory]
    [InlineData("a EQ \"1\" OR (b eq 2 AND c pr)", "a eq \"1\" or b eq 2 and c pr")]
    [InlineData("(a eq \"1\" or b eq \"2\") and c eq \"3\"", "(a eq \"1\" or b eq \"2\") and c eq \"3\"")]
    [InlineData("a eq \"1\" and (b eq \"2\" and c eq \"3\")", "a eq \"1\" and (b eq \"2\" and c eq \"3\")")]
    [InlineData("a eq \"1\" or (b eq \"2\" or c eq \"3\")", "a eq \"1\" or (b eq \"2\" or c eq \"3\")")]
    [InlineData("not ((a eq TRUE))", "not (a eq true)")]
    [InlineData("a eq \"q\\\"\\\\\\n\" and b ne null", "a eq \"q\\\"\\\\\\n\" and b ne null")]
    [InlineData("n gt 1.50", "n gt 1.50")]
    public void ToString_renders_canonical_text_that_parses_back_to_the_same_tree(string text, string canonical)
    {
        var parsed = Parse(text);

        Assert.Equal(canonical, parsed.ToString());
        Assert.Equal(parsed, Parse(canonical));
    }
}
