using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.ApiTokens.Pages;

/// <summary>One listed token and the name of the admin it acts as.</summary>
public sealed record TokenRow(ApiTokenEntity Token, string Owner);

/// <summary>
/// Security > API tokens: an admin creates tokens (the value shown once, on the answer to "Create token", never again) and
/// lists and revokes their own; a super admin (<see cref="AdminPermission.AllApiTokens"/>) sees and revokes everyone's.
/// </summary>
public sealed class ApiTokensPageModel(LatchkeyDbContext db, ApiTokenIssuer issuer, OrgWrite write, SystemLogWriter log, ApiTokenCache cache)
    : ConsolePage
{
    public const int PageSize = 50;

    public override AdminPermission Reads => AdminPermission.OwnApiTokens;
    public override string Section => ConsoleNavigation.ApiTokens;

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public IReadOnlyList<TokenRow> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }
    public bool All => Can(AdminPermission.AllApiTokens);

    /// <summary>The token just created: its name and its only plaintext copy (this response only).</summary>
    public (string Name, string Value)? Created { get; private set; }

    public string? Name { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    [Requires(AdminPermission.OwnApiTokens)]
    public async Task<IActionResult> OnPostCreateAsync([FromForm] string? name)
    {
        try
        {
            var issued = await issuer.CreateAsync(Me.OrgId, Me.User.Id, name ?? "", HttpContext.RequestAborted, Me.Actor);
            Created = (issued.Token.Name, issued.Value);
            Notice = $"Created the token {issued.Token.Name}. Copy its value now: it is shown only this once.";
        }
        catch (ApiException e)
        {
            Name = name;
            Refuse(Describe(e.Error));
        }

        await LoadAsync();
        return Page();
    }

    [Requires(AdminPermission.OwnApiTokens)]
    public Task<IActionResult> OnPostRevokeAsync([FromForm] string? tokenId) => ChangeAsync(async () =>
    {
        // Without the right to every admin's tokens, another admin's token is "not found", as if it did not exist.
        await ApiTokensApi.RevokeAsync(Caller, tokenId ?? "", All ? null : Me.User.Id, db, write, log, cache, HttpContext.RequestAborted);
        return "The token was revoked. Calls with it are refused from now on.";
    }, "/admin/api-tokens");

    private async Task LoadAsync()
    {
        var after = After is { Length: > 0 and <= 64 } ? After : null;
        var mine = Me.User.Id;
        var all = All;
        var rows = await db.ApiTokens.AsNoTracking()
            .Where(t => t.OrgId == Me.OrgId && (all || t.UserId == mine) && (after == null || string.Compare(t.Id, after) > 0))
            .OrderBy(t => t.Id).Take(PageSize + 1)
            .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => new { Token = t, u.Login })
            .ToListAsync(HttpContext.RequestAborted);
        rows = rows.OrderBy(r => r.Token.Id, StringComparer.Ordinal).ToList();
        if (rows.Count > PageSize)
        {
            rows.RemoveAt(PageSize);
            NextHref = $"/admin/api-tokens?after={rows[^1].Token.Id}";
        }

        Rows = rows.Select(r => new TokenRow(r.Token, r.Login)).ToList();
    }
}
