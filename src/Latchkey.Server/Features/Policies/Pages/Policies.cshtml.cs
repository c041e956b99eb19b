using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies.Pages;

/// <summary>One access policy as the console lists it.</summary>
public sealed record PolicyRow(PolicyEntity Policy, int Rules, IReadOnlyList<string> Apps);

/// <summary>
/// Security > Authentication Policies: the ACCESS_POLICY policies (the system default last) with their rule count and the apps
/// bound to them. An admin with <see cref="AdminPermission.PoliciesManage"/> adds one through <see cref="PoliciesApi.CreateAsync"/>,
/// the code behind <c>POST /api/v1/policies</c> (same validation and log events); it starts with its catch-all rule.
/// </summary>
public sealed class PoliciesPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.PoliciesRead;
    public override string Section => ConsoleNavigation.Policies;

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Description { get; set; }

    public IReadOnlyList<PolicyRow> Rows { get; private set; } = [];

    public Task OnGetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var policies = (await db.Policies.AsNoTracking().Where(p => p.OrgId == Me.OrgId && p.Type == PolicyTypes.Access).ToListAsync(ct))
            .OrderBy(p => p.IsSystem ? 1 : 0).ThenBy(p => p.Priority).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
        var ids = policies.Select(p => p.Id).ToList();
        var rules = (await db.PolicyRules.AsNoTracking().Where(r => ids.Contains(r.PolicyId)).Select(r => r.PolicyId).ToListAsync(ct))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var apps = (await db.Apps.AsNoTracking().Where(a => a.OrgId == Me.OrgId && a.AccessPolicyId != null && ids.Contains(a.AccessPolicyId))
                .Select(a => new { a.AccessPolicyId, a.Label }).ToListAsync(ct))
            .ToLookup(a => a.AccessPolicyId!, a => a.Label);
        Rows = policies.Select(p => new PolicyRow(p, rules.GetValueOrDefault(p.Id), apps[p.Id].Order(StringComparer.OrdinalIgnoreCase).ToList())).ToList();
    }

    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostCreateAsync() => AddAsync(async () =>
    {
        var body = new JsonObject { ["type"] = PolicyTypes.Access, ["name"] = Name ?? "" };
        if (!string.IsNullOrWhiteSpace(Description))
        {
            body["description"] = Description.Trim();
        }

        var policy = await PoliciesApi.CreateAsync(Caller, body, activate: true, db, write, log, time, HttpContext.RequestAborted);
        return ($"{policy.Name} was added with its catch-all rule.", $"/admin/policies/{policy.Id}");
    }, LoadAsync);
}
