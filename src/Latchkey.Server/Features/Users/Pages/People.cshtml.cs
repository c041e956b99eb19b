using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users.Pages;

/// <summary>
/// Directory > People: the org's people, a search with the users list's <c>q</c> (a prefix of name, email or username), and
/// "Add person", which creates through the same code as <c>POST /api/v1/users</c> and so refuses with the same causes.
/// </summary>
public sealed class PeoplePageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PasswordHasher hasher, TimeProvider time)
    : ConsolePage
{
    public const int PageSize = 50;
    public const int MaxQueryLength = 100;

    public override AdminPermission Reads => AdminPermission.UsersRead;
    public override string Section => ConsoleNavigation.People;

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? After { get; set; }
    /// <summary><c>DEPROVISIONED</c> lists the deactivated people (left out otherwise, as in the API's list).</summary>
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }

    public IReadOnlyList<UserEntity> Rows { get; private set; } = [];
    public string? NextHref { get; private set; }
    public PersonForm Form { get; private set; } = new();

    public async Task OnGetAsync() => await LoadAsync();

    [Requires(AdminPermission.UsersManage)]
    public async Task<IActionResult> OnPostCreateAsync([FromForm] PersonForm form)
    {
        Form = form;
        if (form.Password is { Length: > SignInEngine.MaxPasswordLength })
        {
            Refuse($"password: A password has at most {SignInEngine.MaxPasswordLength} characters.");
            await LoadAsync();
            return Page();
        }

        var login = form.Username?.Trim() ?? "";
        var profile = new JsonObject
        {
            ["firstName"] = form.FirstName?.Trim() ?? "", ["lastName"] = form.LastName?.Trim() ?? "",
            ["email"] = string.IsNullOrWhiteSpace(form.Email) ? login : form.Email.Trim(), ["login"] = login,
        };
        return await AddAsync(async () =>
        {
            var creation = new UserWrites.UserCreation(profile, string.IsNullOrEmpty(form.Password) ? null : form.Password, form.Activate);
            var user = await UserWrites.CreateAsync(Caller, creation, db, write, log, hasher, time, HttpContext.RequestAborted);
            return ($"Added {user.FirstName} {user.LastName} ({user.Login}), status {user.Status}.", $"/admin/people/{user.Id}");
        }, LoadAsync);
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var users = db.Users.AsNoTracking().Where(u => u.OrgId == Me.OrgId);
        var q = Q?.Trim() ?? "";
        if (q.Length > MaxQueryLength)
        {
            Error ??= $"A search has at most {MaxQueryLength} characters.";
            q = "";
        }

        var deactivated = Status == UserStatus.Deprovisioned;
        users = q.Length > 0 ? UserQueries.MatchingQ(users, q)
            : deactivated ? users.Where(u => u.Status == UserStatus.Deprovisioned)
            : users.Where(u => u.Status != UserStatus.Deprovisioned);
        var after = After is { Length: > 0 and <= 64 } ? After : null;
        var rows = await users.Where(u => after == null || string.Compare(u.Id, after) > 0).OrderBy(u => u.Id).Take(PageSize + 1).ToListAsync(ct);
        if (rows.Count > PageSize)
        {
            rows.RemoveAt(PageSize);
            NextHref = $"/admin/people?after={rows[^1].Id}" + (q.Length > 0 ? "&q=" + Uri.EscapeDataString(q) : "")
                + (deactivated ? "&status=" + UserStatus.Deprovisioned : "");
        }

        Rows = rows;
    }
}

/// <summary>The "Add person" form: the profile's four base attributes, an optional password, and whether to activate now.</summary>
public sealed class PersonForm
{
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Username { get; set; }
    public string? Email { get; set; }
    public string? Password { get; set; }
    public bool Activate { get; set; } = true;
}
