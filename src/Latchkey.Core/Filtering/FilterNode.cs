namespace Latchkey.Core.Filtering;

/// <summary>
/// A parsed filter / search expression. <see cref="ToString"/> renders the canonical filter text,
/// which parses back to an equal tree.
/// </summary>
public abstract record FilterNode
{
    public sealed override string ToString() => FilterFormatter.Format(this);
}
