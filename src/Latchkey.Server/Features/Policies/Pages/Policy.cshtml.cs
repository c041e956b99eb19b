using System.Globalization;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies.Pages;

/// <summary>One rule as the policy page shows it: what it asks, in words.</summary>
public sealed record RuleRow(PolicyRuleEntity Rule, string People, string Device, string Management, string Methods, string Prompt, string Access)
{
    /// <summary>The N of a rule that prompts every N hours (PT{N}H), to fill its edit form.</summary>
    public int? Hours { get; init; }

    /// <summary>The names of the groups the rule includes, separated by commas, to fill its edit form.</summary>
    public string Groups { get; init; } = "";
}

/// <summary>The fields of the add-rule and edit-rule forms (SCENARIOS.md B1's vocabulary).</summary>
public sealed class RuleForm
{
    public string? Name { get; set; }
    /// <summary>anyone or groups.</summary>
    public string? People { get; set; }
    /// <summary>Group names or ids, separated by commas.</summary>
    public string? Groups { get; set; }
    /// <summary>any or registered.</summary>
    public string? Device { get; set; }
    /// <summary>any or managed.</summary>
    public string? Management { get; set; }
    /// <summary>any or fastpass.</summary>
    public string? Methods { get; set; }
    /// <summary>every or hours.</summary>
    public string? Prompt { get; set; }
    public int? Hours { get; set; }
    /// <summary>ALLOW or DENY.</summary>
    public string? Access { get; set; }
}

/// <summary>
/// One access policy: its rules in evaluation order (Up/Down moves an ordinary rule; the catch-all stays last), a form to add a
/// rule, per-rule forms to change what a rule allows and how often it prompts (the catch-all included), delete for ordinary
/// rules, and binding an app. Every write runs the Policies API's own code (<see cref="PolicyRulesApi.CreateAsync"/>,
/// <see cref="PolicyRulesApi.ReplaceAsync"/>, <see cref="PolicyRulesApi.DeleteAsync"/>, <see cref="PoliciesApi.BindAsync"/>):
/// the same validation (its causes shown on the page), writes and System Log events.
/// </summary>
public sealed class PolicyPageModel(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time) : ConsolePage
{
    public override AdminPermission Reads => AdminPermission.PoliciesRead;
    public override string Section => ConsoleNavigation.Policies;

    [BindProperty(SupportsGet = true)] public string PolicyId { get; set; } = "";
    [BindProperty] public RuleForm Form { get; set; } = new();

    public PolicyEntity Policy { get; private set; } = null!;
    public IReadOnlyList<RuleRow> Rules { get; private set; } = [];
    public IReadOnlyList<AppEntity> BoundApps { get; private set; } = [];
    public IReadOnlyList<AppEntity> OtherApps { get; private set; } = [];

    private string Here => $"/admin/policies/{PolicyId}";

    public async Task<IActionResult> OnGetAsync() =>
        await LoadAsync() ? Page() : NotFoundPage("This authentication policy", "/admin/policies", "Authentication Policies");

    private async Task<bool> LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var policy = await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == PolicyId && p.OrgId == Me.OrgId && p.Type == PolicyTypes.Access, ct);
        if (policy is null)
        {
            return false;
        }

        Policy = policy;
        var groups = await db.Groups.AsNoTracking().Where(g => g.OrgId == Me.OrgId).Select(g => new { g.Id, g.Name }).ToDictionaryAsync(g => g.Id, g => g.Name, ct);
        Rules = (await PolicyRulesApi.RulesOfAsync(db, policy.Id, track: false, ct)).Select(r => Describe(r, groups)).ToList();
        var apps = await db.Apps.AsNoTracking().Where(a => a.OrgId == Me.OrgId).OrderBy(a => a.Label).ToListAsync(ct);
        BoundApps = apps.Where(a => a.AccessPolicyId == policy.Id).ToList();
        OtherApps = apps.Where(a => a.AccessPolicyId != policy.Id).ToList();
        return true;
    }

    private static RuleRow Describe(PolicyRuleEntity rule, Dictionary<string, string> groups)
    {
        var conditions = PolicyResources.Parse(rule.ConditionsJson);
        var includes = (conditions?["people"]?["groups"]?["include"] as JsonArray ?? []).Select(g => (string?)g ?? "").ToList();
        var names = string.Join(", ", includes.Select(g => groups.GetValueOrDefault(g, g)));
        var people = includes.Count == 0 ? "Anyone" : "Groups: " + names;
        var device = conditions?["device"];
        var sign = PolicyResources.Parse(rule.ActionsJson)?["appSignOn"];
        var method = sign?["verificationMethod"];
        var reauth = (string?)method?["reauthenticateIn"];
        var fastPass = (method?["constraints"] as JsonArray ?? []).Any(c =>
            (string?)c?["possession"]?["deviceBound"] == "REQUIRED"
            || (c?["possession"]?["authenticationMethods"] as JsonArray ?? []).Any(m => (string?)m?["method"] == "signed_nonce"));
        return new RuleRow(rule, people,
            (bool?)device?["registered"] == true ? "Registered" : "Any",
            (bool?)device?["managed"] == true ? "Managed" : "Any",
            fastPass ? "FastPass (device-bound)" : "Any",
            reauth switch { null => "Not set", "PT0S" => "Every time", _ => "After " + reauth },
            (string?)sign?["access"] ?? "ALLOW")
        {
            Hours = reauth is ['P', 'T', .. var n, 'H'] && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var hours) ? hours : null,
            Groups = names,
        };
    }

    /// <summary>The form as a rule body, as the API takes it (its validation has the last word).</summary>
    private async Task<JsonObject> BodyAsync(RuleForm form, PolicyRuleEntity? existing)
    {
        var body = new JsonObject { ["type"] = PolicyTypes.RuleType(PolicyTypes.Access), ["name"] = existing?.Name ?? form.Name?.Trim() ?? "" };
        if (existing is { IsSystem: true })
        {
            body["conditions"] = null;
        }
        else
        {
            var conditions = PolicyResources.Parse(existing?.ConditionsJson) as JsonObject ?? [];
            await ApplyConditionsAsync(form, conditions);
            body["conditions"] = conditions.Count > 0 ? conditions : null;
        }

        var constraints = new JsonArray();
        if (form.Methods == "fastpass")
        {
            constraints.Add(new JsonObject
            {
                ["possession"] = new JsonObject
                {
                    ["deviceBound"] = "REQUIRED",
                    ["authenticationMethods"] = new JsonArray(new JsonObject { ["key"] = "okta_verify", ["method"] = "signed_nonce" }),
                },
            });
        }

        if (form.Prompt == "hours" && form.Hours is not > 0)
        {
            throw new ApiException(ApiErrors.Validation("hours", "Prompting every N hours needs a number of hours of 1 or more."));
        }

        body["actions"] = new JsonObject
        {
            ["appSignOn"] = new JsonObject
            {
                ["access"] = form.Access ?? "",
                ["verificationMethod"] = new JsonObject
                {
                    ["type"] = "ASSURANCE", ["factorMode"] = "1FA",
                    ["reauthenticateIn"] = form.Prompt == "hours" ? $"PT{form.Hours!.Value.ToString(CultureInfo.InvariantCulture)}H" : "PT0S",
                    ["constraints"] = constraints,
                },
            },
        };
        return body;
    }

    /// <summary>
    /// The B1 conditions of the form on a rule's conditions (a new rule's, or a copy of an existing rule's): a field the form
    /// did not send leaves its condition as it was, and conditions the form does not show (zones, platforms, users) stay.
    /// </summary>
    private async Task ApplyConditionsAsync(RuleForm form, JsonObject conditions)
    {
        if (form.People is not null)
        {
            var people = conditions["people"] as JsonObject ?? [];
            var groupCondition = people["groups"] as JsonObject ?? [];
            if (form.People == "groups")
            {
                groupCondition["include"] = await GroupIdsAsync(form.Groups);
            }
            else
            {
                groupCondition.Remove("include");
            }

            Set(people, "groups", groupCondition);
            Set(conditions, "people", people);
        }

        if (form.Device is null && form.Management is null)
        {
            return;
        }

        var device = conditions["device"] as JsonObject ?? [];
        var registered = form.Device is null ? (bool?)device["registered"] == true : form.Device == "registered";
        var managed = form.Management is null ? (bool?)device["managed"] == true : form.Management == "managed";
        device.Remove("registered");
        device.Remove("managed");
        if (registered || managed)
        {
            device["registered"] = registered;
        }

        if (managed)
        {
            device["managed"] = true;
        }

        Set(conditions, "device", device);
    }

    /// <summary>Puts <paramref name="value"/> under <paramref name="key"/>, or removes the key when it holds nothing.</summary>
    private static void Set(JsonObject parent, string key, JsonObject value)
    {
        parent.Remove(key);
        if (value.Count > 0)
        {
            parent[key] = value;
        }
    }

    /// <summary>The groups named in the field (names or ids, separated by commas), as ids; an unknown one is refused by name.</summary>
    private async Task<JsonArray> GroupIdsAsync(string? field)
    {
        var names = (field ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            throw new ApiException(ApiErrors.Validation("groups", "Name at least one group (names or ids, separated by commas)."));
        }

        var ids = new JsonArray();
        foreach (var name in names)
        {
            var key = name.ToLowerInvariant();
            var id = await db.Groups.AsNoTracking().Where(g => g.OrgId == Me.OrgId && (g.Id == name || g.NameKey == key)).Select(g => g.Id)
                .FirstOrDefaultAsync(HttpContext.RequestAborted) ?? throw new ApiException(ApiErrors.Validation("groups", $"No group has the name or id “{name}”."));
            ids.Add(id);
        }

        return ids;
    }

    private async Task<PolicyRuleEntity> RuleAsync(string? ruleId) =>
        await db.PolicyRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId && r.PolicyId == PolicyId && r.OrgId == Me.OrgId, HttpContext.RequestAborted)
        ?? throw new ApiException(ApiErrors.NotFound(ruleId ?? "", "PolicyRule"));

    [Requires(AdminPermission.PoliciesManage)]
    public async Task<IActionResult> OnPostAddRuleAsync()
    {
        if (!await LoadAsync())
        {
            return NotFoundPage("This authentication policy", "/admin/policies", "Authentication Policies");
        }

        return await AddAsync(async () =>
        {
            var rule = await PolicyRulesApi.CreateAsync(Caller, PolicyId, await BodyAsync(Form, existing: null), activate: true, db, write, log, time,
                HttpContext.RequestAborted);
            return ($"The rule {rule.Name} was added.", Here);
        }, async () => await LoadAsync());
    }

    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostEditRuleAsync([FromForm] string? ruleId) => ChangeAsync(async () =>
    {
        var rule = await RuleAsync(ruleId);
        var body = await BodyAsync(Form, rule);
        var saved = await PolicyRulesApi.ReplaceAsync(Caller, PolicyId, rule.Id, body, db, write, log, time, HttpContext.RequestAborted);
        return $"The rule {saved.Name} was saved.";
    }, Here);

    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostMoveAsync([FromForm] string? ruleId, [FromForm] string? direction) => ChangeAsync(async () =>
    {
        var rule = await RuleAsync(ruleId);
        if (rule.IsSystem)
        {
            throw new ApiException(ApiErrors.Validation("priority", "The catch-all rule is always last: it cannot be moved."));
        }

        var body = new JsonObject
        {
            ["type"] = rule.Type, ["name"] = rule.Name, ["conditions"] = PolicyResources.Parse(rule.ConditionsJson),
            ["actions"] = PolicyResources.Parse(rule.ActionsJson),
            ["priority"] = Math.Max(1, rule.Priority + (direction == "up" ? -1 : 1)),
        };
        var ordinary = await db.PolicyRules.CountAsync(r => r.PolicyId == PolicyId && !r.IsSystem, HttpContext.RequestAborted);
        if ((direction == "up" && rule.Priority <= 1) || (direction != "up" && rule.Priority >= ordinary))
        {
            return $"The rule {rule.Name} is already {(direction == "up" ? "first" : "last before the catch-all")}.";
        }

        var saved = await PolicyRulesApi.ReplaceAsync(Caller, PolicyId, rule.Id, body, db, write, log, time, HttpContext.RequestAborted);
        return $"The rule {saved.Name} is now number {saved.Priority}.";
    }, Here);

    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostDeleteRuleAsync([FromForm] string? ruleId) => ChangeAsync(async () =>
    {
        var rule = await PolicyRulesApi.DeleteAsync(Caller, PolicyId, ruleId ?? "", db, write, log, HttpContext.RequestAborted);
        return $"The rule {rule.Name} was deleted.";
    }, Here);

    /// <summary>Activates (<paramref name="status"/> ACTIVE) or deactivates (anything else) a rule, as its <c>lifecycle/...</c> routes do.</summary>
    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostRuleStatusAsync([FromForm] string? ruleId, [FromForm] string? status) => ChangeAsync(async () =>
    {
        var active = status == PolicyStatus.Active;
        var rule = await PolicyRulesApi.SetStatusAsync(Caller, PolicyId, ruleId ?? "", active ? PolicyStatus.Active : PolicyStatus.Inactive, db, write, log,
            time, HttpContext.RequestAborted);
        return active ? $"The rule {rule.Name} is active." : $"The rule {rule.Name} is inactive: it is skipped until activated.";
    }, Here);

    /// <summary>Activates (<paramref name="status"/> ACTIVE) or deactivates (anything else) the policy, as its <c>lifecycle/...</c> routes do.</summary>
    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostStatusAsync([FromForm] string? status) => ChangeAsync(async () =>
    {
        var active = status == PolicyStatus.Active;
        var policy = await PoliciesApi.SetStatusAsync(Caller, PolicyId, active ? PolicyStatus.Active : PolicyStatus.Inactive, db, write, log, time,
            HttpContext.RequestAborted);
        return active ? $"{policy.Name} is active." : $"{policy.Name} is inactive.";
    }, Here);

    /// <summary>Rename: the name and description through <c>PUT /api/v1/policies/{id}</c>'s code, everything else kept.</summary>
    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostRenameAsync([FromForm] string? name, [FromForm] string? description) => ChangeAsync(async () =>
    {
        var policy = await PoliciesApi.FindAsync(db, Me.OrgId, PolicyId, HttpContext.RequestAborted);
        var body = new JsonObject
        {
            ["type"] = policy.Type, ["name"] = name?.Trim() ?? "", ["conditions"] = PolicyResources.Parse(policy.ConditionsJson),
            ["settings"] = PolicyResources.Parse(policy.SettingsJson),
        };
        if (!string.IsNullOrWhiteSpace(description))
        {
            body["description"] = description.Trim();
        }

        var saved = await PoliciesApi.ReplaceAsync(Caller, PolicyId, body, db, write, log, time, HttpContext.RequestAborted);
        return $"Saved the name and description of {saved.Name}.";
    }, Here);

    /// <summary>Delete, after the confirm box is ticked; the API refuses the system policy and a policy an app still uses.</summary>
    [Requires(AdminPermission.PoliciesManage)]
    public async Task<IActionResult> OnPostDeleteAsync([FromForm] string? confirm)
    {
        var deleted = false;
        var result = await ChangeAsync(async () =>
        {
            if (confirm != "yes")
            {
                throw new ApiException(ApiErrors.Validation("confirm", "Tick the box to confirm the deletion; nothing was deleted"));
            }

            var policy = await PoliciesApi.DeleteAsync(Caller, PolicyId, db, write, log, HttpContext.RequestAborted);
            deleted = true;
            return $"{policy.Name} was deleted.";
        }, Here);
        return deleted ? LocalRedirect("/admin/policies") : result;
    }

    /// <summary>Binding changes the app, so (as in the API) it also needs the apps' permission.</summary>
    [Requires(AdminPermission.PoliciesManage)]
    public Task<IActionResult> OnPostBindAsync([FromForm] string? appId) => ChangeAsync(async () =>
    {
        if (!Can(AdminPermission.AppsManage))
        {
            throw new ApiException(ApiErrors.Validation("appId", "Binding an app to a policy also needs permission to manage apps."));
        }

        await PoliciesApi.BindAsync(Caller, appId ?? "", PolicyId, db, write, log, time, HttpContext.RequestAborted);
        var app = await db.Apps.AsNoTracking().FirstAsync(a => a.Id == appId, HttpContext.RequestAborted);
        return $"{app.Label} now uses this policy.";
    }, Here);
}
