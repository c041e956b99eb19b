using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 7 on the sign-in page (server-rendered, without script): with <c>?acr_values=urn:okta:loa:2fa:any</c> the
/// password leads to a choice of the user's authenticators, then a code form or a push with the number to tap; the session
/// comes only after the factor. The page's script asks <c>?handler=PushStatus</c>, which changes nothing.
/// </summary>
public sealed class SignInPageSecondFactorTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private async Task<(TestDevice Device, string Login)> EnrolledAsync()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(30));
        return (device, login);
    }

    private static async Task<PageResponse> PasswordAsync(PageClient page, string login)
    {
        var start = await page.GetAsync("/?acr_values=urn:okta:loa:2fa:any");
        Assert.Equal("urn:okta:loa:2fa:any", start.Field("acr_values"));
        var identify = await page.PostAsync("/?handler=Identify", start, ("username", login), ("acr_values", start.Field("acr_values")!));
        Assert.True(identify.IsPasswordStep, identify.Describe());
        return await page.PostAsync("/?handler=Password", identify, ("stateHandle", identify.Field("stateHandle")!), ("password", ServerFixture.Password));
    }

    private static string Choice(PageResponse page, string method) =>
        System.Text.RegularExpressions.Regex.Match(page.Html, $@"value=""(aut[A-Za-z0-9]+:{method})""").Groups[1].Value;

    private static bool SignedIn(PageClient page) => page.Cookies.GetCookies(page.BaseAddress)["sid"] is not null;

    [Fact]
    public async Task A_code_after_the_password_signs_in_and_a_wrong_one_is_announced()
    {
        var (device, login) = await EnrolledAsync();
        using var page = new PageClient(server);
        var select = await PasswordAsync(page, login);
        Assert.Equal(HttpStatusCode.OK, select.Status);
        Assert.Contains("Verify it's you with a second factor", select.Html, StringComparison.Ordinal);
        Assert.Contains("Test laptop", select.Html, StringComparison.Ordinal);
        Assert.False(SignedIn(page));

        var code = await page.PostAsync("/?handler=Choose", select, ("stateHandle", select.Field("stateHandle")!), ("choice", Choice(select, "totp")));
        Assert.True(code.HasLabel("Enter the code from Okta Verify"), code.Describe());

        var wrong = await page.PostAsync("/?handler=Code", code, ("stateHandle", code.Field("stateHandle")!), ("code", "000000"));
        Assert.Equal("Invalid code. Try again.", wrong.Alert);
        Assert.False(SignedIn(page));

        var secret = Base32Encoding.ToBytes((string)device.Enrollment!["methods"]!.AsArray().Single(m => (string?)m!["type"] == "totp")!["sharedSecret"]!);
        var right = TotpVerifier.Code(secret, TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);
        var done = await page.PostAsync("/?handler=Code", wrong, ("stateHandle", wrong.Field("stateHandle")!), ("code", right[..3] + " " + right[3..]));
        Assert.Equal(HttpStatusCode.Redirect, done.Status);
        Assert.Equal("/app/UserHome", done.Location);
        Assert.True(SignedIn(page));
        device.Dispose();
    }

    [Fact]
    public async Task A_push_shows_the_number_and_the_status_check_changes_nothing_until_the_device_answers()
    {
        var (device, login) = await EnrolledAsync();
        using var page = new PageClient(server);
        var select = await PasswordAsync(page, login);
        var wait = await page.PostAsync("/?handler=Choose", select, ("stateHandle", select.Field("stateHandle")!), ("choice", Choice(select, "push")));
        var number = System.Text.RegularExpressions.Regex.Match(wait.Html, @"id=""push-number""[^>]*>(\d+)<").Groups[1].Value;
        Assert.InRange(int.Parse(number, System.Globalization.CultureInfo.InvariantCulture), 10, 99);
        Assert.Contains("/js/sign-in-push.js", wait.Html, StringComparison.Ordinal);
        var handle = wait.Field("stateHandle")!;

        var status = await page.PostAsync("/?handler=PushStatus", wait, ("stateHandle", handle));
        Assert.True((bool)JsonNode.Parse(status.Html)!["waiting"]!);
        var early = await page.PostAsync("/?handler=Poll", wait, ("stateHandle", handle));
        Assert.Contains("has not been answered yet", early.StatusMessage, StringComparison.Ordinal);
        Assert.False(SignedIn(page));

        var push = (JsonObject)Assert.Single(await device.PendingAsync())!;
        (await device.AnswerAsync(push, approve: true, int.Parse(number, System.Globalization.CultureInfo.InvariantCulture))).Expect(HttpStatusCode.OK);
        status = await page.PostAsync("/?handler=PushStatus", early, ("stateHandle", handle));
        Assert.False((bool)JsonNode.Parse(status.Html)!["waiting"]!);
        Assert.False(SignedIn(page)); // the status check only looks

        var done = await page.PostAsync("/?handler=Poll", early, ("stateHandle", handle));
        Assert.Equal(HttpStatusCode.Redirect, done.Status);
        Assert.True(SignedIn(page));
        device.Dispose();
    }

    [Fact]
    public async Task A_denied_push_returns_to_the_choice_with_the_reason_in_the_alert()
    {
        var (device, login) = await EnrolledAsync();
        using var page = new PageClient(server);
        var select = await PasswordAsync(page, login);
        var wait = await page.PostAsync("/?handler=Choose", select, ("stateHandle", select.Field("stateHandle")!), ("choice", Choice(select, "push")));
        (await device.AnswerAsync((JsonObject)(await device.PendingAsync())[0]!, approve: false)).Expect(HttpStatusCode.OK);
        var denied = await page.PostAsync("/?handler=Poll", wait, ("stateHandle", wait.Field("stateHandle")!));
        Assert.Equal("The push was denied on your device. Choose how to verify again.", denied.Alert);
        Assert.Contains("Verify it's you with a second factor", denied.Html, StringComparison.Ordinal);
        Assert.False(SignedIn(page));
        device.Dispose();
    }

    private static string EnrollOption(PageResponse page, string label) =>
        System.Text.RegularExpressions.Regex.Match(page.Html, $@"name=""enroll"" value=""(aut[A-Za-z0-9]+)""[^>]*/>\s*<label[^>]*>{label}").Groups[1].Value;

    [Fact]
    public async Task Without_factors_the_page_sets_up_a_code_authenticator_whose_first_code_signs_in()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        using var page = new PageClient(server);
        var select = await PasswordAsync(page, login);
        Assert.Contains("This sign-in needs a second factor. Set one up", select.Html, StringComparison.Ordinal);
        Assert.False(SignedIn(page));
        var google = EnrollOption(page: select, "Google Authenticator");
        Assert.NotEqual("", google);

        var setup = await page.PostAsync("/?handler=Enroll", select, ("stateHandle", select.Field("stateHandle")!), ("enroll", google));
        Assert.True(setup.HasLabel("Code from the app"), setup.Describe());
        Assert.Contains("src=\"data:image/png;base64,", setup.Html, StringComparison.Ordinal);
        var secret = System.Text.RegularExpressions.Regex.Match(setup.Html, @"id=""shared-secret"">([A-Z2-7]+)<").Groups[1].Value;
        Assert.Equal(32, secret.Length);

        var wrong = await page.PostAsync("/?handler=Code", setup, ("stateHandle", setup.Field("stateHandle")!), ("code", "000000"));
        Assert.Equal("Invalid code. Try again.", wrong.Alert);
        Assert.Contains(secret, wrong.Html, StringComparison.Ordinal);
        var right = TotpVerifier.Code(Base32Encoding.ToBytes(secret), TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);
        var done = await page.PostAsync("/?handler=Code", wrong, ("stateHandle", wrong.Field("stateHandle")!), ("code", right));
        Assert.Equal(HttpStatusCode.Redirect, done.Status);
        Assert.True(SignedIn(page));
    }

    [Fact]
    public async Task Without_factors_the_page_shows_the_apps_activation_command_and_continues_once_the_app_enrolled()
    {
        var login = (string)(await server.CreateUserAsync())["profile"]!["login"]!;
        using var page = new PageClient(server);
        var select = await PasswordAsync(page, login);
        var setup = await page.PostAsync("/?handler=Enroll", select, ("stateHandle", select.Field("stateHandle")!),
            ("enroll", EnrollOption(select, "Okta Verify")));
        var link = System.Net.WebUtility.HtmlDecode(
            System.Text.RegularExpressions.Regex.Match(setup.Html, @"latchkey-verify enroll --link '([^']+)'").Groups[1].Value);
        Assert.StartsWith("latchkey-verify://enroll?", link);
        Assert.Contains("/js/sign-in-push.js", setup.Html, StringComparison.Ordinal);
        var handle = setup.Field("stateHandle")!;
        Assert.True((bool)JsonNode.Parse((await page.PostAsync("/?handler=EnrollStatus", setup, ("stateHandle", handle))).Html)!["waiting"]!);
        var early = await page.PostAsync("/?handler=EnrollPoll", setup, ("stateHandle", handle));
        Assert.Contains("has not been set up yet", early.Html, StringComparison.Ordinal);
        Assert.False(SignedIn(page));

        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollWithLinkAsync(link)).Expect(HttpStatusCode.OK);
        Assert.False((bool)JsonNode.Parse((await page.PostAsync("/?handler=EnrollStatus", early, ("stateHandle", handle))).Html)!["waiting"]!);
        var done = await page.PostAsync("/?handler=EnrollPoll", early, ("stateHandle", handle));
        Assert.Equal(HttpStatusCode.Redirect, done.Status);
        Assert.True(SignedIn(page));
    }
}
