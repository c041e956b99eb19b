namespace Latchkey.Core.Filtering;

/// <summary>The comparison operators; written lower-case in filter text but matched case-insensitively.</summary>
public enum FilterOperator
{
    /// <summary>Equal.</summary>
    Eq,

    /// <summary>Not equal: exactly the negation of <see cref="Eq"/>.</summary>
    Ne,

    /// <summary>Greater than.</summary>
    Gt,

    /// <summary>Greater than or equal.</summary>
    Ge,

    /// <summary>Less than.</summary>
    Lt,

    /// <summary>Less than or equal.</summary>
    Le,

    /// <summary>Starts with (strings only).</summary>
    Sw,

    /// <summary>Contains (strings only).</summary>
    Co,

    /// <summary>Ends with (strings only).</summary>
    Ew,

    /// <summary>Present: the attribute exists and is not null. Takes no value.</summary>
    Pr,
}
