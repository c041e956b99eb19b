namespace Latchkey.Core.Filtering;

/// <summary><c>Left or Right</c>. Chains are left-associative: <c>a or b or c</c> is <c>(a or b) or c</c>.</summary>
public sealed record OrNode(FilterNode Left, FilterNode Right) : FilterNode;
