namespace Latchkey.Core.Filtering;

/// <summary><c>attribute op value</c>. <see cref="Value"/> is null only for <see cref="FilterOperator.Pr"/>.</summary>
public sealed record ComparisonNode(string Attribute, FilterOperator Operator, FilterValue? Value) : FilterNode;
