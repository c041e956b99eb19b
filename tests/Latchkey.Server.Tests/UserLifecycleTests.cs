using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md sections 0.2 and 2 (lifecycle): allowed transitions and the documented refusals.</summary>
public sealed class UserLifecycleTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private Task<ApiResponse> LifecycleAsync(string id, string operation, string query = "") =>
        Api.PostAsync($"/api/v1/users/{id}/lifecycle/{operation}{query}");

    private async Task<string> StatusAsync(string id) =>
        (string)(await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object["status"]!;

    [Fact]
    public async Task Activating_a_staged_user_with_a_password_makes_it_active()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync(activate: false));
        var response = (await LifecycleAsync(id, "activate", "?sendEmail=false")).Expect(HttpStatusCode.OK);
        Assert.Equal("application/json", response.ContentType?.MediaType);
        Assert.Equal("ACTIVE", await StatusAsync(id));
    }

    [Fact]
    public async Task Activating_a_staged_user_without_a_password_makes_it_provisioned_and_can_return_the_activation_link()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync(activate: false, withPassword: false));
        var result = (await LifecycleAsync(id, "activate", "?sendEmail=false")).Expect(HttpStatusCode.OK).Object;
        Assert.False(string.IsNullOrEmpty((string?)result["activationToken"]), ApiResponse.Compact(result));
        Assert.True(Uri.TryCreate((string?)result["activationUrl"], UriKind.Absolute, out _), ApiResponse.Compact(result));
        Assert.Equal("PROVISIONED", await StatusAsync(id));
    }

    [Fact]
    public async Task Activating_with_the_default_send_email_answers_an_empty_object()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync(activate: false));
        var result = (await LifecycleAsync(id, "activate")).Expect(HttpStatusCode.OK).Object;
        Assert.Empty(result);
    }

    [Fact]
    public async Task Activating_an_active_user_is_refused_with_403_E0000016()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var error = (await LifecycleAsync(id, "activate")).ExpectError(HttpStatusCode.Forbidden, "E0000016");
        Assert.Equal("Activation failed because the user is already active", (string?)error["errorSummary"]);
        Assert.Equal("ACTIVE", await StatusAsync(id));
    }

    [Fact]
    public async Task Suspending_and_unsuspending_an_active_user_round_trips()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        (await LifecycleAsync(id, "suspend")).Expect(HttpStatusCode.OK);
        Assert.Equal("SUSPENDED", await StatusAsync(id));
        var suspended = (await Api.GetAsync($"/api/v1/users/{id}")).Object;
        Assert.NotNull(suspended["_links"]!["unsuspend"]);
        (await LifecycleAsync(id, "unsuspend")).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", await StatusAsync(id));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task Suspending_a_user_who_is_not_active_is_refused_with_400_E0000001(bool activate, bool suspendFirst)
    {
        var id = ServerFixture.Id(await server.CreateUserAsync(activate: activate));
        if (suspendFirst)
        {
            (await LifecycleAsync(id, "suspend")).Expect(HttpStatusCode.OK);
        }

        var before = await StatusAsync(id);
        (await LifecycleAsync(id, "suspend")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal(before, await StatusAsync(id));
    }

    [Fact]
    public async Task Unsuspending_a_user_who_is_not_suspended_is_refused_with_400_E0000001()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        (await LifecycleAsync(id, "unsuspend")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("ACTIVE", await StatusAsync(id));
    }

    [Fact]
    public async Task Unlocking_a_user_who_is_not_locked_is_refused_with_403_E0000032()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var error = (await LifecycleAsync(id, "unlock")).ExpectError(HttpStatusCode.Forbidden, "E0000032");
        Assert.Equal("Unlock is not allowed for this user.", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task Reactivating_an_active_user_is_refused_with_403_E0000038_and_no_causes()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var error = (await LifecycleAsync(id, "reactivate")).ExpectError(HttpStatusCode.Forbidden, "E0000038");
        Assert.Equal("This operation is not allowed in the user's current status.", (string?)error["errorSummary"]);
        Assert.Empty(error["errorCauses"]!.AsArray());
    }

    [Fact]
    public async Task Reactivating_a_provisioned_user_answers_json_and_keeps_it_provisioned()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync(withPassword: false));
        Assert.Equal("PROVISIONED", await StatusAsync(id));
        var response = (await LifecycleAsync(id, "reactivate")).Expect(HttpStatusCode.OK);
        Assert.IsType<JsonObject>(response.Json);
        Assert.Equal("PROVISIONED", await StatusAsync(id));
    }

    [Fact]
    public async Task Deactivating_makes_a_user_deprovisioned_and_activate_brings_it_back()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        (await LifecycleAsync(id, "deactivate")).Expect(HttpStatusCode.OK);
        Assert.Equal("DEPROVISIONED", await StatusAsync(id));
        (await LifecycleAsync(id, "activate", "?sendEmail=false")).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", await StatusAsync(id));
    }

    [Fact]
    public async Task Expiring_a_password_answers_the_user_in_password_expired()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var user = (await LifecycleAsync(id, "expire_password")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(id, ServerFixture.Id(user));
        Assert.Equal("PASSWORD_EXPIRED", (string?)user["status"]);
        Assert.Equal("PASSWORD_EXPIRED", await StatusAsync(id));
    }

    [Fact]
    public async Task Resetting_a_password_puts_the_user_in_recovery_and_always_answers_json()
    {
        var emailed = ServerFixture.Id(await server.CreateUserAsync());
        var quiet = (await LifecycleAsync(emailed, "reset_password", "?sendEmail=true")).Expect(HttpStatusCode.OK).Object;
        Assert.Empty(quiet);
        Assert.Equal("RECOVERY", await StatusAsync(emailed));

        var linked = ServerFixture.Id(await server.CreateUserAsync());
        var link = (await LifecycleAsync(linked, "reset_password", "?sendEmail=false")).Expect(HttpStatusCode.OK).Object;
        Assert.True(Uri.TryCreate((string?)link["resetPasswordUrl"], UriKind.Absolute, out _), ApiResponse.Compact(link));
    }

    [Fact]
    public async Task Lifecycle_links_follow_the_status()
    {
        var staged = await server.CreateUserAsync(activate: false);
        Assert.NotNull(staged["_links"]!["activate"]);
        Assert.Null(staged["_links"]!["suspend"]);
        var active = await server.CreateUserAsync();
        Assert.NotNull(active["_links"]!["suspend"]);
        Assert.NotNull(active["_links"]!["deactivate"]);
        Assert.Null(active["_links"]!["activate"]);
        Assert.Null(active["_links"]!["unsuspend"]);
    }

    [Fact]
    public async Task An_unknown_lifecycle_operation_is_404()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        (await LifecycleAsync(id, "explode")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task The_first_delete_deactivates_and_the_second_removes_the_user()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        Assert.Equal("DEPROVISIONED", await StatusAsync(id));
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/users/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.DeleteAsync($"/api/v1/users/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task A_removed_user_frees_its_login_and_leaves_its_groups()
    {
        var group = await server.CreateGroupAsync();
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        (await Api.PutAsync($"/api/v1/groups/{ServerFixture.Id(group)}/users/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.NoContent);
        var members = (await Api.GetAsync($"/api/v1/groups/{ServerFixture.Id(group)}/users")).Expect(HttpStatusCode.OK).Array;
        Assert.Empty(members);
        await server.CreateUserAsync((string)user["profile"]!["login"]!);
    }
}
