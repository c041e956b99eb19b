namespace Latchkey.Core.Filtering;

/// <summary>Why a filter was rejected.</summary>
public enum FilterErrorKind
{
    /// <summary>The text is not a well-formed expression (also: too long, nested too deeply).</summary>
    Malformed,

    /// <summary>The grammar does not allow filtering on the attribute.</summary>
    UnknownAttribute,

    /// <summary>The grammar does not allow the operator for the attribute, or does not allow <c>not</c>.</summary>
    UnsupportedOperator,
}
