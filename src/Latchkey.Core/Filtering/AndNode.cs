namespace Latchkey.Core.Filtering;

/// <summary><c>Left and Right</c>. Chains are left-associative: <c>a and b and c</c> is <c>(a and b) and c</c>.</summary>
public sealed record AndNode(FilterNode Left, FilterNode Right) : FilterNode;
