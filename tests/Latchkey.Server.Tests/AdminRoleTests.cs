using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 item 4: role assignments to users and groups with the spec's shapes and errors, their System Log events,
/// API tokens that act with their owner's roles (and stop when the owner loses them or is deactivated), the token
/// issuer, and which tokens an admin sees.
/// </summary>
public sealed class AdminRoleTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static JsonObject Role(string type) => new() { ["type"] = type };

    private async Task<JsonArray> EventsAsync(string eventType, string targetId) => await IdxSignInTests.EventsAsync(server, eventType, targetId);

    private static void AssertStandardRole(JsonNode role, string type, string assignmentType, string assigneePath)
    {
        Wire.AssertId((string?)role["id"], "irb");
        Assert.Equal(type, (string?)role["type"]);
        Assert.Equal(AdminRole.Label(type), (string?)role["label"]);
        Assert.Equal("ACTIVE", (string?)role["status"]);
        Assert.Equal(assignmentType, (string?)role["assignmentType"]);
        Wire.AssertDate(role["created"], "created");
        Wire.AssertDate(role["lastUpdated"], "lastUpdated");
        Assert.EndsWith(assigneePath, (string?)role["_links"]!["assignee"]!["href"], StringComparison.Ordinal);
        Assert.StartsWith("http", (string?)role["_links"]!["assignee"]!["href"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_assigned_to_a_user_answers_201_with_the_standard_role_shape_and_can_be_listed_read_and_unassigned()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var created = (await Api.PostAsync($"/api/v1/users/{user}/roles", Role(AdminRole.HelpDeskAdmin))).Expect(HttpStatusCode.Created).Object;
        AssertStandardRole(created, AdminRole.HelpDeskAdmin, "USER", $"/api/v1/users/{user}");
        var id = ServerFixture.Id(created);

        var listed = (await Api.GetAsync($"/api/v1/users/{user}/roles")).Expect(HttpStatusCode.OK).Array;
        var only = Assert.Single(listed)!;
        Assert.Equal(created.ToJsonString(), only.ToJsonString());
        var read = (await Api.GetAsync($"/api/v1/users/{user}/roles/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(created.ToJsonString(), read.ToJsonString());

        (await Api.DeleteAsync($"/api/v1/users/{user}/roles/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/users/{user}/roles/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Empty((await Api.GetAsync($"/api/v1/users/{user}/roles")).Expect(HttpStatusCode.OK).Array);
        (await Api.DeleteAsync($"/api/v1/users/{user}/roles/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task A_role_assigned_to_a_group_answers_200_with_assignment_type_group()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var created = (await Api.PostAsync($"/api/v1/groups/{group}/roles", Role(AdminRole.ReadOnlyAdmin))).Expect(HttpStatusCode.OK).Object;
        AssertStandardRole(created, AdminRole.ReadOnlyAdmin, "GROUP", $"/api/v1/groups/{group}");
        var id = ServerFixture.Id(created);
        Assert.Equal([id], (await Api.GetAsync($"/api/v1/groups/{group}/roles")).Expect(HttpStatusCode.OK).Array.Select(r => ServerFixture.Id(r!)));
        AssertStandardRole((await Api.GetAsync($"/api/v1/groups/{group}/roles/{id}")).Expect(HttpStatusCode.OK).Object,
            AdminRole.ReadOnlyAdmin, "GROUP", $"/api/v1/groups/{group}");
        var stats = (await Api.GetAsync($"/api/v1/groups/{group}?expand=stats")).Expect(HttpStatusCode.OK).Object["_embedded"]!["stats"]!;
        Assert.True((bool)stats["hasAdminPrivilege"]!);

        (await Api.DeleteAsync($"/api/v1/groups/{group}/roles/{id}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty((await Api.GetAsync($"/api/v1/groups/{group}/roles")).Expect(HttpStatusCode.OK).Array);
        stats = (await Api.GetAsync($"/api/v1/groups/{group}?expand=stats")).Expect(HttpStatusCode.OK).Object["_embedded"]!["stats"]!;
        Assert.False((bool)stats["hasAdminPrivilege"]!);
    }

    [Fact]
    public async Task A_role_held_already_is_409_E0000090_for_a_user_and_a_group()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(user, AdminRole.AppAdmin);
        var error = (await Api.PostAsync($"/api/v1/users/{user}/roles", Role(AdminRole.AppAdmin))).ExpectError(HttpStatusCode.Conflict, "E0000090");
        Assert.Equal("The role specified is already assigned to the user.", (string?)error["errorSummary"]);
        Assert.Single((await Api.GetAsync($"/api/v1/users/{user}/roles")).Array);

        var group = ServerFixture.Id(await server.CreateGroupAsync());
        await server.GrantToGroupAsync(group, AdminRole.AppAdmin);
        (await Api.PostAsync($"/api/v1/groups/{group}/roles", Role(AdminRole.AppAdmin))).ExpectError(HttpStatusCode.Conflict, "E0000090");
        // The same role held through a group is no duplicate of a direct assignment.
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        await server.GrantAsync(user, AdminRole.ReadOnlyAdmin);
    }

    [Theory]
    [InlineData("{\"type\":\"NOT_A_ROLE\"}")]
    [InlineData("{\"type\":\"CUSTOM\",\"role\":\"cr0Yq6IJxGIr0ouum0g3\",\"resource-set\":\"iamoJDFKaJxGIr0oamd9g\"}")]
    [InlineData("{\"type\":\"REPORT_ADMIN\"}")]
    [InlineData("{\"type\":\"super_admin\"}")]
    [InlineData("{\"type\":\"\"}")]
    [InlineData("{\"type\":7}")]
    [InlineData("{}")]
    public async Task A_type_that_is_not_a_standard_role_latchkey_grants_is_400_E0000001_naming_type_and_nothing_is_stored(string body)
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        foreach (var path in new[] { $"/api/v1/users/{user}/roles", $"/api/v1/groups/{group}/roles" })
        {
            var error = (await Api.SendRawAsync(HttpMethod.Post, path, body, Api.Token)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
            Assert.Equal("Api validation failed: type", (string?)error["errorSummary"]);
            Assert.Contains(ApiResponse.Causes(error), c => c.StartsWith("type: ", StringComparison.Ordinal));
        }

        Assert.Empty((await Api.GetAsync($"/api/v1/users/{user}/roles")).Array);
        Assert.Empty((await Api.GetAsync($"/api/v1/groups/{group}/roles")).Array);
    }

    [Fact]
    public async Task The_unknown_type_error_names_the_roles_latchkey_grants()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var error = (await Api.PostAsync($"/api/v1/users/{user}/roles", Role("GROUP_MEMBERSHIP_ADMIN"))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var cause = Assert.Single(ApiResponse.Causes(error));
        Assert.All(AdminRole.All, role => Assert.Contains(role, cause, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disable_notifications_is_accepted_as_a_boolean_and_refused_otherwise()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/users/{user}/roles?disableNotifications=true", Role(AdminRole.ReadOnlyAdmin))).Expect(HttpStatusCode.Created);
        (await Api.PostAsync($"/api/v1/users/{user}/roles?disableNotifications=perhaps", Role(AdminRole.AppAdmin)))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PostAsync($"/api/v1/groups/{group}/roles?disableNotifications=false", Role(AdminRole.ReadOnlyAdmin))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_everyone_group_cannot_hold_a_role_and_unknown_assignees_or_assignments_are_404()
    {
        var everyone = (await Api.GetAsync("/api/v1/groups?q=Everyone")).Expect(HttpStatusCode.OK).Array.Single(g => (string?)g!["type"] == "BUILT_IN")!;
        var error = (await Api.PostAsync($"/api/v1/groups/{ServerFixture.Id(everyone)}/roles", Role(AdminRole.ReadOnlyAdmin)))
            .ExpectError(HttpStatusCode.BadRequest, "E0000211");
        Assert.StartsWith("Roles cannot be granted to built-in groups", (string?)error["errorSummary"], StringComparison.Ordinal);
        Assert.Empty((await Api.GetAsync($"/api/v1/groups/{ServerFixture.Id(everyone)}/roles")).Expect(HttpStatusCode.OK).Array);

        (await Api.PostAsync("/api/v1/users/00uNoSuchUser0000000/roles", Role(AdminRole.ReadOnlyAdmin))).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.GetAsync("/api/v1/users/00uNoSuchUser0000000/roles")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.PostAsync("/api/v1/groups/00gNoSuchGroup000000/roles", Role(AdminRole.ReadOnlyAdmin))).ExpectError(HttpStatusCode.NotFound, "E0000007");

        // An assignment is found only under its own assignee.
        var first = ServerFixture.Id(await server.CreateUserAsync());
        var second = ServerFixture.Id(await server.CreateUserAsync());
        var role = ServerFixture.Id(await server.GrantAsync(first, AdminRole.ReadOnlyAdmin));
        (await Api.GetAsync($"/api/v1/users/{second}/roles/{role}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.DeleteAsync($"/api/v1/users/{second}/roles/{role}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.GetAsync($"/api/v1/users/{first}/roles/{role}")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Grants_and_revocations_of_a_user_are_logged_with_the_roles_held_and_lost()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        await server.GrantToGroupAsync(group, AdminRole.ReadOnlyAdmin);
        var helpDesk = ServerFixture.Id(await server.GrantAsync(user, AdminRole.HelpDeskAdmin));

        var grant = Assert.Single(await EventsAsync("user.account.privilege.grant", user))!;
        Assert.Equal("Help Desk administrator, Read only admin", (string?)grant["debugContext"]!["debugData"]!["privilegeGranted"]);
        Assert.Equal(server.Admin.Id, (string?)grant["actor"]!["id"]);
        Assert.Equal("User", (string?)Assert.Single(grant["target"]!.AsArray())!["type"]);
        Assert.Equal("SUCCESS", (string?)grant["outcome"]!["result"]);

        // Still an admin through the group: the change is a grant listing what is left.
        (await Api.DeleteAsync($"/api/v1/users/{user}/roles/{helpDesk}")).Expect(HttpStatusCode.NoContent);
        var grants = await EventsAsync("user.account.privilege.grant", user);
        Assert.Equal(2, grants.Count);
        Assert.Contains(grants, e => (string?)e!["debugContext"]!["debugData"]!["privilegeGranted"] == "Read only admin");
        Assert.Empty(await EventsAsync("user.account.privilege.revoke", user));

        var appAdmin = ServerFixture.Id(await server.GrantAsync(user, AdminRole.AppAdmin));
        (await Api.DeleteAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{user}/roles/{appAdmin}")).Expect(HttpStatusCode.NoContent);
        var revoke = Assert.Single(await EventsAsync("user.account.privilege.revoke", user))!;
        Assert.Equal("Application administrator", (string?)revoke["debugContext"]!["debugData"]!["privilegeRevoked"]);
    }

    [Fact]
    public async Task Grants_and_revocations_of_a_group_are_logged_as_group_privilege_events()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var first = ServerFixture.Id(await server.GrantToGroupAsync(group, AdminRole.UserAdmin));
        var second = ServerFixture.Id(await server.GrantToGroupAsync(group, AdminRole.AppAdmin));
        var grants = await EventsAsync("group.privilege.grant", group);
        Assert.Equal(2, grants.Count);
        Assert.Contains(grants, e => (string?)e!["debugContext"]!["debugData"]!["privilegeGranted"] == "User administrator, Application administrator");
        Assert.Equal("UserGroup", (string?)Assert.Single(grants[0]!["target"]!.AsArray())!["type"]);

        (await Api.DeleteAsync($"/api/v1/groups/{group}/roles/{first}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty(await EventsAsync("group.privilege.revoke", group));
        (await Api.DeleteAsync($"/api/v1/groups/{group}/roles/{second}")).Expect(HttpStatusCode.NoContent);
        var revoke = Assert.Single(await EventsAsync("group.privilege.revoke", group))!;
        Assert.Equal("Application administrator", (string?)revoke["debugContext"]!["debugData"]!["privilegeRevoked"]);
    }

    [Fact]
    public async Task Deleting_a_group_ends_the_roles_it_gave_its_members_at_once()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var member = await server.AdminAsync(AdminRole.ReadOnlyAdmin);
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{member.UserId}")).Expect(HttpStatusCode.NoContent);
        await server.GrantToGroupAsync(group, AdminRole.AppAdmin);
        (await member.Api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody())).Expect(HttpStatusCode.OK);

        (await Api.DeleteAsync($"/api/v1/groups/{group}")).Expect(HttpStatusCode.NoContent);
        (await member.Api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody())).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await member.Api.GetAsync("/api/v1/apps")).Expect(HttpStatusCode.OK);
        Assert.Single(await EventsAsync("group.privilege.revoke", group));
        Assert.Equal(0, await server.WithDbAsync(db => db.RoleAssignments.CountAsync(r => r.AssigneeId == group)));
    }

    [Fact]
    public async Task Revoking_the_owners_last_role_makes_the_token_401_at_once()
    {
        var admin = await server.AdminAsync(AdminRole.HelpDeskAdmin);
        (await admin.Api.GetAsync("/api/v1/users?limit=1")).Expect(HttpStatusCode.OK);
        var role = ServerFixture.Id(Assert.Single((await Api.GetAsync($"/api/v1/users/{admin.UserId}/roles")).Array)!);

        (await Api.DeleteAsync($"/api/v1/users/{admin.UserId}/roles/{role}")).Expect(HttpStatusCode.NoContent);

        var error = (await admin.Api.GetAsync("/api/v1/users?limit=1")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
        Assert.Equal("Invalid token provided", (string?)error["errorSummary"]);
        // Granted again, the same token works again: it acts with its owner's roles as they are now.
        await server.GrantAsync(admin.UserId, AdminRole.ReadOnlyAdmin);
        (await admin.Api.GetAsync("/api/v1/logs?limit=1")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_changed_role_changes_what_a_working_token_may_do_at_once()
    {
        var admin = await server.AdminAsync(AdminRole.ReadOnlyAdmin);
        (await admin.Api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["name"] = "G " + ServerFixture.Unique() } }))
            .ExpectError(HttpStatusCode.Forbidden, "E0000006");
        await server.GrantAsync(admin.UserId, AdminRole.UserAdmin);
        (await admin.Api.PostAsync("/api/v1/groups", new JsonObject { ["profile"] = new JsonObject { ["name"] = "G " + ServerFixture.Unique() } }))
            .Expect(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("deactivate")]
    [InlineData("suspend")]
    public async Task Deactivating_or_suspending_the_owner_makes_the_token_401_at_once(string operation)
    {
        var admin = await server.AdminAsync(AdminRole.OrgAdmin);
        (await admin.Api.GetAsync("/api/v1/groups?limit=1")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/users/{admin.UserId}/lifecycle/{operation}")).Expect(HttpStatusCode.OK);
        (await admin.Api.GetAsync("/api/v1/groups?limit=1")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }

    [Fact]
    public async Task A_role_through_a_group_counts_from_the_moment_of_joining_until_leaving()
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        await server.GrantToGroupAsync(group, AdminRole.AppAdmin);
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PutAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        var api = await server.TokenForAsync(user);
        (await api.PostAsync("/api/v1/apps", ServerFixture.BookmarkBody())).Expect(HttpStatusCode.OK);
        (await api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = ServerFixture.Profile($"x.{ServerFixture.Unique()}@example.com") }))
            .ExpectError(HttpStatusCode.Forbidden, "E0000006");

        (await Api.DeleteAsync($"/api/v1/groups/{group}/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await api.GetAsync("/api/v1/apps")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }

    [Fact]
    public async Task The_last_super_admin_who_can_act_keeps_the_role()
    {
        var own = (await Api.GetAsync($"/api/v1/users/{server.Admin.Id}/roles")).Expect(HttpStatusCode.OK).Array
            .Single(r => (string?)r!["type"] == AdminRole.SuperAdmin)!;
        var error = (await Api.DeleteAsync($"/api/v1/users/{server.Admin.Id}/roles/{ServerFixture.Id(own)}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(error), c => c.Contains("SUPER_ADMIN", StringComparison.Ordinal));

        // A suspended super admin cannot act, so does not count.
        var other = ServerFixture.Id(await server.CreateUserAsync());
        var otherRole = ServerFixture.Id(await server.GrantAsync(other, AdminRole.SuperAdmin));
        (await Api.PostAsync($"/api/v1/users/{other}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        (await Api.DeleteAsync($"/api/v1/users/{server.Admin.Id}/roles/{ServerFixture.Id(own)}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");

        // Another super admin's role goes freely while this one remains.
        (await Api.DeleteAsync($"/api/v1/users/{other}/roles/{otherRole}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deleting_a_user_deletes_their_role_assignments()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(user, AdminRole.ReadOnlyAdmin);
        (await Api.DeleteAsync($"/api/v1/users/{user}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{user}")).Expect(HttpStatusCode.NoContent);
        Assert.Equal(0, await server.WithDbAsync(db => db.RoleAssignments.CountAsync(r => r.AssigneeId == user)));
        Assert.Single(await EventsAsync("user.account.privilege.revoke", user));
    }

    [Fact]
    public async Task An_admin_without_all_api_tokens_sees_and_revokes_only_their_own_tokens()
    {
        var orgAdmin = await server.AdminAsync(AdminRole.OrgAdmin);
        var listed = (await orgAdmin.Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array;
        var own = Assert.Single(listed)!;
        Assert.Equal(orgAdmin.UserId, (string?)own["userId"]);

        var bootstrap = (await Api.GetAsync("/api/v1/api-tokens/current")).Expect(HttpStatusCode.OK).Object;
        (await orgAdmin.Api.GetAsync($"/api/v1/api-tokens/{ServerFixture.Id(bootstrap)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await orgAdmin.Api.DeleteAsync($"/api/v1/api-tokens/{ServerFixture.Id(bootstrap)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK);

        // The super admin sees every admin's tokens and may revoke them.
        var all = (await Api.GetAsync("/api/v1/api-tokens")).Expect(HttpStatusCode.OK).Array;
        Assert.Contains(all, t => ServerFixture.Id(t!) == ServerFixture.Id(own));
        Assert.Contains(all, t => ServerFixture.Id(t!) == ServerFixture.Id(bootstrap));
        (await Api.DeleteAsync($"/api/v1/api-tokens/{ServerFixture.Id(own)}")).Expect(HttpStatusCode.NoContent);
        (await orgAdmin.Api.GetAsync("/api/v1/api-tokens")).ExpectError(HttpStatusCode.Unauthorized, "E0000011");
    }

    [Fact]
    public async Task The_issuer_stores_only_the_hash_logs_the_creation_and_gives_a_working_value_once()
    {
        var admin = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(admin, AdminRole.ReadOnlyAdmin);
        var issued = await server.IssueAsync(admin, "Console token");
        Assert.Matches("^00[A-Za-z0-9]{40}$", issued.Value);
        Wire.AssertId(issued.Token.Id, "00T");
        var stored = await server.WithDbAsync(db => db.ApiTokens.AsNoTracking().SingleAsync(t => t.Id == issued.Token.Id));
        Assert.Equal(SecretHasher.Hash(issued.Value), stored.TokenHash);
        Assert.DoesNotContain(issued.Value, stored.TokenHash, StringComparison.Ordinal);
        Assert.Equal(admin, stored.UserId);
        Assert.Equal("Console token", stored.Name);
        Assert.Single(await EventsAsync("system.api_token.create", issued.Token.Id));
        var me = (await new ApiClient(Api.Http, issued.Value).GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(admin, ServerFixture.Id(me));
    }

    [Fact]
    public async Task The_issuer_refuses_a_user_who_is_no_admin_or_cannot_act_and_a_blank_name()
    {
        var plain = ServerFixture.Id(await server.CreateUserAsync());
        var refused = await Assert.ThrowsAsync<ApiException>(() => server.IssueAsync(plain, "No admin"));
        Assert.Equal("E0000006", refused.Error.Code);

        var suspended = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(suspended, AdminRole.SuperAdmin);
        (await Api.PostAsync($"/api/v1/users/{suspended}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        Assert.Equal("E0000006", (await Assert.ThrowsAsync<ApiException>(() => server.IssueAsync(suspended, "Suspended"))).Error.Code);

        var admin = ServerFixture.Id(await server.CreateUserAsync());
        await server.GrantAsync(admin, AdminRole.HelpDeskAdmin);
        Assert.Equal("E0000001", (await Assert.ThrowsAsync<ApiException>(() => server.IssueAsync(admin, "   "))).Error.Code);
        Assert.Equal("E0000001", (await Assert.ThrowsAsync<ApiException>(() => server.IssueAsync(admin, new string('n', 256)))).Error.Code);
        Assert.Equal(0, await server.WithDbAsync(db => db.ApiTokens.CountAsync(t => t.UserId == plain || t.UserId == suspended || t.UserId == admin)));
    }
}
