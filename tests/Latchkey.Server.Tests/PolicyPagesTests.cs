using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Core.Admin;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Security > Access testing and Security > Authentication Policies through the real HTTP pipeline, as a browser without
/// JavaScript uses them (SCENARIOS.md B1): the simulation answers as <c>POST /api/v1/policies/simulate</c> does, a read-only
/// admin reads and tests but cannot write.
/// </summary>
public sealed class PolicyPagesTests(ConsoleFixture server) : IClassFixture<ConsoleFixture>
{
    private Task<PageClient> SignedInAsync(string login) => server.SignedInAsync(login);

    private Task<PageClient> AdminAsync() => SignedInAsync(server.Admin.Login);

    private Task<(string Id, string Login)> UserWithRoleAsync(string? role) => server.UserWithRoleAsync(role);

    /// <summary>B1 through the Policies API (the pages' own B1 test builds it through the pages).</summary>
    private async Task<(string PolicyId, string AppLabel, string UserLogin)> RequireManagedDeviceByApiAsync()
    {
        var api = server.Api;
        var policy = ServerFixture.Id((await api.PostAsync("/api/v1/policies",
            new JsonObject { ["type"] = "ACCESS_POLICY", ["name"] = "Require Managed Device " + ServerFixture.Unique() })).Expect(HttpStatusCode.OK).Object);
        var catchAll = (JsonObject)(await api.GetAsync($"/api/v1/policies/{policy}/rules")).Expect(HttpStatusCode.OK).Array.Single(r => (bool)r!["system"]!)!;
        catchAll["actions"]!["appSignOn"]!["access"] = "DENY";
        (await api.PutAsync($"/api/v1/policies/{policy}/rules/{catchAll["id"]}", catchAll)).Expect(HttpStatusCode.OK);
        var rule = JsonNode.Parse("""
            {"type":"ACCESS_POLICY","name":"Managed Device Allowed","conditions":{"device":{"registered":true,"managed":true}},
             "actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"type":"ASSURANCE","factorMode":"1FA","reauthenticateIn":"PT0S",
             "constraints":[{"possession":{"deviceBound":"REQUIRED","authenticationMethods":[{"key":"okta_verify","method":"signed_nonce"}]}}]}}}}
            """)!;
        (await api.PostAsync($"/api/v1/policies/{policy}/rules", rule)).Expect(HttpStatusCode.OK);
        var label = "Managed Device Check " + ServerFixture.Unique();
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync(label));
        (await api.PutAsync($"/api/v1/apps/{app}/policies/{policy}")).Expect(HttpStatusCode.NoContent);
        var user = await server.CreateUserAsync();
        return (policy, label, (string)user["profile"]!["login"]!);
    }

    private static string TestPath(string user, string app, bool registered, bool managed, string platform = "MACOS") =>
        $"/admin/access-testing?user={Uri.EscapeDataString(user)}&app={Uri.EscapeDataString(app)}"
        + (registered ? "&registered=true" : "") + (managed ? "&managed=true" : "") + $"&platform={platform}";

    private static bool HasRow(string html, params string[] cells) =>
        Regex.IsMatch(html, string.Join(@"\s*", cells.Select(c => $"<td>{Regex.Escape(WebUtility.HtmlEncode(c))}</td>")));

    private static void AssertDenyForRegisteredOnly(PageResponse page)
    {
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("<dt>Decision</dt><dd><span class=\"badge DENY\">DENY</span></dd>", page.Html, StringComparison.Ordinal);
        Assert.Contains("<dt>Matched rule</dt><dd>Catch-all Rule</dd>", page.Html, StringComparison.Ordinal);
        Assert.Matches(@"<td>Managed Device Allowed</td>\s*<td>NOT_MATCH</td>\s*<td>device.registered</td>\s*<td>MATCH</td>", page.Html);
        Assert.Matches(@"<td>Managed Device Allowed</td>\s*<td>NOT_MATCH</td>\s*<td>device.managed</td>\s*<td>NOT_MATCH</td>\s*<td>[^<]*not managed", page.Html);
    }

    private static void AssertAllowForManaged(PageResponse page)
    {
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("<dt>Decision</dt><dd><span class=\"badge ALLOW\">ALLOW</span></dd>", page.Html, StringComparison.Ordinal);
        Assert.Contains("<dt>Matched rule</dt><dd>Managed Device Allowed</dd>", page.Html, StringComparison.Ordinal);
        Assert.Matches(@"<td>Managed Device Allowed</td>\s*<td>MATCH</td>\s*<td>device.managed</td>\s*<td>MATCH</td>", page.Html);
    }

    [Fact]
    public async Task Access_testing_shows_the_simulation_s_decision_the_matched_rule_and_every_condition_of_the_rules_tried()
    {
        var (_, app, user) = await RequireManagedDeviceByApiAsync();
        using var admin = await AdminAsync();

        var form = await admin.GetAsync("/admin/access-testing");
        Assert.Equal(HttpStatusCode.OK, form.Status);
        foreach (var label in new[] { "User (login or id)", "App (label or id)", "Device is registered", "Device is managed", "Platform" })
        {
            Assert.True(form.HasLabel(label), label);
        }

        Assert.Contains("<option value=\"LINUX\">LINUX</option>", form.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/access-testing\"", form.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", form.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Decision", form.Html, StringComparison.Ordinal);

        var before = await server.WithDbAsync(db => db.LogEvents.CountAsync());
        AssertDenyForRegisteredOnly(await admin.GetAsync(TestPath(user, app, registered: true, managed: false)));
        AssertAllowForManaged(await admin.GetAsync(TestPath(user, app, registered: true, managed: true, platform: "LINUX")));
        Assert.Equal(before, await server.WithDbAsync(db => db.LogEvents.CountAsync()));
    }

    [Fact]
    public async Task Access_testing_says_what_was_wrong_for_an_unknown_user_or_app_or_a_missing_field()
    {
        var (_, app, user) = await RequireManagedDeviceByApiAsync();
        using var admin = await AdminAsync();

        var noUser = await admin.GetAsync(TestPath("nobody." + ServerFixture.Unique() + "@example.com", app, true, true));
        Assert.Equal(HttpStatusCode.BadRequest, noUser.Status);
        Assert.Contains("Not found", noUser.Alert, StringComparison.OrdinalIgnoreCase);
        var noApp = await admin.GetAsync(TestPath(user, "No such app " + ServerFixture.Unique(), true, true));
        Assert.Equal(HttpStatusCode.BadRequest, noApp.Status);
        Assert.Contains("No app has the id or label", noApp.Alert, StringComparison.Ordinal);
        var missing = await admin.GetAsync("/admin/access-testing?user=&app=" + Uri.EscapeDataString(app));
        Assert.Contains("Give both the user", missing.Alert, StringComparison.Ordinal);
        var platform = await admin.GetAsync(TestPath(user, app, true, true, platform: "AMIGA"));
        Assert.Contains("The platform is one of", platform.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_admin_runs_access_tests_and_an_app_admin_may_not()
    {
        var (_, app, user) = await RequireManagedDeviceByApiAsync();
        var (_, readOnly) = await UserWithRoleAsync(AdminRole.ReadOnlyAdmin);
        using var reader = await SignedInAsync(readOnly);
        var page = await reader.GetAsync(TestPath(user, app, registered: true, managed: false));
        AssertDenyForRegisteredOnly(page);
        Assert.Equal(0, page.PostForms);

        var (_, appAdmin) = await UserWithRoleAsync(AdminRole.AppAdmin);
        using var apps = await SignedInAsync(appAdmin);
        Assert.Equal(HttpStatusCode.Forbidden, (await apps.GetAsync("/admin/access-testing")).Status);
    }

    private Task<int> EventCountAsync(string eventType, string targetId) => server.WithDbAsync(db =>
        db.LogEvents.AsNoTracking().CountAsync(e => e.EventType == eventType && e.Json.Contains(targetId)));

    private static readonly (string, string)[] ManagedDeviceAllowed =
    [
        ("Form.Name", "Managed Device Allowed"), ("Form.People", "anyone"), ("Form.Device", "registered"), ("Form.Management", "managed"),
        ("Form.Methods", "fastpass"), ("Form.Prompt", "every"), ("Form.Access", "ALLOW"),
    ];

    /// <summary>SCENARIOS.md B1 built entirely through the console's pages; the policy's id and the app's label.</summary>
    private static async Task<(string PolicyId, string AppLabel)> RequireManagedDeviceByPagesAsync(PageClient admin)
    {
        var catalog = await admin.GetAsync("/admin/apps/catalog");
        var label = "Managed Device Check " + ServerFixture.Unique();
        var added = await admin.PostAsync("/admin/apps/catalog?handler=AddBookmark", catalog, ("label", label), ("url", "https://example.com/check"));
        Assert.Equal(HttpStatusCode.Redirect, added.Status);
        var appId = added.Location!.Split('/')[^1];

        var list = await admin.GetAsync("/admin/policies");
        Assert.True(list.HasLabel("Policy name"));
        var created = await admin.PostAsync("/admin/policies?handler=Create", list, ("Name", "Require Managed Device " + ServerFixture.Unique()));
        Assert.Equal(HttpStatusCode.Redirect, created.Status);
        var policyPath = created.Location!;
        var policyId = policyPath.Split('/')[^1];
        var page = await admin.FollowAsync(created);
        Assert.Contains("was added with its catch-all rule", page.StatusMessage, StringComparison.Ordinal);
        Assert.False(page.HasButton("Delete"));

        var catchAllId = Regex.Match(page.Html, @"name=""ruleId"" value=""([^""]+)""").Groups[1].Value;
        page = await admin.SubmitAsync($"{policyPath}?handler=EditRule", page,
            ("ruleId", catchAllId), ("Form.Access", "DENY"), ("Form.Methods", "any"), ("Form.Prompt", "every"));
        Assert.Contains("The rule Catch-all Rule was saved.", page.StatusMessage, StringComparison.Ordinal);

        foreach (var field in new[] { "Rule name", "Anyone", "A member of these groups", "Registered", "Managed", "FastPass (device-bound)", "Every time",
                     "Every N hours", "Hours between prompts", "THEN access is" })
        {
            Assert.True(page.HasLabel(field), field);
        }

        page = await admin.SubmitAsync($"{policyPath}?handler=AddRule", page, ManagedDeviceAllowed);
        Assert.Contains("The rule Managed Device Allowed was added.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Matches(@"<td>1</td>\s*<td>Managed Device Allowed\s*</td>\s*<td>Anyone</td>\s*<td>Registered</td>\s*<td>Managed</td>\s*<td>FastPass \(device-bound\)</td>\s*<td>Every time</td>", page.Html);
        Assert.Matches(@"<td>Last</td>\s*<td>Catch-all Rule\s*</td>[\s\S]*?badge DENY", page.Html);

        page = await admin.SubmitAsync($"{policyPath}?handler=Bind", page, ("appId", appId));
        Assert.Contains($"{label} now uses this policy.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/admin/apps/{appId}\">{label}</a>", page.Html, StringComparison.Ordinal);
        return (policyId, label);
    }

    [Fact]
    public async Task B1_built_through_the_pages_denies_a_registered_only_device_and_allows_a_managed_one_with_the_api_s_log_events()
    {
        using var admin = await AdminAsync();
        var (policyId, app) = await RequireManagedDeviceByPagesAsync(admin);
        var user = (string)(await server.CreateUserAsync())["profile"]!["login"]!;

        AssertDenyForRegisteredOnly(await admin.GetAsync(TestPath(user, app, registered: true, managed: false)));
        AssertAllowForManaged(await admin.GetAsync(TestPath(user, app, registered: true, managed: true)));

        Assert.Equal(1, await EventCountAsync("policy.lifecycle.create", policyId));
        Assert.Equal(2, await EventCountAsync("policy.rule.add", policyId) + await EventCountAsync("policy.rule.update", policyId));
        Assert.Equal(1, await EventCountAsync("policy.mapping.create", policyId));
        var rule = await server.WithDbAsync(db => db.PolicyRules.AsNoTracking().SingleAsync(r => r.PolicyId == policyId && r.Name == "Managed Device Allowed"));
        Assert.Contains("\"deviceBound\":\"REQUIRED\"", rule.ActionsJson, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"signed_nonce\"", rule.ActionsJson, StringComparison.Ordinal);
        Assert.Contains("\"reauthenticateIn\":\"PT0S\"", rule.ActionsJson, StringComparison.Ordinal);

        var list = await admin.GetAsync("/admin/policies");
        Assert.Matches($@"{policyId}"">Require Managed Device [^<]*</a></td>\s*<td>2</td>\s*<td>{Regex.Escape(app)}</td>", list.Html);
    }

    [Fact]
    public async Task The_policy_page_shows_the_api_s_validation_errors_and_keeps_what_was_typed()
    {
        using var admin = await AdminAsync();
        var list = await admin.GetAsync("/admin/policies");
        var page = await admin.FollowAsync(await admin.PostAsync("/admin/policies?handler=Create", list, ("Name", "Validation " + ServerFixture.Unique())));
        var path = Regex.Match(page.Html, @"action=""(/admin/policies/[^?""]+)\?handler=AddRule").Groups[1].Value;
        Assert.NotEmpty(path);

        var refused = await admin.PostAsync($"{path}?handler=AddRule", page, ("Form.Name", "Managed only"), ("Form.Device", "any"),
            ("Form.Management", "managed"), ("Form.Access", "ALLOW"), ("Form.Prompt", "every"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("A managed device must also be registered", refused.Alert, StringComparison.Ordinal);
        Assert.Contains("value=\"Managed only\"", refused.Html, StringComparison.Ordinal);

        var blank = await admin.PostAsync($"{path}?handler=AddRule", page, ("Form.Name", " "), ("Form.Access", "ALLOW"));
        Assert.Contains("The field cannot be left blank", blank.Alert, StringComparison.Ordinal);
        var groups = await admin.PostAsync($"{path}?handler=AddRule", page, ("Form.Name", "G"), ("Form.People", "groups"), ("Form.Groups", "no such group " + ServerFixture.Unique()), ("Form.Access", "ALLOW"));
        Assert.Contains("No group has the name or id", groups.Alert, StringComparison.Ordinal);
        var noHours = await admin.PostAsync($"{path}?handler=AddRule", page, ("Form.Name", "H"), ("Form.Prompt", "hours"), ("Form.Access", "ALLOW"));
        Assert.Contains("needs a number of hours", noHours.Alert, StringComparison.Ordinal);

        var group = await server.CreateGroupAsync();
        var groupName = (string)group["profile"]!["name"]!;
        var added = await admin.SubmitAsync($"{path}?handler=AddRule", page, ("Form.Name", "Eight hours"), ("Form.People", "groups"), ("Form.Groups", groupName),
            ("Form.Prompt", "hours"), ("Form.Hours", "8"), ("Form.Access", "ALLOW"));
        Assert.Contains("The rule Eight hours was added.", added.StatusMessage, StringComparison.Ordinal);
        Assert.Matches($@"<td>Eight hours\s*</td>\s*<td>Groups: {Regex.Escape(groupName)}</td>[\s\S]*?<td>After PT8H</td>", added.Html);
        Assert.Contains("type=\"number\" min=\"1\" max=\"8760\" value=\"8\"", added.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_and_down_reorder_the_rules_and_the_catch_all_stays_last_without_arrows_or_delete()
    {
        using var admin = await AdminAsync();
        var list = await admin.GetAsync("/admin/policies");
        var created = await admin.PostAsync("/admin/policies?handler=Create", list, ("Name", "Order " + ServerFixture.Unique()));
        var path = created.Location!;
        var page = await admin.FollowAsync(created);
        foreach (var name in new[] { "First", "Second", "Third" })
        {
            page = await admin.SubmitAsync($"{path}?handler=AddRule", page, ("Form.Name", name), ("Form.Access", "ALLOW"), ("Form.Prompt", "every"));
        }

        static string Order(PageResponse p) => string.Join(",", Regex.Matches(p.Html, @"<td>(\d+|Last)</td>\s*<td>(\w+)").Select(m => m.Groups[2].Value));
        Assert.Equal("First,Second,Third,Catch", Order(page));
        Assert.False(page.HasButton("Move Catch-all Rule up") || page.HasButton("Move Catch-all Rule down") || page.HasButton("Delete Catch-all Rule"));
        Assert.DoesNotContain("aria-label=\"Move First up\"", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("aria-label=\"Move Third down\"", page.Html, StringComparison.Ordinal);

        var ids = Regex.Matches(page.Html, @"name=""ruleId"" value=""([^""]+)""").Select(m => m.Groups[1].Value).Distinct().ToList();
        var third = ids[2];
        page = await admin.SubmitAsync($"{path}?handler=Move", page, ("ruleId", third), ("direction", "up"));
        Assert.Equal("First,Third,Second,Catch", Order(page));
        page = await admin.SubmitAsync($"{path}?handler=Move", page, ("ruleId", third), ("direction", "up"));
        Assert.Equal("Third,First,Second,Catch", Order(page));
        page = await admin.SubmitAsync($"{path}?handler=Move", page, ("ruleId", ids[0]), ("direction", "down"));
        Assert.Equal("Third,Second,First,Catch", Order(page));

        var catchAll = ids[3];
        page = await admin.SubmitAsync($"{path}?handler=Move", page, ("ruleId", catchAll), ("direction", "up"));
        Assert.Contains("cannot be moved", page.Alert, StringComparison.Ordinal);
        page = await admin.SubmitAsync($"{path}?handler=DeleteRule", page, ("ruleId", catchAll));
        Assert.Contains("cannot be deleted", page.Alert, StringComparison.Ordinal);
        page = await admin.SubmitAsync($"{path}?handler=DeleteRule", page, ("ruleId", third));
        Assert.Contains("The rule Third was deleted.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Equal("Second,First,Catch", Order(page));
    }

    [Fact]
    public async Task A_read_only_admin_views_the_policy_pages_without_forms_and_a_forged_write_is_403()
    {
        using var admin = await AdminAsync();
        var (policyId, _) = await RequireManagedDeviceByPagesAsync(admin);
        var (_, readOnly) = await UserWithRoleAsync(AdminRole.ReadOnlyAdmin);
        using var reader = await SignedInAsync(readOnly);
        foreach (var path in new[] { "/admin/policies", $"/admin/policies/{policyId}", "/admin/access-testing" })
        {
            var read = await reader.GetAsync(path);
            Assert.True(read.Status == HttpStatusCode.OK, $"{path}: {(int)read.Status}");
            Assert.True(read.PostForms == 0, $"{path} shows no action to a read-only admin");
            Assert.Contains("href=\"/admin/policies\"", read.Html, StringComparison.Ordinal);
        }

        var page = await reader.GetAsync($"/admin/policies/{policyId}");
        var rules = await server.WithDbAsync(db => db.PolicyRules.AsNoTracking().Where(r => r.PolicyId == policyId).CountAsync());
        foreach (var (path, fields) in new (string, (string, string)[])[]
                 {
                     ("/admin/policies?handler=Create", [("Name", "Forged " + ServerFixture.Unique())]),
                     ($"/admin/policies/{policyId}?handler=AddRule", [("Form.Name", "Forged"), ("Form.Access", "ALLOW")]),
                     ($"/admin/policies/{policyId}?handler=Move", [("ruleId", "x"), ("direction", "up")]),
                     ($"/admin/policies/{policyId}?handler=Rename", [("name", "Forged " + ServerFixture.Unique())]),
                     ($"/admin/policies/{policyId}?handler=Status", [("status", "INACTIVE")]),
                     ($"/admin/policies/{policyId}?handler=Delete", [("confirm", "yes")]),
                     ($"/admin/policies/{policyId}?handler=RuleStatus", [("ruleId", "x"), ("status", "INACTIVE")]),
                 })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync(path, page, fields)).Status);
        }

        Assert.Equal(rules, await server.WithDbAsync(db => db.PolicyRules.AsNoTracking().Where(r => r.PolicyId == policyId).CountAsync()));
        var policy = await server.WithDbAsync(db => db.Policies.AsNoTracking().SingleAsync(p => p.Id == policyId));
        Assert.Equal(("ACTIVE", true), (policy.Status, policy.Name.StartsWith("Require Managed Device", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/admin/policies/nosuchpolicy")).Status);
    }

    private static async Task<(string Path, string PolicyId, PageResponse Page)> NewPolicyAsync(PageClient admin, string name)
    {
        var list = await admin.GetAsync("/admin/policies");
        var created = await admin.PostAsync("/admin/policies?handler=Create", list, ("Name", name));
        Assert.Equal(HttpStatusCode.Redirect, created.Status);
        return (created.Location!, created.Location!.Split('/')[^1], await admin.FollowAsync(created));
    }

    [Fact]
    public async Task A_policy_is_renamed_deactivated_activated_and_deleted_only_once_confirmed_and_unused_with_the_api_s_log_events()
    {
        using var admin = await AdminAsync();
        var (path, policyId, page) = await NewPolicyAsync(admin, "Lifecycle " + ServerFixture.Unique());
        Assert.Contains("<span class=\"badge ACTIVE\">ACTIVE</span>", page.Html, StringComparison.Ordinal);
        Assert.True(page.HasButton("Deactivate policy") && page.HasButton("Delete policy") && page.HasButton("Save name and description"));
        Assert.True(page.HasLabel("Description") && page.HasLabel($"Yes, delete {Regex.Match(page.Html, "<h1>([^<]+)</h1>").Groups[1].Value} and its rules"));

        var renamed = "Renamed " + ServerFixture.Unique();
        page = await admin.SubmitAsync($"{path}?handler=Rename", page, ("name", renamed), ("description", "Only for the pilot"));
        Assert.Contains($"Saved the name and description of {renamed}.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Contains($"<h1>{renamed}</h1>", page.Html, StringComparison.Ordinal);
        Assert.Contains("<p>Only for the pilot</p>", page.Html, StringComparison.Ordinal);
        Assert.Equal(1, await EventCountAsync("policy.lifecycle.update", policyId));
        page = await admin.SubmitAsync($"{path}?handler=Rename", page, ("name", " "));
        Assert.Contains("The field cannot be left blank", page.Alert, StringComparison.Ordinal);
        Assert.Contains($"<h1>{renamed}</h1>", page.Html, StringComparison.Ordinal);

        page = await admin.SubmitAsync($"{path}?handler=Status", page, ("status", "INACTIVE"));
        Assert.Contains($"{renamed} is inactive.", page.StatusMessage, StringComparison.Ordinal);
        Assert.True(page.HasButton("Activate policy") && !page.HasButton("Deactivate policy"));
        Assert.Equal(1, await EventCountAsync("policy.lifecycle.deactivate", policyId));
        page = await admin.SubmitAsync($"{path}?handler=Status", page, ("status", "ACTIVE"));
        Assert.Contains($"{renamed} is active.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(2, await EventCountAsync("policy.lifecycle.activate", policyId));

        page = await admin.SubmitAsync($"{path}?handler=Delete", page);
        Assert.Contains("Tick the box to confirm", page.Alert, StringComparison.Ordinal);
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync("Lifecycle app " + ServerFixture.Unique()));
        page = await admin.SubmitAsync($"{path}?handler=Bind", page, ("appId", app));
        page = await admin.SubmitAsync($"{path}?handler=Delete", page, ("confirm", "yes"));
        Assert.Contains("is the access policy of 1 app(s)", page.Alert, StringComparison.Ordinal);
        Assert.Equal(0, await EventCountAsync("policy.lifecycle.delete", policyId));
        Assert.True(await server.WithDbAsync(db => db.Policies.AnyAsync(p => p.Id == policyId)));

        var (other, otherId, otherPage) = await NewPolicyAsync(admin, "Throwaway " + ServerFixture.Unique());
        var deleted = await admin.PostAsync($"{other}?handler=Delete", otherPage, ("confirm", "yes"));
        Assert.Equal("/admin/policies", deleted.Location);
        var list = await admin.FollowAsync(deleted);
        Assert.Contains("was deleted.", list.StatusMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(otherId, list.Html, StringComparison.Ordinal);
        Assert.Equal(1, await EventCountAsync("policy.lifecycle.delete", otherId));
        Assert.False(await server.WithDbAsync(db => db.PolicyRules.AnyAsync(r => r.PolicyId == otherId)));
    }

    [Fact]
    public async Task The_default_policy_offers_no_deactivate_or_delete_and_forged_ones_are_refused_by_the_api_s_rules()
    {
        using var admin = await AdminAsync();
        var defaultId = await server.WithDbAsync(db => db.Policies.AsNoTracking().Where(p => p.IsSystem && p.Type == "ACCESS_POLICY").Select(p => p.Id).SingleAsync());
        var path = $"/admin/policies/{defaultId}";
        var page = await admin.GetAsync(path);
        Assert.False(page.HasButton("Deactivate policy") || page.HasButton("Delete policy"));
        Assert.True(page.HasButton("Save name and description"));

        page = await admin.SubmitAsync($"{path}?handler=Delete", page, ("confirm", "yes"));
        Assert.Contains("is a system policy and cannot be deleted", page.Alert, StringComparison.Ordinal);
        page = await admin.SubmitAsync($"{path}?handler=Status", page, ("status", "INACTIVE"));
        Assert.Contains("is a system policy and cannot be deactivated", page.Alert, StringComparison.Ordinal);
        page = await admin.SubmitAsync($"{path}?handler=Rename", page, ("name", "Not the default " + ServerFixture.Unique()));
        Assert.Contains("The name of a system policy cannot be changed", page.Alert, StringComparison.Ordinal);
        var policy = await server.WithDbAsync(db => db.Policies.AsNoTracking().SingleAsync(p => p.Id == defaultId));
        Assert.Equal("ACTIVE", policy.Status);
        Assert.DoesNotContain("Not the default", policy.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_s_conditions_are_edited_after_creation_keeping_the_conditions_the_page_does_not_show()
    {
        using var admin = await AdminAsync();
        var (path, policyId, page) = await NewPolicyAsync(admin, "Edit conditions " + ServerFixture.Unique());
        var rule = JsonNode.Parse("""
            {"type":"ACCESS_POLICY","name":"Linux only","conditions":{"platform":{"include":[{"type":"DESKTOP","os":{"type":"LINUX"}}]}},
             "actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"type":"ASSURANCE","factorMode":"1FA","reauthenticateIn":"PT0S","constraints":[]}}}}
            """)!;
        var ruleId = ServerFixture.Id((await server.Api.PostAsync($"/api/v1/policies/{policyId}/rules", rule)).Expect(HttpStatusCode.OK).Object);
        page = await admin.GetAsync(path);
        foreach (var label in new[] { "Groups for Linux only (names or ids, separated by commas)", "Access for Linux only" })
        {
            Assert.True(page.HasLabel(label), label);
        }

        var group = await server.CreateGroupAsync();
        var groupName = (string)group["profile"]!["name"]!;
        page = await admin.SubmitAsync($"{path}?handler=EditRule", page, ("ruleId", ruleId), ("Form.People", "groups"), ("Form.Groups", groupName),
            ("Form.Device", "registered"), ("Form.Management", "managed"), ("Form.Methods", "any"), ("Form.Prompt", "every"), ("Form.Access", "ALLOW"));
        Assert.Contains("The rule Linux only was saved.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Matches($@"<td>Linux only\s*</td>\s*<td>Groups: {Regex.Escape(groupName)}</td>\s*<td>Registered</td>\s*<td>Managed</td>", page.Html);
        Assert.Contains($"value=\"{groupName}\"", page.Html, StringComparison.Ordinal);
        var saved = await server.WithDbAsync(db => db.PolicyRules.AsNoTracking().SingleAsync(r => r.Id == ruleId));
        Assert.Contains("\"LINUX\"", saved.ConditionsJson, StringComparison.Ordinal);
        Assert.Contains(ServerFixture.Id(group), saved.ConditionsJson, StringComparison.Ordinal);
        Assert.Equal(1, await EventCountAsync("policy.rule.update", ruleId));

        page = await admin.SubmitAsync($"{path}?handler=EditRule", page, ("ruleId", ruleId), ("Form.People", "anyone"), ("Form.Device", "registered"),
            ("Form.Management", "any"), ("Form.Methods", "any"), ("Form.Prompt", "every"), ("Form.Access", "ALLOW"));
        Assert.Matches(@"<td>Linux only\s*</td>\s*<td>Anyone</td>\s*<td>Registered</td>\s*<td>Any</td>", page.Html);
        page = await admin.SubmitAsync($"{path}?handler=EditRule", page, ("ruleId", ruleId), ("Form.People", "anyone"), ("Form.Device", "any"),
            ("Form.Management", "managed"), ("Form.Methods", "any"), ("Form.Prompt", "every"), ("Form.Access", "ALLOW"));
        Assert.Contains("A managed device must also be registered", page.Alert, StringComparison.Ordinal);
        saved = await server.WithDbAsync(db => db.PolicyRules.AsNoTracking().SingleAsync(r => r.Id == ruleId));
        Assert.Contains("\"registered\":true", saved.ConditionsJson, StringComparison.Ordinal);
        Assert.Contains("\"LINUX\"", saved.ConditionsJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_is_deactivated_and_activated_but_the_catch_all_never_with_the_api_s_log_events()
    {
        using var admin = await AdminAsync();
        var (path, _, page) = await NewPolicyAsync(admin, "Rule status " + ServerFixture.Unique());
        page = await admin.SubmitAsync($"{path}?handler=AddRule", page, ("Form.Name", "Pilot"), ("Form.Access", "ALLOW"), ("Form.Prompt", "every"));
        var ids = Regex.Matches(page.Html, @"name=""ruleId"" value=""([^""]+)""").Select(m => m.Groups[1].Value).Distinct().ToList();
        var (pilot, catchAll) = (ids[0], ids[1]);
        Assert.True(page.HasButton("Deactivate") && !page.Html.Contains("aria-label=\"Deactivate Catch-all Rule\"", StringComparison.Ordinal));

        page = await admin.SubmitAsync($"{path}?handler=RuleStatus", page, ("ruleId", pilot), ("status", "INACTIVE"));
        Assert.Contains("The rule Pilot is inactive", page.StatusMessage, StringComparison.Ordinal);
        Assert.Matches(@"<td>Pilot\s*<span class=""muted"">\(INACTIVE\)</span>", page.Html);
        Assert.Contains("aria-label=\"Activate Pilot\"", page.Html, StringComparison.Ordinal);
        Assert.Equal(1, await EventCountAsync("policy.rule.deactivate", pilot));
        page = await admin.SubmitAsync($"{path}?handler=RuleStatus", page, ("ruleId", pilot), ("status", "ACTIVE"));
        Assert.Contains("The rule Pilot is active.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(2, await EventCountAsync("policy.rule.activate", pilot));

        page = await admin.SubmitAsync($"{path}?handler=RuleStatus", page, ("ruleId", catchAll), ("status", "INACTIVE"));
        Assert.Contains("cannot be deactivated", page.Alert, StringComparison.Ordinal);
        Assert.Equal("ACTIVE", await server.WithDbAsync(db => db.PolicyRules.AsNoTracking().Where(r => r.Id == catchAll).Select(r => r.Status).SingleAsync()));
        Assert.Equal(0, await EventCountAsync("policy.rule.deactivate", catchAll));
    }
}
