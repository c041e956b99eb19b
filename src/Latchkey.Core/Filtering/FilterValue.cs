using System.Globalization;

namespace Latchkey.Core.Filtering;

/// <summary>
/// A literal on the right of a comparison. <see cref="Text"/> is set for strings (JSON escapes already
/// decoded), <see cref="Number"/> for numbers, <see cref="Boolean"/> for booleans; all three are null
/// for <see cref="FilterValueKind.Null"/>. <see cref="ToString"/> renders the literal as filter text.
/// </summary>
public sealed record FilterValue(FilterValueKind Kind, string? Text, decimal? Number, bool? Boolean)
{
    public static FilterValue Null { get; } = new(FilterValueKind.Null, null, null, null);

    public static FilterValue True { get; } = new(FilterValueKind.Boolean, null, null, true);

    public static FilterValue False { get; } = new(FilterValueKind.Boolean, null, null, false);

    public static FilterValue FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(FilterValueKind.String, text, null, null);
    }

    public static FilterValue FromNumber(decimal number) => new(FilterValueKind.Number, null, number, null);

    public static FilterValue FromBoolean(bool value) => value ? True : False;

    public override string ToString() => Kind switch
    {
        FilterValueKind.String => FilterFormatter.Quote(Text ?? string.Empty),
        FilterValueKind.Number => (Number ?? 0m).ToString(CultureInfo.InvariantCulture),
        FilterValueKind.Boolean => Boolean == true ? "true" : "false",
        _ => "null",
    };
}
