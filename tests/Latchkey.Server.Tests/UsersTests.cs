using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>okta-api.md sections 0.2, 0.3 and 2: creating, reading and changing users.</summary>
public sealed class UsersTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string PolicyMessage = "password: Password requirements were not met. Password requirements: at least 8 characters, "
        + "a lowercase letter, an uppercase letter, a number, no parts of your username. Your password cannot be any of your last 4 passwords.";

    private ApiClient Api => server.Api;

    private static JsonObject WithPassword(JsonObject profile, string password = ServerFixture.Password) => new()
    {
        ["profile"] = profile,
        ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = password } },
    };

    private static string NewLogin() => $"user.{ServerFixture.Unique()}@example.com";

    [Fact]
    public async Task Creating_a_user_with_a_password_and_default_activation_makes_it_active()
    {
        var login = NewLogin();
        var user = (await Api.PostAsync("/api/v1/users", WithPassword(ServerFixture.Profile(login)))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)user["status"]);
        Assert.Equal(login, (string?)user["profile"]!["login"]);
        Assert.NotNull(user["credentials"]!["password"]);
        Assert.Empty(user["credentials"]!["password"]!.AsObject());
        Assert.Equal("OKTA", (string?)user["credentials"]!["provider"]!["type"]);
        Wire.AssertDate(user["activated"], "activated");
        Assert.DoesNotContain(ServerFixture.Password, ApiResponse.Compact(user), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_user_with_a_password_and_activate_true_makes_it_active()
    {
        var user = (await Api.PostAsync("/api/v1/users?activate=true", WithPassword(ServerFixture.Profile(NewLogin())))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("ACTIVE", (string?)user["status"]);
    }

    [Fact]
    public async Task Creating_a_user_without_a_password_and_activate_true_makes_it_provisioned()
    {
        var user = (await Api.PostAsync("/api/v1/users?activate=true", new JsonObject { ["profile"] = ServerFixture.Profile(NewLogin()) }))
            .Expect(HttpStatusCode.OK).Object;
        Assert.Equal("PROVISIONED", (string?)user["status"]);
        Assert.Null(user["credentials"]!["password"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Creating_a_user_with_activate_false_makes_it_staged(bool withPassword)
    {
        var user = await server.CreateUserAsync(withPassword: withPassword, activate: false);
        Assert.Equal("STAGED", (string?)user["status"]);
        Assert.NotNull(user["_links"]!["activate"]);
    }

    [Theory]
    [InlineData("firstName", "firstName: The field cannot be left blank")]
    [InlineData("lastName", "lastName: The field cannot be left blank")]
    [InlineData("email", "email: The field cannot be left blank")]
    [InlineData("login", "login: The field cannot be left blank")]
    public async Task A_missing_required_attribute_is_named_in_the_validation_error(string field, string cause)
    {
        var profile = ServerFixture.Profile(NewLogin());
        profile.Remove(field);
        var error = (await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = profile }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal($"Api validation failed: {field}", (string?)error["errorSummary"]);
        Assert.Equal([cause], ApiResponse.Causes(error));
    }

    [Fact]
    public async Task A_login_that_is_not_an_email_address_is_named_in_the_validation_error()
    {
        var profile = ServerFixture.Profile("not-an-email");
        profile["email"] = $"{ServerFixture.Unique()}@example.com";
        var error = (await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = profile }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: login", (string?)error["errorSummary"]);
        Assert.Equal(["login: Username must be in the form of an email address"], ApiResponse.Causes(error));
    }

    [Fact]
    public async Task A_malformed_email_is_named_in_the_validation_error()
    {
        var profile = ServerFixture.Profile(NewLogin());
        profile["email"] = "nope";
        var error = (await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = profile }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: email", (string?)error["errorSummary"]);
        Assert.Equal(["email: Does not match required pattern"], ApiResponse.Causes(error));
    }

    [Fact]
    public async Task Several_bad_fields_are_each_named_in_a_cause()
    {
        var error = (await Api.PostAsync("/api/v1/users", new JsonObject { ["profile"] = new JsonObject { ["login"] = "x" } }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var causes = ApiResponse.Causes(error);
        Assert.Contains("login: Username must be in the form of an email address", causes);
        Assert.Contains("email: The field cannot be left blank", causes);
        Assert.Contains("firstName: The field cannot be left blank", causes);
        Assert.Contains("lastName: The field cannot be left blank", causes);
    }

    [Fact]
    public async Task A_duplicate_login_in_another_case_is_refused_with_E0000001_naming_login()
    {
        var local = ServerFixture.Unique();
        await server.CreateUserAsync($"{local}.Dup@Example.com");
        var response = await Api.PostAsync("/api/v1/users", WithPassword(ServerFixture.Profile($"{local.ToUpperInvariant()}.dup@example.COM")));
        var error = response.ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: login", (string?)error["errorSummary"]);
        Assert.Equal(["login: An object with this field already exists in the current organization"], ApiResponse.Causes(error));
    }

    [Fact]
    public async Task Renaming_a_user_to_a_taken_login_is_refused_with_E0000001_naming_login()
    {
        var taken = await server.CreateUserAsync();
        var other = await server.CreateUserAsync();
        var response = await Api.PostAsync($"/api/v1/users/{ServerFixture.Id(other)}",
            new JsonObject { ["profile"] = new JsonObject { ["login"] = ((string)taken["profile"]!["login"]!).ToUpperInvariant() } });
        var error = response.ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal(["login: An object with this field already exists in the current organization"], ApiResponse.Causes(error));
    }

    [Theory]
    [InlineData("Short1a")]
    [InlineData("alllowercase123")]
    [InlineData("ALLUPPERCASE123")]
    [InlineData("NoDigitsHereAtAll")]
    public async Task A_password_breaking_the_default_policy_is_refused_with_the_policy_message(string password)
    {
        var response = await Api.PostAsync("/api/v1/users", WithPassword(ServerFixture.Profile(NewLogin()), password));
        var error = response.ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: password", (string?)error["errorSummary"]);
        Assert.Equal([PolicyMessage], ApiResponse.Causes(error));
    }

    [Fact]
    public async Task A_password_containing_part_of_the_username_is_refused()
    {
        var local = ServerFixture.Unique(6);
        var response = await Api.PostAsync("/api/v1/users",
            WithPassword(ServerFixture.Profile($"{local}@example.com"), $"X9{local.ToUpperInvariant()}{local}"));
        var error = response.ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: password", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task A_refused_password_creates_no_user()
    {
        var login = NewLogin();
        (await Api.PostAsync("/api/v1/users", WithPassword(ServerFixture.Profile(login), "short"))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task A_user_can_be_read_by_id_by_login_in_any_case_and_by_unambiguous_short_name()
    {
        var local = ServerFixture.Unique();
        var login = $"{local}@example.com";
        var created = await server.CreateUserAsync(login);
        var id = ServerFixture.Id(created);
        foreach (var key in new[] { id, login, login.ToUpperInvariant(), local })
        {
            var found = (await Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(key)}")).Expect(HttpStatusCode.OK);
            Assert.Equal(id, ServerFixture.Id(found.Object));
            Assert.Equal(login, (string?)found.Object["profile"]!["login"]);
            Assert.False(string.IsNullOrEmpty(found.Headers.ETag?.Tag), "GET user returns an ETag");
        }
    }

    [Fact]
    public async Task A_short_name_shared_by_two_logins_finds_nobody()
    {
        var local = ServerFixture.Unique();
        await server.CreateUserAsync($"{local}@example.com");
        await server.CreateUserAsync($"{local}@example.org");
        (await Api.GetAsync($"/api/v1/users/{local}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Me_is_the_admin_who_owns_the_token()
    {
        var me = (await Api.GetAsync("/api/v1/users/me")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(server.Admin.Id, ServerFixture.Id(me));
    }

    [Fact]
    public async Task An_unknown_user_is_404_E0000007_with_the_real_summary()
    {
        var error = (await Api.GetAsync("/api/v1/users/00uNoSuchUser0000000")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Equal("Not found: Resource not found: 00uNoSuchUser0000000 (User)", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task A_partial_update_merges_the_profile()
    {
        var user = await server.CreateUserAsync(extraProfile: new JsonObject { ["nickName"] = "Nick", ["title"] = "Engineer" });
        var id = ServerFixture.Id(user);
        var updated = (await Api.PostAsync($"/api/v1/users/{id}",
                new JsonObject { ["profile"] = new JsonObject { ["title"] = "Manager", ["favoriteColor"] = "teal" } }))
            .Expect(HttpStatusCode.OK).Object;
        var profile = updated["profile"]!;
        Assert.Equal("Manager", (string?)profile["title"]);
        Assert.Equal("Nick", (string?)profile["nickName"]);
        Assert.Equal("teal", (string?)profile["favoriteColor"]);
        Assert.Equal((string?)user["profile"]!["login"], (string?)profile["login"]);
        Assert.Equal("Test", (string?)profile["firstName"]);

        var reread = (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(ApiResponse.Compact(updated["profile"]), ApiResponse.Compact(reread["profile"]));
    }

    [Fact]
    public async Task A_full_replace_removes_the_attributes_it_omits()
    {
        var user = await server.CreateUserAsync(extraProfile: new JsonObject { ["nickName"] = "Nick", ["favoriteColor"] = "teal" });
        var id = ServerFixture.Id(user);
        var login = (string)user["profile"]!["login"]!;
        var replacement = ServerFixture.Profile(login, "Replaced", "Person");
        replacement["title"] = "Director";
        var replaced = (await Api.PutAsync($"/api/v1/users/{id}", new JsonObject { ["profile"] = replacement })).Expect(HttpStatusCode.OK).Object;
        var profile = replaced["profile"]!.AsObject();
        Assert.Equal("Replaced", (string?)profile["firstName"]);
        Assert.Equal("Director", (string?)profile["title"]);
        Assert.False(profile.ContainsKey("nickName"), ApiResponse.Compact(profile));
        Assert.False(profile.ContainsKey("favoriteColor"), ApiResponse.Compact(profile));

        var reread = (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.False(reread["profile"]!.AsObject().ContainsKey("nickName"));
    }

    [Fact]
    public async Task A_full_replace_that_drops_a_required_attribute_is_refused_and_changes_nothing()
    {
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        var profile = ServerFixture.Profile((string)user["profile"]!["login"]!);
        profile.Remove("lastName");
        var error = (await Api.PutAsync($"/api/v1/users/{id}", new JsonObject { ["profile"] = profile }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: lastName", (string?)error["errorSummary"]);
        var reread = (await Api.GetAsync($"/api/v1/users/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Person", (string?)reread["profile"]!["lastName"]);
    }

    [Fact]
    public async Task An_update_advances_last_updated_and_keeps_created()
    {
        var user = await server.CreateUserAsync();
        var id = ServerFixture.Id(user);
        await Task.Delay(5, TestContext.Current.CancellationToken);
        var updated = (await Api.PostAsync($"/api/v1/users/{id}", new JsonObject { ["profile"] = new JsonObject { ["title"] = "New" } }))
            .Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)user["created"], (string?)updated["created"]);
        Assert.True(string.CompareOrdinal((string?)updated["lastUpdated"], (string?)user["lastUpdated"]) > 0,
            $"{updated["lastUpdated"]} after {user["lastUpdated"]}");
    }

    [Fact]
    public async Task A_user_is_in_the_everyone_group_from_creation()
    {
        var user = await server.CreateUserAsync();
        var groups = (await Api.GetAsync($"/api/v1/users/{ServerFixture.Id(user)}/groups")).Expect(HttpStatusCode.OK).Array;
        Assert.Contains(groups, g => (string?)g!["profile"]!["name"] == "Everyone" && (string?)g["type"] == "BUILT_IN");
    }

    [Fact]
    public async Task Creating_a_user_with_group_ids_makes_it_a_member()
    {
        var group = await server.CreateGroupAsync();
        var login = NewLogin();
        var body = WithPassword(ServerFixture.Profile(login));
        body["groupIds"] = new JsonArray(ServerFixture.Id(group));
        var user = (await Api.PostAsync("/api/v1/users", body)).Expect(HttpStatusCode.OK).Object;
        var members = (await Api.GetAsync($"/api/v1/groups/{ServerFixture.Id(group)}/users")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([ServerFixture.Id(user)], members.Select(m => ServerFixture.Id(m!)));
    }

    [Fact]
    public async Task Next_login_change_password_with_a_password_creates_a_user_whose_password_is_expired()
    {
        var user = (await Api.PostAsync("/api/v1/users?activate=true&nextLogin=changePassword", WithPassword(ServerFixture.Profile(NewLogin()))))
            .Expect(HttpStatusCode.OK).Object;
        Assert.Equal("PASSWORD_EXPIRED", (string?)user["status"]);
    }

    [Fact]
    public async Task Next_login_change_password_without_activation_is_400_E0000125()
    {
        var login = NewLogin();
        var error = (await Api.PostAsync("/api/v1/users?activate=false&nextLogin=changePassword", WithPassword(ServerFixture.Profile(login))))
            .ExpectError(HttpStatusCode.BadRequest, "E0000125");
        Assert.NotNull(error);
        (await Api.GetAsync($"/api/v1/users/{ServerFixture.Encode(login)}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Next_login_change_password_without_a_password_is_400_E0000124()
    {
        var error = (await Api.PostAsync("/api/v1/users?activate=true&nextLogin=changePassword", new JsonObject { ["profile"] = ServerFixture.Profile(NewLogin()) }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000124");
        Assert.NotNull(error);
    }
}
