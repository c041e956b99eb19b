namespace Latchkey.Core.Filtering;

/// <summary>
/// A filter or search expression was rejected. The message says what is wrong and at which
/// <see cref="Position"/> (a 0-based character offset into the filter text) where one applies.
/// </summary>
public sealed class FilterException : Exception
{
    public FilterException()
        : this(FilterErrorKind.Malformed, "The filter is invalid.")
    {
    }

    public FilterException(string message)
        : this(FilterErrorKind.Malformed, message)
    {
    }

    public FilterException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = FilterErrorKind.Malformed;
    }

    public FilterException(FilterErrorKind kind, string message, string? attribute = null, int? position = null)
        : base(message)
    {
        Kind = kind;
        Attribute = attribute;
        Position = position;
    }

    public FilterErrorKind Kind { get; }

    /// <summary>The attribute concerned, for <see cref="FilterErrorKind.UnknownAttribute"/> and <see cref="FilterErrorKind.UnsupportedOperator"/>.</summary>
    public string? Attribute { get; }

    /// <summary>0-based character offset of the offending token, when there is one.</summary>
    public int? Position { get; }
}
