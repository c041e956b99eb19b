using System.Text.Json.Nodes;
using Latchkey.Core.Filtering;
using Xunit;

namespace Latchkey.Core.Tests.Filtering;

public sealed class JsonFilterEvaluatorTests
{
    private static readonly JsonNode User = JsonNode.Parse("""
        {
          "id": "00u1",
          "status": "ACTIVE",
          "created": "2023-06-01T12:00:00.000Z",
          "lastUpdated": "2024-03-15T08:30:00.000Z",
          "profile": {
            "login": "ada@example.com",
            "email": "ada+test@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "middleName": "",
            "nickName": null,
            "version": "10.0",
            "age": 36,
            "score": 4.5,
            "admin": true,
            "locked": false,
            "tags": ["math", "poetry"],
            "none": [],
            "manager": { "id": "00u9" }
          }
        }
        """)!;

    private static readonly JsonNode LogEvent = JsonNode.Parse("""
        {
          "eventType": "user.session.start",
          "published": "2024-05-01T10:00:00.000Z",
          "outcome": { "result": "SUCCESS" },
          "target": [
            { "id": "00u1", "type": "User" },
            { "id": "0oa2", "type": "AppInstance", "alternateId": "Payroll" }
          ],
          "debugContext": { "debugData": { "requestUri": "/api/v1/authn" } }
        }
        """)!;

    private static bool Matches(string filter, JsonNode? document, StringComparison comparison = StringComparison.Ordinal) =>
        JsonFilterEvaluator.Matches(FilterParser.Parse(filter, FilterGrammar.Unrestricted), document, comparison);

    [Theory]
    [InlineData("status eq \"ACTIVE\"", true)]
    [InlineData("status eq \"active\"", false)]
    [InlineData("status ne \"ACTIVE\"", false)]
    [InlineData("status ne \"SUSPENDED\"", true)]
    [InlineData("profile.lastName sw \"Love\"", true)]
    [InlineData("profile.lastName sw \"love\"", false)]
    [InlineData("profile.lastName co \"vela\"", true)]
    [InlineData("profile.lastName ew \"lace\"", true)]
    [InlineData("profile.lastName ew \"Love\"", false)]
    [InlineData("profile.email eq \"ada+test@example.com\"", true)]
    [InlineData("profile.middleName eq \"\"", true)]
    [InlineData("profile.firstName sw \"\"", true)]
    public void Strings_compare_ordinally_by_default(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("status eq \"active\"")]
    [InlineData("profile.lastName sw \"LOVE\"")]
    [InlineData("profile.lastName co \"VELA\"")]
    [InlineData("profile.lastName ew \"LACE\"")]
    [InlineData("profile.lastName gt \"k\"")]
    public void Strings_honour_a_case_insensitive_comparison(string filter)
    {
        Assert.True(Matches(filter, User, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Ne_is_false_under_a_case_insensitive_comparison_when_only_the_case_differs()
    {
        Assert.False(Matches("status ne \"active\"", User, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("profile.lastName gt \"K\"", true)]
    [InlineData("profile.lastName lt \"K\"", false)]
    [InlineData("profile.lastName ge \"Lovelace\"", true)]
    [InlineData("profile.lastName le \"Lovelace\"", true)]
    [InlineData("profile.version gt \"9.0\"", false)]
    public void Non_date_strings_order_ordinally(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("lastUpdated gt \"2024-01-01T00:00:00.000Z\"", true)]
    [InlineData("lastUpdated lt \"2024-01-01T00:00:00.000Z\"", false)]
    [InlineData("lastUpdated ge \"2024-03-15T08:30:00.000Z\"", true)]
    [InlineData("lastUpdated gt \"2024-03-15T08:30:00.000Z\"", false)]
    [InlineData("lastUpdated le \"2024-03-15T08:30:00Z\"", true)]
    [InlineData("lastUpdated lt \"2024-03-15T08:30:00.001Z\"", true)]
    [InlineData("lastUpdated ge \"2024-03-15\"", true)]
    [InlineData("lastUpdated lt \"2024-03-16\"", true)]
    [InlineData("created gt \"2023-06-01T12:00:00\"", false)]
    public void Iso_dates_compare_as_instants(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("created eq \"2023-06-01T13:00:00+01:00\"", true)]
    [InlineData("created lt \"2023-06-01T13:00:00+01:00\"", false)]
    [InlineData("created lt \"2023-06-01T12:30:00+00:00\"", true)]
    [InlineData("created gt \"2023-06-01T06:00:00-07:00\"", false)]
    public void Dates_with_different_offsets_compare_by_instant(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("profile.age eq 36", true)]
    [InlineData("profile.age eq 36.00", true)]
    [InlineData("profile.age ne 36", false)]
    [InlineData("profile.age gt 30", true)]
    [InlineData("profile.age lt 30", false)]
    [InlineData("profile.age ge 36", true)]
    [InlineData("profile.score le 4.5", true)]
    [InlineData("profile.score gt 4.49", true)]
    [InlineData("profile.score gt -1e3", true)]
    public void Numbers_compare_numerically(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("profile.age eq \"36\"")]
    [InlineData("status eq 1")]
    [InlineData("profile.admin eq \"true\"")]
    [InlineData("status eq true")]
    [InlineData("profile.manager eq \"00u9\"")]
    [InlineData("profile.age gt \"1\"")]
    public void Values_of_different_types_never_match(string filter)
    {
        Assert.False(Matches(filter, User));
    }

    [Theory]
    [InlineData("profile.admin eq true", true)]
    [InlineData("profile.admin eq false", false)]
    [InlineData("profile.locked eq false", true)]
    [InlineData("profile.admin ne false", true)]
    [InlineData("profile.locked ne false", false)]
    public void Booleans_compare_with_eq_and_ne(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("profile.missing eq \"x\"", false)]
    [InlineData("profile.missing sw \"x\"", false)]
    [InlineData("profile.missing co \"x\"", false)]
    [InlineData("profile.missing ew \"x\"", false)]
    [InlineData("profile.missing gt \"x\"", false)]
    [InlineData("profile.missing lt 5", false)]
    [InlineData("profile.missing eq true", false)]
    [InlineData("profile.missing ne \"x\"", true)]
    [InlineData("profile.missing pr", false)]
    [InlineData("profile.missing eq null", true)]
    [InlineData("profile.missing ne null", false)]
    [InlineData("nothing.here.at.all eq null", true)]
    [InlineData("profile.login.deeper pr", false)]
    public void A_missing_attribute_fails_every_comparison_but_ne_and_eq_null(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("profile.nickName pr", false)]
    [InlineData("profile.nickName eq null", true)]
    [InlineData("profile.nickName ne null", false)]
    [InlineData("profile.nickName eq \"x\"", false)]
    [InlineData("profile.nickName ne \"x\"", true)]
    public void A_json_null_behaves_like_a_missing_attribute(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("profile.middleName pr", true)]
    [InlineData("profile.age pr", true)]
    [InlineData("profile.locked pr", true)]
    [InlineData("profile.manager pr", true)]
    [InlineData("profile.tags pr", true)]
    [InlineData("profile.none pr", false)]
    [InlineData("profile.none eq null", true)]
    [InlineData("status eq null", false)]
    [InlineData("status ne null", true)]
    public void Pr_is_true_for_any_non_null_value_including_empty_strings(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("target.id eq \"0oa2\"", true)]
    [InlineData("target.id eq \"00u1\"", true)]
    [InlineData("target.id eq \"0oa9\"", false)]
    [InlineData("target.id sw \"0o\"", true)]
    [InlineData("target.type eq \"AppInstance\"", true)]
    [InlineData("target.alternateId eq \"Payroll\"", true)]
    [InlineData("target.alternateId pr", true)]
    [InlineData("target.alternateId eq null", true)]
    [InlineData("target.id ne \"00u1\"", false)]
    [InlineData("target.id ne \"0oa9\"", true)]
    [InlineData("target.nothing pr", false)]
    public void A_path_through_an_array_matches_when_any_element_matches(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, LogEvent));
    }

    [Fact]
    public void Each_comparison_on_an_array_chooses_its_own_element()
    {
        // The User target has id 00u1; the AppInstance target has id 0oa2. Comparisons are independent.
        Assert.True(Matches("target.type eq \"AppInstance\" and target.id eq \"00u1\"", LogEvent));
    }

    [Theory]
    [InlineData("profile.tags eq \"poetry\"", true)]
    [InlineData("profile.tags sw \"ma\"", true)]
    [InlineData("profile.tags eq \"art\"", false)]
    [InlineData("profile.tags ne \"art\"", true)]
    public void An_array_of_values_matches_when_any_value_matches(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Theory]
    [InlineData("debugContext.debugData.requestUri sw \"/api/v1/\"", true)]
    [InlineData("outcome.result eq \"SUCCESS\"", true)]
    [InlineData("eventType eq \"user.session.start\" and outcome.result eq \"FAILURE\"", false)]
    public void Dotted_paths_walk_nested_objects(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, LogEvent));
    }

    [Theory]
    [InlineData("status eq \"ACTIVE\" and profile.age gt 30", true)]
    [InlineData("status eq \"ACTIVE\" and profile.age gt 40", false)]
    [InlineData("status eq \"SUSPENDED\" or profile.age gt 30", true)]
    [InlineData("status eq \"SUSPENDED\" or profile.age gt 40", false)]
    [InlineData("not (status eq \"ACTIVE\")", false)]
    [InlineData("not (profile.missing pr)", true)]
    [InlineData("not (not (status eq \"ACTIVE\"))", true)]
    [InlineData("status eq \"X\" or status eq \"Y\" and profile.age gt 0 or id eq \"00u1\"", true)]
    [InlineData("(status eq \"X\" or status eq \"ACTIVE\") and not (profile.admin eq false)", true)]
    public void Logical_operators_combine_comparisons(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter, User));
    }

    [Fact]
    public void Attribute_paths_are_case_sensitive()
    {
        Assert.False(Matches("Status eq \"ACTIVE\"", User, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_null_document_has_no_attributes()
    {
        Assert.False(Matches("status eq \"ACTIVE\"", null));
        Assert.True(Matches("status ne \"ACTIVE\"", null));
        Assert.True(Matches("status eq null", null));
        Assert.False(Matches("status pr", null));
    }

    [Fact]
    public void Documents_built_from_clr_values_are_read_like_parsed_json()
    {
        var document = new JsonObject
        {
            ["count"] = 5,
            ["ratio"] = 2.5,
            ["big"] = 1e300,
            ["when"] = new DateTimeOffset(2024, 3, 15, 8, 30, 0, TimeSpan.Zero),
            ["key"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            ["flag"] = true,
            ["list"] = new JsonArray(1, 2, 3),
        };

        Assert.True(Matches("count eq 5 and ratio lt 3 and big gt 1000000", document));
        Assert.True(Matches("when gt \"2024-01-01T00:00:00.000Z\" and when lt \"2024-12-31\"", document));
        Assert.True(Matches("key sw \"0f8fad5b\" and flag eq true and list eq 2", document));
    }

    [Fact]
    public void Hand_built_comparisons_without_a_value_compare_against_null()
    {
        var node = new ComparisonNode("profile.nickName", FilterOperator.Eq, null);

        Assert.True(JsonFilterEvaluator.Matches(node, User, StringComparison.Ordinal));
    }

    [Fact]
    public void A_long_chain_of_or_evaluates_without_deep_recursion()
    {
        FilterNode chain = Nodes.Eq("status", "0");
        for (var i = 1; i < 200_000; i++)
        {
            chain = new OrNode(chain, Nodes.Eq("status", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.False(JsonFilterEvaluator.Matches(chain, User, StringComparison.Ordinal));
        Assert.True(JsonFilterEvaluator.Matches(new OrNode(chain, Nodes.Pr("status")), User, StringComparison.Ordinal));
    }

    [Fact]
    public void An_undefined_string_comparison_is_a_programming_error()
    {
        var filter = Nodes.Pr("status");

        Assert.Throws<ArgumentOutOfRangeException>(() => JsonFilterEvaluator.Matches(filter, User, (StringComparison)99));
    }
}
