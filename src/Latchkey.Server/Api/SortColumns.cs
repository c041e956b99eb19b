using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Api;

/// <summary>
/// The attributes a list can be sorted by (<c>sortBy</c>) and their stored columns. Rows with the same
/// value are ordered by id, as the real service orders them. A sorted search pages by offset.
/// </summary>
public sealed class SortColumns<T>(Expression<Func<T, string>> id)
{
    private readonly Dictionary<string, Func<IQueryable<T>, bool, IOrderedQueryable<T>>> _columns = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _columns.Keys;

    public SortColumns<T> Add<TKey>(string attribute, Expression<Func<T, TKey>> column)
    {
        _columns[attribute] = (rows, descending) => descending ? rows.OrderByDescending(column) : rows.OrderBy(column);
        return this;
    }

    /// <summary>
    /// One page of <paramref name="rows"/> in the order <paramref name="page"/> asks for. Rows that need a check
    /// the database cannot make (<paramref name="residual"/>, e.g. a custom profile attribute) are sorted and
    /// filtered in memory over the first <paramref name="maxScanned"/> rows.
    /// </summary>
    public async Task<(List<T> Page, string? NextPosition)> PageAsync(IQueryable<T> rows, PageRequest page, Func<T, bool>? residual,
        int maxScanned, CancellationToken ct)
    {
        var sorted = _columns[page.SortBy ?? throw new InvalidOperationException("The request has no sortBy.")](rows, page.Descending).ThenBy(id);
        var offset = page.Offset();
        List<T> result;
        bool more;
        if (residual is null)
        {
            result = await sorted.Skip(offset).Take(page.Limit + 1).ToListAsync(ct);
            more = Paging.Trim(result, page.Limit);
        }
        else
        {
            var scanned = await sorted.Take(maxScanned).ToListAsync(ct);
            var matching = scanned.Where(residual).ToList();
            result = matching.Skip(offset).Take(page.Limit).ToList();
            more = offset + page.Limit < matching.Count;
        }

        return (result, more ? Paging.OffsetPosition(offset + page.Limit) : null);
    }
}
