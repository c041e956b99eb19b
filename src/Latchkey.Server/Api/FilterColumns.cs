using System.Linq.Expressions;
using System.Reflection;
using Latchkey.Core.Errors;
using Latchkey.Core.Filtering;
using Latchkey.Core.Time;

namespace Latchkey.Server.Api;

/// <summary>
/// Translates a parsed filter/search expression into a LINQ predicate over stored columns, so the database
/// does the filtering. Attributes without a column (custom profile attributes) are not translated: the
/// caller then evaluates the expression in memory instead.
/// </summary>
public sealed class FilterColumns<T>
{
    private static readonly MethodInfo ToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;
    private static readonly MethodInfo StartsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
    private static readonly MethodInfo EndsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string)])!;
    private static readonly MethodInfo Contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
    private static readonly MethodInfo Compare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;

    private readonly Dictionary<string, LambdaExpression> _columns = new(StringComparer.Ordinal);
    private readonly ParameterExpression _row = Expression.Parameter(typeof(T), "row");

    public FilterColumns<T> String(string attribute, Expression<Func<T, string?>> column)
    {
        _columns[attribute] = column;
        return this;
    }

    public FilterColumns<T> Date(string attribute, Expression<Func<T, DateTimeOffset?>> column)
    {
        _columns[attribute] = column;
        return this;
    }

    public bool Covers(FilterNode node) => node switch
    {
        ComparisonNode c => _columns.ContainsKey(c.Attribute),
        AndNode a => Covers(a.Left) && Covers(a.Right),
        OrNode o => Covers(o.Left) && Covers(o.Right),
        NotNode n => Covers(n.Inner),
        _ => false,
    };

    /// <summary>The predicate for <paramref name="node"/>; call only when <see cref="Covers"/> is true.</summary>
    public Expression<Func<T, bool>> Translate(FilterNode node, bool ignoreCase) =>
        Expression.Lambda<Func<T, bool>>(Build(node, ignoreCase), _row);

    private Expression Build(FilterNode node, bool ignoreCase) => node switch
    {
        AndNode a => Expression.AndAlso(Build(a.Left, ignoreCase), Build(a.Right, ignoreCase)),
        OrNode o => Expression.OrElse(Build(o.Left, ignoreCase), Build(o.Right, ignoreCase)),
        NotNode n => Expression.Not(Build(n.Inner, ignoreCase)),
        ComparisonNode c => Comparison(c, ignoreCase),
        _ => throw new ArgumentOutOfRangeException(nameof(node)),
    };

    private Expression Comparison(ComparisonNode c, bool ignoreCase)
    {
        var lambda = _columns[c.Attribute];
        var column = new Rebind(lambda.Parameters[0], _row).Visit(lambda.Body);
        if (c.Operator == FilterOperator.Pr)
        {
            return Expression.NotEqual(column, Expression.Constant(null, column.Type));
        }

        if (c.Value is null || c.Value.Kind == FilterValueKind.Null)
        {
            return c.Operator switch
            {
                FilterOperator.Eq => Expression.Equal(column, Expression.Constant(null, column.Type)),
                FilterOperator.Ne => Expression.NotEqual(column, Expression.Constant(null, column.Type)),
                _ => throw Unsupported(c),
            };
        }

        return column.Type == typeof(string) ? StringComparison(c, column, ignoreCase) : DateComparison(c, column);
    }

    private static Expression StringComparison(ComparisonNode c, Expression column, bool ignoreCase)
    {
        if (c.Value!.Kind != FilterValueKind.String)
        {
            throw new ApiException(ApiErrors.InvalidSearch($"{c.Attribute}: the value must be a quoted string."));
        }

        var text = c.Value.Text!;
        if (ignoreCase)
        {
            column = Expression.Call(column, ToLower);
            text = text.ToLowerInvariant();
        }

        var value = Parameter(text);
        var notNull = Expression.NotEqual(column, Expression.Constant(null, typeof(string)));
        return c.Operator switch
        {
            FilterOperator.Eq => Expression.Equal(column, value),
            FilterOperator.Ne => Expression.NotEqual(column, value),
            FilterOperator.Sw => Expression.AndAlso(notNull, Expression.Call(column, StartsWith, value)),
            FilterOperator.Ew => Expression.AndAlso(notNull, Expression.Call(column, EndsWith, value)),
            FilterOperator.Co => Expression.AndAlso(notNull, Expression.Call(column, Contains, value)),
            FilterOperator.Gt => Expression.GreaterThan(Expression.Call(Compare, column, value), Expression.Constant(0)),
            FilterOperator.Ge => Expression.GreaterThanOrEqual(Expression.Call(Compare, column, value), Expression.Constant(0)),
            FilterOperator.Lt => Expression.LessThan(Expression.Call(Compare, column, value), Expression.Constant(0)),
            FilterOperator.Le => Expression.LessThanOrEqual(Expression.Call(Compare, column, value), Expression.Constant(0)),
            _ => throw Unsupported(c),
        };
    }

    private static Expression DateComparison(ComparisonNode c, Expression column)
    {
        if (c.Value!.Kind != FilterValueKind.String || !IsoTime.TryParse(c.Value.Text, out var date))
        {
            throw new ApiException(ApiErrors.InvalidSearch($"{c.Attribute}: the value must be an ISO-8601 date in quotes."));
        }

        var value = Parameter<DateTimeOffset?>(date);
        return c.Operator switch
        {
            FilterOperator.Eq => Expression.Equal(column, value),
            FilterOperator.Ne => Expression.NotEqual(column, value),
            FilterOperator.Gt => Expression.GreaterThan(column, value),
            FilterOperator.Ge => Expression.GreaterThanOrEqual(column, value),
            FilterOperator.Lt => Expression.LessThan(column, value),
            FilterOperator.Le => Expression.LessThanOrEqual(column, value),
            _ => throw Unsupported(c),
        };
    }

    private static ApiException Unsupported(ComparisonNode c) =>
        new(ApiErrors.InvalidSearch($"The operator {c.Operator.ToString().ToLowerInvariant()} is not supported for {c.Attribute}."));

    // A member access on a closure object: EF sends it as a query parameter, not as SQL text.
    private static MemberExpression Parameter<TValue>(TValue value) =>
        Expression.Property(Expression.Constant(new Box<TValue>(value)), nameof(Box<TValue>.Value));

    private static MemberExpression Parameter(string value) => Parameter<string>(value);

    private sealed record Box<TValue>(TValue Value);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
