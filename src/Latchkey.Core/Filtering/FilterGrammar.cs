namespace Latchkey.Core.Filtering;

/// <summary>
/// What a filter may say: which attributes, which operators for each, whether <c>not</c> is allowed,
/// and how long and deeply nested the text may be. Immutable: every builder method returns a new
/// grammar, so shared instances such as <see cref="Unrestricted"/> cannot be changed by accident.
/// </summary>
/// <remarks>
/// An attribute is looked up in this order: an exact <see cref="Allow"/> or <see cref="Deny"/> entry;
/// then the longest matching <see cref="AllowPrefix"/> entry; then <see cref="AllowAny"/>.
/// Passing no operators to <see cref="Allow"/>, <see cref="AllowPrefix"/> or <see cref="AllowAny"/>
/// allows every operator.
/// </remarks>
public sealed class FilterGrammar
{
    public const int DefaultMaxLength = 4096;
    public const int DefaultMaxDepth = 64;

    private const int AllOperators = (1 << ((int)FilterOperator.Pr + 1)) - 1;

    // Operator bit masks; 0 marks an exact Deny entry.
    private readonly Dictionary<string, int> exact;
    private readonly List<KeyValuePair<string, int>> prefixes;
    private readonly int anyOperators;

    public FilterGrammar()
        : this(new Dictionary<string, int>(StringComparer.Ordinal), [], 0, true, DefaultMaxLength, DefaultMaxDepth)
    {
    }

    private FilterGrammar(Dictionary<string, int> exact, List<KeyValuePair<string, int>> prefixes, int anyOperators,
        bool allowsNot, int maxLength, int maxDepth)
    {
        this.exact = exact;
        this.prefixes = prefixes;
        this.anyOperators = anyOperators;
        AllowsNot = allowsNot;
        MaxLength = maxLength;
        MaxDepth = maxDepth;
    }

    /// <summary>Any attribute, any operator, <c>not</c> allowed, default limits.</summary>
    public static FilterGrammar Unrestricted { get; } = new FilterGrammar().AllowAny();

    public bool AllowsNot { get; }

    /// <summary>The longest filter text accepted, in characters.</summary>
    public int MaxLength { get; }

    /// <summary>The deepest nesting of parentheses (a <c>not (...)</c> counts as one level).</summary>
    public int MaxDepth { get; }

    /// <summary>Allows <paramref name="attribute"/> (an exact, case-sensitive name) with the given operators, adding to any already allowed.</summary>
    public FilterGrammar Allow(string attribute, params FilterOperator[] operators)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(attribute);
        var mask = Mask(operators);
        var copy = new Dictionary<string, int>(exact, StringComparer.Ordinal);
        copy[attribute] = copy.GetValueOrDefault(attribute) | mask;
        return new FilterGrammar(copy, prefixes, anyOperators, AllowsNot, MaxLength, MaxDepth);
    }

    /// <summary>Allows every attribute that starts with <paramref name="prefix"/> (e.g. <c>profile.</c>) with the given operators.</summary>
    public FilterGrammar AllowPrefix(string prefix, params FilterOperator[] operators)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var mask = Mask(operators);
        var copy = new List<KeyValuePair<string, int>>(prefixes.Count + 1);
        foreach (var entry in prefixes)
        {
            if (entry.Key == prefix)
            {
                mask |= entry.Value;
            }
            else
            {
                copy.Add(entry);
            }
        }

        copy.Add(new KeyValuePair<string, int>(prefix, mask));
        // Longest prefix first, so the most specific one wins at lookup.
        copy.Sort((a, b) => b.Key.Length.CompareTo(a.Key.Length));
        return new FilterGrammar(exact, copy, anyOperators, AllowsNot, MaxLength, MaxDepth);
    }

    /// <summary>Allows every attribute not otherwise listed with the given operators (the System Log's rule).</summary>
    public FilterGrammar AllowAny(params FilterOperator[] operators) =>
        new(exact, prefixes, anyOperators | Mask(operators), AllowsNot, MaxLength, MaxDepth);

    /// <summary>Forbids <paramref name="attribute"/> even when a prefix or <see cref="AllowAny"/> would allow it.</summary>
    public FilterGrammar Deny(string attribute)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(attribute);
        var copy = new Dictionary<string, int>(exact, StringComparer.Ordinal) { [attribute] = 0 };
        return new FilterGrammar(copy, prefixes, anyOperators, AllowsNot, MaxLength, MaxDepth);
    }

    public FilterGrammar WithNot(bool allowed = true) =>
        new(exact, prefixes, anyOperators, allowed, MaxLength, MaxDepth);

    public FilterGrammar WithMaxLength(int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        return new FilterGrammar(exact, prefixes, anyOperators, AllowsNot, maxLength, MaxDepth);
    }

    public FilterGrammar WithMaxDepth(int maxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDepth);
        return new FilterGrammar(exact, prefixes, anyOperators, AllowsNot, MaxLength, maxDepth);
    }

    /// <summary>Whether any operator is allowed on <paramref name="attribute"/>.</summary>
    public bool IsAllowed(string attribute) => MaskFor(attribute) != 0;

    public bool IsAllowed(string attribute, FilterOperator op) => (MaskFor(attribute) & Bit(op)) != 0;

    /// <summary>The operators allowed on <paramref name="attribute"/>, in enum order; empty when the attribute is not allowed.</summary>
    public IReadOnlyList<FilterOperator> OperatorsFor(string attribute)
    {
        var mask = MaskFor(attribute);
        return Enum.GetValues<FilterOperator>().Where(op => (mask & Bit(op)) != 0).ToArray();
    }

    private int MaskFor(string attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        if (exact.TryGetValue(attribute, out var mask))
        {
            return mask;
        }

        foreach (var entry in prefixes)
        {
            if (attribute.StartsWith(entry.Key, StringComparison.Ordinal))
            {
                return entry.Value;
            }
        }

        return anyOperators;
    }

    private static int Bit(FilterOperator op) => 1 << (int)op;

    private static int Mask(FilterOperator[]? operators)
    {
        if (operators is null || operators.Length == 0)
        {
            return AllOperators;
        }

        var mask = 0;
        foreach (var op in operators)
        {
            if (!Enum.IsDefined(op))
            {
                throw new ArgumentOutOfRangeException(nameof(operators), op, "Unknown filter operator.");
            }

            mask |= Bit(op);
        }

        return mask;
    }
}
