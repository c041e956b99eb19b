using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies.Pages;

/// <summary>One condition of one rule tried, as the simulation reports it.</summary>
public sealed record TriedCondition(string Type, string Status, string Reason);

/// <summary>One rule tried by the simulation: the policy it belongs to, its status, and its conditions.</summary>
public sealed record TriedRule(string Policy, string Name, string Status, IReadOnlyList<TriedCondition> Conditions);

/// <summary>
/// Security > Access testing: "what if this user, on this device, opened this app", answered by
/// <see cref="PolicySimulation.SimulateExpandedAsync"/>, the code behind <c>POST /api/v1/policies/simulate?expand=EVALUATED,RULE</c>
/// (so the page and the API cannot disagree). A GET form: it changes nothing and writes no log event, so any admin who may read
/// policies (a read-only admin too) runs it.
/// </summary>
public sealed class AccessTestingPageModel(LatchkeyDbContext db) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.PoliciesRead;
    public override string Section => ConsoleNavigation.AccessTesting;

    /// <summary>The platforms a device may claim (the API's device.platform values, LINUX included).</summary>
    public static IReadOnlyList<string> Platforms => PolicyConditions.OsTypes;

    [BindProperty(SupportsGet = true, Name = "user")] public string? UserRef { get; set; }
    [BindProperty(SupportsGet = true, Name = "app")] public string? AppRef { get; set; }
    [BindProperty(SupportsGet = true)] public bool Registered { get; set; }
    [BindProperty(SupportsGet = true)] public bool Managed { get; set; }
    [BindProperty(SupportsGet = true)] public string? Platform { get; set; }

    /// <summary>Null until a test was run; then ALLOW or DENY.</summary>
    public string? Decision { get; private set; }
    public string? MatchedRule { get; private set; }
    public string? Reason { get; private set; }
    public string? AppLabel { get; private set; }
    public IReadOnlyList<TriedRule> Tried { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var user = UserRef?.Trim() ?? "";
        var app = AppRef?.Trim() ?? "";
        if (user.Length == 0 && app.Length == 0)
        {
            return;
        }

        if (user.Length == 0 || app.Length == 0)
        {
            Refuse("Give both the user (login or id) and the app (label or id) to test.");
            return;
        }

        var platform = string.IsNullOrEmpty(Platform) ? null : Platform.ToUpperInvariant();
        if (platform is not null && !Platforms.Contains(platform))
        {
            Refuse($"The platform is one of {string.Join(", ", Platforms)}.");
            return;
        }

        var ct = HttpContext.RequestAborted;
        try
        {
            var appId = await AppIdAsync(app, ct);
            if (appId is null)
            {
                return;
            }

            var device = Registered || Managed || platform is not null
                ? new JsonObject { ["registered"] = Registered, ["managed"] = Managed, ["platform"] = platform }
                : null;
            var item = new JsonObject
            {
                ["appInstance"] = appId,
                ["policyTypes"] = new JsonArray(PolicyTypes.Access),
                ["policyContext"] = new JsonObject
                {
                    ["user"] = new JsonObject { ["id"] = user },
                    ["groups"] = new JsonObject { ["ids"] = new JsonArray() },
                    ["device"] = device,
                },
            };
            var evaluation = (await PolicySimulation.SimulateExpandedAsync(db, Caller, item, ct)).Single();
            Show(evaluation);
        }
        catch (Core.Errors.ApiException e)
        {
            Refuse(Describe(e.Error));
        }
    }

    /// <summary>The app's id: the text itself when an app has that id, else the one app with that label (case-insensitive).</summary>
    private async Task<string?> AppIdAsync(string app, CancellationToken ct)
    {
        var key = app.ToLowerInvariant();
        var matches = await db.Apps.AsNoTracking().Where(a => a.OrgId == Me.OrgId && (a.Id == app || a.LabelKey == key))
            .Select(a => new { a.Id, a.Label }).Take(3).ToListAsync(ct);
        var byId = matches.FirstOrDefault(a => a.Id == app);
        switch (byId is not null ? 1 : matches.Count)
        {
            case 1:
                AppLabel = (byId ?? matches[0]).Label;
                return (byId ?? matches[0]).Id;
            case 0:
                Refuse($"No app has the id or label “{app}”.");
                return null;
            default:
                Refuse($"{matches.Count} apps have the label “{app}”: give the app's id.");
                return null;
        }
    }

    private void Show(JsonObject evaluation)
    {
        var decision = evaluation["decision"];
        Decision = (string?)decision?["access"] ?? "DENY";
        MatchedRule = (string?)decision?["rule"]?["name"];
        Reason = (string?)decision?["reason"];
        var tried = new List<TriedRule>();
        foreach (var list in new[] { "evaluated", "undefined", "result" })
        {
            foreach (var policy in evaluation[list]?["policies"] as JsonArray ?? [])
            {
                foreach (var rule in policy?["rules"] as JsonArray ?? [])
                {
                    var conditions = (rule?["conditions"] as JsonArray ?? [])
                        .Select(c => new TriedCondition((string?)c?["type"] ?? "", (string?)c?["status"] ?? "", (string?)c?["reason"] ?? "")).ToList();
                    tried.Add(new TriedRule((string?)policy?["name"] ?? "", (string?)rule?["name"] ?? "", (string?)rule?["status"] ?? "", conditions));
                }
            }
        }

        Tried = tried;
    }
}
