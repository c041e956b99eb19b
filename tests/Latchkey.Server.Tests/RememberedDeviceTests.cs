using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// A sign-on rule's <c>factorPromptMode</c>: <c>DEVICE</c> with <c>rememberDeviceByDefault</c> asks a browser for the
/// second factor once, then not again there until <c>factorLifetime</c> minutes have passed; another browser is asked;
/// <c>ALWAYS</c> asks every time. A remembered browser never lowers what the app asks for itself (<c>acr_values</c>).
/// </summary>
public sealed class RememberedDeviceTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private async Task<(string Login, string Secret, string UserId)> PersonWithIdAsync(string promptMode)
    {
        var (login, secret) = await PersonAsync(promptMode);
        return (login, secret, ServerFixture.Id((await server.Api.GetAsync($"/api/v1/users/{Uri.EscapeDataString(login)}")).Expect(HttpStatusCode.OK).Object));
    }

    private async Task<(string Login, string Secret)> PersonAsync(string promptMode)
    {
        var group = ServerFixture.Id(await server.CreateGroupAsync());
        var policy = (await server.Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "OKTA_SIGN_ON", ["name"] = $"Prompt {group}", ["status"] = "ACTIVE", ["priority"] = 1,
            ["conditions"] = new JsonObject { ["people"] = new JsonObject { ["groups"] = new JsonObject { ["include"] = new JsonArray(group) } } },
        })).Expect(HttpStatusCode.OK).Object;
        (await server.Api.PostAsync($"/api/v1/policies/{policy["id"]}/rules", new JsonObject
        {
            ["type"] = "SIGN_ON", ["name"] = promptMode, ["priority"] = 1,
            ["actions"] = new JsonObject
            {
                ["signon"] = new JsonObject
                {
                    ["access"] = "ALLOW", ["requireFactor"] = true, ["factorPromptMode"] = promptMode, ["rememberDeviceByDefault"] = true, ["factorLifetime"] = 30,
                },
            },
        })).Expect(HttpStatusCode.OK);
        var user = await server.CreateUserAsync();
        (await server.Api.PutAsync($"/api/v1/groups/{group}/users/{ServerFixture.Id(user)}", null)).Expect(HttpStatusCode.NoContent);
        return ((string)user["profile"]!["login"]!, await DesktopMfaKit.CodeFactorAsync(server, ServerFixture.Id(user)));
    }

    /// <summary>identify and password; true when that was enough (a session), false when a second factor is asked.</summary>
    private static async Task<(bool Done, string Handle, JsonObject Idx)> PasswordAsync(SignInClient client, string login, string? acr = null)
    {
        var start = (await client.IdxAsync("/idp/idx/introspect", acr is null ? null : new JsonObject { ["acr_values"] = acr })).Expect(HttpStatusCode.OK);
        var handle = (string)start.Object["stateHandle"]!;
        (await client.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        var idx = (await client.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        return (idx["success"] is not null, handle, idx);
    }

    private async Task SecondFactorAsync(SignInClient client, string handle, JsonObject idx, string secret)
    {
        var id = (string)idx["authenticators"]!["value"]!.AsArray().Single(a => (string?)a!["key"] == "google_otp")!["id"]!;
        (await client.IdxAsync("/idp/idx/challenge", new JsonObject { ["authenticator"] = new JsonObject { ["id"] = id }, ["stateHandle"] = handle }))
            .Expect(HttpStatusCode.OK);
        Assert.NotNull((await client.AnswerAsync(handle, DesktopMfaKit.CodeNow(server, secret))).Expect(HttpStatusCode.OK).Object["success"]);
        server.Time.Advance(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Device_mode_asks_a_browser_once_then_not_until_the_factor_lifetime_has_passed_and_always_asks_other_browsers()
    {
        var (login, secret) = await PersonAsync("DEVICE");
        using var browser = new SignInClient(server);
        var first = await PasswordAsync(browser, login);
        Assert.False(first.Done);
        await SecondFactorAsync(browser, first.Handle, first.Idx, secret);

        var again = await PasswordAsync(browser, login);
        using var other = new SignInClient(server);
        var elsewhere = await PasswordAsync(other, login);
        var stepUp = await PasswordAsync(browser, login, "urn:okta:loa:2fa:any");
        server.Time.Advance(TimeSpan.FromMinutes(31));
        var later = await PasswordAsync(browser, login);

        Assert.True(again.Done);
        Assert.False(elsewhere.Done);
        Assert.False(stepUp.Done);
        Assert.False(later.Done);
    }

    [Fact]
    public async Task Always_mode_asks_every_time_even_in_a_browser_that_proved_a_factor()
    {
        var (login, secret) = await PersonAsync("ALWAYS");
        using var browser = new SignInClient(server);
        var first = await PasswordAsync(browser, login);
        await SecondFactorAsync(browser, first.Handle, first.Idx, secret);

        Assert.False((await PasswordAsync(browser, login)).Done);
        Assert.DoesNotContain(browser.Cookies.GetAllCookies(), c => c.Name == "lk_dt");
    }

    [Fact]
    public async Task Clearing_the_persons_sessions_forgets_remembered_browsers_unless_forget_devices_is_false()
    {
        var (login, secret, userId) = await PersonWithIdAsync("DEVICE");
        using var browser = new SignInClient(server);
        var first = await PasswordAsync(browser, login);
        await SecondFactorAsync(browser, first.Handle, first.Idx, secret);

        (await server.Api.DeleteAsync($"/api/v1/users/{userId}/sessions?forgetDevices=false")).Expect(HttpStatusCode.NoContent);
        var kept = await PasswordAsync(browser, login);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        (await server.Api.DeleteAsync($"/api/v1/users/{userId}/sessions")).Expect(HttpStatusCode.NoContent);
        var forgotten = await PasswordAsync(browser, login);

        Assert.True(kept.Done);
        Assert.False(forgotten.Done);
    }
}
