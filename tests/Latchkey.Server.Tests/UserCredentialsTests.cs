using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// The credential operations of okta-api.md section 2 and the spec's UserCred tag: change_password,
/// change_recovery_question, forgot_password and forgot_password_recovery_question.
/// </summary>
public sealed class UserCredentialsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Question = "Which city were you born in?";
    private const string Answer = "Lower Hutt";
    private const string NewPassword = "Qz7wLmPx2Rt";

    private ApiClient Api => server.Api;

    private static JsonObject Secret(string value) => new() { ["value"] = value };

    private static JsonObject Change(string oldPassword, string newPassword) => new()
    {
        ["oldPassword"] = Secret(oldPassword), ["newPassword"] = Secret(newPassword),
    };

    private Task<ApiResponse> ChangePasswordAsync(string id, JsonObject body, string query = "") =>
        Api.PostAsync($"/api/v1/users/{id}/credentials/change_password{query}", body);

    private async Task<JsonObject> UserAsync(string id) => (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;

    private async Task<JsonObject> UserWithRecoveryQuestionAsync()
    {
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        (await Api.PostAsync($"/api/v1/users/{id}", new JsonObject
        {
            ["credentials"] = new JsonObject { ["recovery_question"] = new JsonObject { ["question"] = Question, ["answer"] = Answer } },
        })).Expect(HttpStatusCode.OK);
        return user;
    }

    private async Task<List<JsonObject>> EventsAsync(string userId, string eventType) =>
        (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"target.id eq \"{userId}\" and eventType eq \"{eventType}\"")}"))
            .Expect(HttpStatusCode.OK).Array.Select(e => e!.AsObject()).ToList();

    [Fact]
    public async Task Change_password_with_the_current_password_answers_the_credentials_and_logs_update_password()
    {
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        var credentials = (await ChangePasswordAsync(id, Change(ServerFixture.Password, NewPassword))).Expect(HttpStatusCode.OK).Object;

        Assert.Equal(new JsonObject(), credentials["password"]);
        Assert.Equal("OKTA", (string?)credentials["provider"]!["type"]);
        Assert.DoesNotContain(NewPassword, credentials.ToJsonString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse((string)(await UserAsync(id))["passwordChanged"]!, System.Globalization.CultureInfo.InvariantCulture)
            >= DateTimeOffset.Parse((string)user["passwordChanged"]!, System.Globalization.CultureInfo.InvariantCulture));
        var logged = Assert.Single(await EventsAsync(id, "user.account.update_password"));
        Assert.Equal("SUCCESS", (string?)logged["outcome"]!["result"]);

        // The new password is now the current one, and the old one no longer is.
        (await ChangePasswordAsync(id, Change(ServerFixture.Password, "Another9Pass"))).ExpectError(HttpStatusCode.Forbidden, "E0000014");
        (await ChangePasswordAsync(id, Change(NewPassword, "Another9Pass"))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_old_password_is_403_E0000014_changes_nothing_and_logs_a_failure()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var before = await UserAsync(id);
        var error = (await ChangePasswordAsync(id, Change("Wrong1Password", NewPassword))).ExpectError(HttpStatusCode.Forbidden, "E0000014");

        Assert.Equal("Update of credentials failed", (string?)error["errorSummary"]);
        Assert.Equal(["Old Password is not correct"], ApiResponse.Causes(error));
        Assert.Equal((string?)before["lastUpdated"], (string?)(await UserAsync(id))["lastUpdated"]);
        var failure = Assert.Single(await EventsAsync(id, "user.account.update_password"));
        Assert.Equal("FAILURE", (string?)failure["outcome"]!["result"]);
        Assert.Equal("INVALID_CREDENTIALS", (string?)failure["outcome"]!["reason"]);
        (await ChangePasswordAsync(id, Change(ServerFixture.Password, NewPassword))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_new_password_that_breaks_the_policy_or_repeats_a_recent_one_is_403_E0000014_with_the_policy_cause()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var weak = (await ChangePasswordAsync(id, Change(ServerFixture.Password, "short"))).ExpectError(HttpStatusCode.Forbidden, "E0000014");
        Assert.StartsWith("password: Password requirements were not met. Password requirements: at least 8 characters",
            Assert.Single(ApiResponse.Causes(weak)), StringComparison.Ordinal);

        (await ChangePasswordAsync(id, Change(ServerFixture.Password, NewPassword))).Expect(HttpStatusCode.OK);
        var repeated = (await ChangePasswordAsync(id, Change(NewPassword, ServerFixture.Password))).ExpectError(HttpStatusCode.Forbidden, "E0000014");
        Assert.EndsWith("Your password cannot be any of your last 4 passwords.", Assert.Single(ApiResponse.Causes(repeated)), StringComparison.Ordinal);
        var same = (await ChangePasswordAsync(id, Change(NewPassword, NewPassword))).ExpectError(HttpStatusCode.Forbidden, "E0000014");
        Assert.StartsWith("password: ", Assert.Single(ApiResponse.Causes(same)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strict_checks_the_minimum_age_which_the_default_policy_does_not_set()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        (await ChangePasswordAsync(id, Change(ServerFixture.Password, NewPassword), "?strict=true")).Expect(HttpStatusCode.OK);
        var error = (await ChangePasswordAsync(id, Change(NewPassword, "Another9Pass"), "?strict=maybe")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: strict", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task An_expired_or_recovering_user_is_active_again_after_changing_the_password()
    {
        var body = new JsonObject
        {
            ["profile"] = ServerFixture.Profile($"expired.{ServerFixture.Unique()}@example.com"),
            ["credentials"] = new JsonObject { ["password"] = Secret(ServerFixture.Password) },
        };
        var expired = ServerFixture.Id((await Api.PostAsync("/api/v1/users?activate=true&nextLogin=changePassword", body)).Expect(HttpStatusCode.OK).Object);
        Assert.Equal("PASSWORD_EXPIRED", (string?)(await UserAsync(expired))["status"]);
        (await ChangePasswordAsync(expired, Change(ServerFixture.Password, NewPassword))).Expect(HttpStatusCode.OK);
        Assert.Equal("ACTIVE", (string?)(await UserAsync(expired))["status"]);

        var recovering = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/users/{recovering}/lifecycle/reset_password?sendEmail=false")).Expect(HttpStatusCode.OK);
        Assert.Equal("RECOVERY", (string?)(await UserAsync(recovering))["status"]);
        (await ChangePasswordAsync(recovering, Change(ServerFixture.Password, NewPassword))).Expect(HttpStatusCode.OK);
        var after = await UserAsync(recovering);
        Assert.Equal("ACTIVE", (string?)after["status"]);
    }

    [Fact]
    public async Task Change_password_is_403_E0000035_for_a_user_without_a_password_or_in_a_status_that_forbids_it()
    {
        var provisioned = ServerFixture.Id(await server.CreateUserAsync(withPassword: false));
        (await ChangePasswordAsync(provisioned, Change(ServerFixture.Password, NewPassword))).ExpectError(HttpStatusCode.Forbidden, "E0000035");

        var suspended = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync($"/api/v1/users/{suspended}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        var error = (await ChangePasswordAsync(suspended, Change(ServerFixture.Password, NewPassword))).ExpectError(HttpStatusCode.Forbidden, "E0000035");
        Assert.Equal("Change password not allowed on specified user.", (string?)error["errorSummary"]);
        Assert.DoesNotContain("changePassword", (await UserAsync(suspended))["_links"]!.AsObject().Select(l => l.Key));
    }

    [Theory]
    [InlineData("{\"newPassword\": {\"value\": \"Qz7wLmPx2Rt\"}}", "oldPassword")]
    [InlineData("{\"oldPassword\": {\"value\": \"Tr0ub4dor&3Kx\"}}", "newPassword")]
    [InlineData("{\"oldPassword\": {\"value\": \"Tr0ub4dor&3Kx\"}, \"newPassword\": {\"value\": 5}}", "newPassword")]
    [InlineData("{\"oldPassword\": {\"value\": \"Tr0ub4dor&3Kx\"}, \"newPassword\": {\"value\": \"Qz7wLmPx2Rt\"}, \"revokeSessions\": \"yes\"}", "revokeSessions")]
    public async Task A_change_password_body_missing_or_mistyping_a_field_is_400_E0000001_naming_it(string body, string field)
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var error = (await Api.SendRawAsync(HttpMethod.Post, $"/api/v1/users/{id}/credentials/change_password", body, Api.Token))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal($"Api validation failed: {field}", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task An_active_user_with_a_password_links_to_change_password_and_recovery_question_and_with_a_question_to_forgot_password()
    {
        var plain = (await UserAsync(ServerFixture.Id(await server.CreateUserAsync())))["_links"]!.AsObject();
        Assert.EndsWith("/credentials/change_password", (string?)plain["changePassword"]!["href"], StringComparison.Ordinal);
        Assert.EndsWith("/credentials/change_recovery_question", (string?)plain["changeRecoveryQuestion"]!["href"], StringComparison.Ordinal);
        Assert.False(plain.ContainsKey("forgotPassword"));
        var withQuestion = (await UserAsync(ServerFixture.Id(await UserWithRecoveryQuestionAsync())))["_links"]!.AsObject();
        Assert.EndsWith("/credentials/forgot_password", (string?)withQuestion["forgotPassword"]!["href"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Change_recovery_question_with_the_password_echoes_the_question_and_logs_it()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var credentials = (await Api.PostAsync($"/api/v1/users/{id}/credentials/change_recovery_question", new JsonObject
        {
            ["password"] = Secret(ServerFixture.Password),
            ["recovery_question"] = new JsonObject { ["question"] = Question, ["answer"] = Answer },
        })).Expect(HttpStatusCode.OK).Object;

        Assert.Equal(Question, (string?)credentials["recovery_question"]!["question"]);
        Assert.Null(credentials["recovery_question"]!["answer"]);
        Assert.Equal(new JsonObject(), credentials["password"]);
        Assert.Equal(Question, (string?)(await UserAsync(id))["credentials"]!["recovery_question"]!["question"]);
        var logged = Assert.Single(await EventsAsync(id, "user.account.update_profile"));
        Assert.Equal("Update recovery question for Okta user", (string?)logged["displayMessage"]);
    }

    [Fact]
    public async Task Change_recovery_question_with_a_wrong_password_is_403_E0000014_and_without_a_password_403_E0000036()
    {
        var id = ServerFixture.Id(await server.CreateUserAsync());
        var body = new JsonObject
        {
            ["password"] = Secret("Wrong1Password"), ["recovery_question"] = new JsonObject { ["question"] = Question, ["answer"] = Answer },
        };
        (await Api.PostAsync($"/api/v1/users/{id}/credentials/change_recovery_question", body)).ExpectError(HttpStatusCode.Forbidden, "E0000014");
        Assert.Null((await UserAsync(id))["credentials"]!["recovery_question"]);

        var provisioned = ServerFixture.Id(await server.CreateUserAsync(withPassword: false));
        (await Api.PostAsync($"/api/v1/users/{provisioned}/credentials/change_recovery_question", body))
            .ExpectError(HttpStatusCode.Forbidden, "E0000036");
    }

    [Fact]
    public async Task Forgot_password_without_email_returns_a_reset_link_and_keeps_the_status()
    {
        var id = ServerFixture.Id(await UserWithRecoveryQuestionAsync());
        var link = (await Api.PostAsync($"/api/v1/users/{id}/credentials/forgot_password?sendEmail=false")).Expect(HttpStatusCode.OK).Object;
        var url = new Uri((string)link["resetPasswordUrl"]!);
        Assert.StartsWith("/signin/reset-password/", url.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("ACTIVE", (string?)(await UserAsync(id))["status"]);
        Assert.Empty((await Api.PostAsync($"/api/v1/users/{id}/credentials/forgot_password")).Expect(HttpStatusCode.OK).Object);
        Assert.Equal(2, (await EventsAsync(id, "user.account.reset_password")).Count);
    }

    [Fact]
    public async Task Forgot_password_is_403_E0000034_without_a_recovery_question_or_for_a_user_who_is_not_active()
    {
        var plain = ServerFixture.Id(await server.CreateUserAsync());
        var error = (await Api.PostAsync($"/api/v1/users/{plain}/credentials/forgot_password?sendEmail=false")).ExpectError(HttpStatusCode.Forbidden, "E0000034");
        Assert.Equal(["Recovery credential not set."], ApiResponse.Causes(error));

        var suspended = ServerFixture.Id(await UserWithRecoveryQuestionAsync());
        (await Api.PostAsync($"/api/v1/users/{suspended}/lifecycle/suspend")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/users/{suspended}/credentials/forgot_password?sendEmail=false")).ExpectError(HttpStatusCode.Forbidden, "E0000034");
        Assert.Empty(await EventsAsync(suspended, "user.account.reset_password"));
    }

    [Fact]
    public async Task The_right_recovery_answer_sets_the_new_password_without_regard_to_case()
    {
        var id = ServerFixture.Id(await UserWithRecoveryQuestionAsync());
        var credentials = (await Api.PostAsync($"/api/v1/users/{id}/credentials/forgot_password_recovery_question", new JsonObject
        {
            ["password"] = Secret(NewPassword), ["recovery_question"] = new JsonObject { ["answer"] = "  lower HUTT " },
        })).Expect(HttpStatusCode.OK).Object;

        Assert.Equal(Question, (string?)credentials["recovery_question"]!["question"]);
        Assert.Equal("SUCCESS", (string?)Assert.Single(await EventsAsync(id, "user.account.reset_password"))["outcome"]!["result"]);
        (await ChangePasswordAsync(id, Change(NewPassword, "Another9Pass"))).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_recovery_answer_is_403_E0000087_and_a_weak_password_403_E0000080()
    {
        var id = ServerFixture.Id(await UserWithRecoveryQuestionAsync());
        var wrong = new JsonObject { ["password"] = Secret(NewPassword), ["recovery_question"] = new JsonObject { ["answer"] = "Upper Hutt" } };
        (await Api.PostAsync($"/api/v1/users/{id}/credentials/forgot_password_recovery_question", wrong))
            .ExpectError(HttpStatusCode.Forbidden, "E0000087");
        var failure = Assert.Single(await EventsAsync(id, "user.account.reset_password"));
        Assert.Equal("FAILURE", (string?)failure["outcome"]!["result"]);

        var weak = new JsonObject { ["password"] = Secret("weak"), ["recovery_question"] = new JsonObject { ["answer"] = Answer } };
        var error = (await Api.PostAsync($"/api/v1/users/{id}/credentials/forgot_password_recovery_question", weak))
            .ExpectError(HttpStatusCode.Forbidden, "E0000080");
        Assert.StartsWith("password: Password requirements were not met.", Assert.Single(ApiResponse.Causes(error)), StringComparison.Ordinal);
        (await ChangePasswordAsync(id, Change(ServerFixture.Password, NewPassword))).Expect(HttpStatusCode.OK);
    }
}
