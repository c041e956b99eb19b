namespace Latchkey.Core.Filtering;

/// <summary>The kind of literal on the right of a comparison.</summary>
public enum FilterValueKind
{
    String,
    Number,
    Boolean,
    Null,
}
