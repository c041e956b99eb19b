namespace Latchkey.Core.Filtering;

/// <summary><c>not (Inner)</c>.</summary>
public sealed record NotNode(FilterNode Inner) : FilterNode;
