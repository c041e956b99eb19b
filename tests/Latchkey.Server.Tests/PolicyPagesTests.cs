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
    private async Task<PageClient> SignedInAsync(string login)
    {
        var browser = new PageClient(server);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(login, ServerFixture.Password)).Status);
        return browser;
    }

    private Task<PageClient> AdminAsync() => SignedInAsync(server.Admin.Login);

    /// <summary>A new user with a password, holding <paramref name="role"/> (a RoleAssignments row, as the role service writes it).</summary>
    private async Task<(string Id, string Login)> UserWithRoleAsync(string? role)
    {
        var user = await server.CreateUserAsync();
        if (role is not null)
        {
            await server.WithDbAsync(async db =>
            {
                var now = DateTimeOffset.UtcNow;
                db.RoleAssignments.Add(new RoleAssignmentEntity
                {
                    Id = RandomIds.NewId(IdPrefix.RoleAssignment, now), OrgId = (await db.Orgs.SingleAsync()).Id, AssigneeType = "USER",
                    AssigneeId = ServerFixture.Id(user), Type = role, Created = now, LastUpdated = now,
                });
                return await db.SaveChangesAsync();
            });
        }

        return (ServerFixture.Id(user), (string)user["profile"]!["login"]!);
    }

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
}
