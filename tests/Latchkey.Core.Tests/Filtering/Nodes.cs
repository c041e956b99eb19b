using Latchkey.Core.Filtering;

namespace Latchkey.Core.Tests.Filtering;

/// <summary>Short builders for expected trees.</summary>
internal static class Nodes
{
    public static ComparisonNode Eq(string attribute, string value) =>
        new(attribute, FilterOperator.Eq, FilterValue.FromString(value));

    public static ComparisonNode Cmp(string attribute, FilterOperator op, FilterValue? value) => new(attribute, op, value);

    public static ComparisonNode Pr(string attribute) => new(attribute, FilterOperator.Pr, null);

    public static AndNode And(FilterNode left, FilterNode right) => new(left, right);

    public static OrNode Or(FilterNode left, FilterNode right) => new(left, right);

    public static NotNode Not(FilterNode inner) => new(inner);

    public static FilterNode Parse(string text) => FilterParser.Parse(text, FilterGrammar.Unrestricted);
}
