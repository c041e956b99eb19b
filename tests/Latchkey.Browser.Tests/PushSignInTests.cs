using System.Globalization;
using System.Text.RegularExpressions;
using Latchkey.Browser.Tests.Infrastructure;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;

namespace Latchkey.Browser.Tests;

/// <summary>
/// The sign-in page's second factor with the authenticator app, in Chromium (<c>?acr_values=urn:okta:loa:2fa:any</c>):
/// the user's device is enrolled by latchkey-verify's own library (<see cref="AuthenticatorApp"/>, a software device
/// key), which receives the push and signs its answer with the number it picks. The page shows the number to pick and,
/// with script, moves on by itself once the push is answered; without script its button asks, and the keyboard is enough.
/// </summary>
public sealed class PushSignInTests(DemoServer server, BrowserFixture browser) : BrowserTest(server, browser), IClassFixture<BrowserFixture>
{
    private const string TwoFactorSignIn = "/?acr_values=urn:okta:loa:2fa:any";
    private const string DeviceName = "Test phone";

    [Fact]
    public async Task A_push_approved_with_the_number_shown_on_the_page_takes_the_page_to_the_dashboard_by_itself()
    {
        using var home = new AppHome();
        var (app, account, login, number) = await PushShownAsync(home);
        await Expect(Page.GetByText($"A push notification was sent to {DeviceName}.")).ToBeVisibleAsync();

        var push = await PushReceivedAsync(app, account);
        Assert.True(push.NumberChallenge);
        Assert.Equal(login, push.Context.Login);
        // The number on the page is the one the app must pick: the server takes it as the right answer.
        Assert.Equal("SUCCESS", await app.AnswerAsync(account, push, approve: true, number, Ct));

        // Nobody touches the page: its script sees the answer and finishes the sign-in.
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My apps", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_denied_push_returns_the_page_to_the_choice_with_the_reason_and_a_code_from_the_app_then_signs_in()
    {
        using var home = new AppHome();
        var (app, account, _, _) = await PushShownAsync(home);

        Assert.Equal("REJECTED", await app.AnswerAsync(account, await PushReceivedAsync(app, account), approve: false, null, Ct));
        await Expect(Alert).ToHaveTextAsync("The push was denied on your device. Choose how to verify again.");
        await Expect(Choices).ToBeVisibleAsync();
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "sid");

        await ChooseAsync("enter a code");
        await Page.GetByLabel("Enter the code from Okta Verify").FillAsync(app.Code(account).Code);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
    }

    [Fact]
    public async Task A_wrong_number_picked_in_the_app_is_refused_and_the_page_says_so_without_signing_in()
    {
        using var home = new AppHome();
        var (app, account, _, number) = await PushShownAsync(home);
        var push = await PushReceivedAsync(app, account);

        var wrong = number == 99 ? 10 : number + 1;
        var refused = await Assert.ThrowsAsync<VerifyException>(() => app.AnswerAsync(account, push, approve: true, wrong, Ct));
        Assert.Contains("number was wrong", refused.Message, StringComparison.Ordinal);
        await Expect(Alert).ToContainTextAsync("The push was denied on your device.");
        await Expect(Choices).ToBeVisibleAsync();
        Assert.NotEqual("/app/UserHome", CurrentPath);
        Assert.DoesNotContain(await Context.CookiesAsync(), c => c.Name == "sid");

        // The push is spent: the right number afterwards does not bring it back.
        await Assert.ThrowsAsync<VerifyException>(() => app.AnswerAsync(account, push, approve: true, number, Ct));
    }

    [Fact]
    public async Task Without_javascript_the_push_is_finished_with_the_keyboard_and_the_button_that_checks_for_the_answer()
    {
        using var home = new AppHome();
        var (app, account, login) = await EnrolledAsync(home);
        await OpenWithoutJavaScriptAsync();
        await Page.GotoAsync(TwoFactorSignIn);
        await SignInByKeyboardAsync(login, DemoServer.Password);

        // The first choice (the push) has the focus and is chosen: Enter sends it.
        var push = Page.GetByLabel("get a push notification");
        await Expect(push).ToBeFocusedAsync();
        await Expect(push).ToBeCheckedAsync();
        await Page.Keyboard.PressAsync("Enter");
        var number = await ShownNumberAsync();

        // Asked before the app answered, the button says so and the page stays at the push.
        var check = Page.GetByRole(AriaRole.Button, new() { Name = "I answered it, continue" });
        await TabToAsync(check);
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("The push has not been answered yet.");
        Assert.Equal(number, await ShownNumberAsync());

        Assert.Equal("SUCCESS", await app.AnswerAsync(account, await PushReceivedAsync(app, account), approve: true, number, Ct));
        // Without script nothing moves the page (the script would have looked after two seconds).
        await Page.WaitForTimeoutAsync(3_000);
        Assert.Equal("/", CurrentPath);
        await TabToAsync(check);
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page).ToHaveURLAsync(Url("/app/UserHome"));
    }

    [Fact]
    public async Task The_choices_sit_beside_their_labels_and_the_number_is_big_bold_and_read_once()
    {
        using var home = new AppHome();
        await AtTheChoiceAsync(home);
        foreach (var method in new[] { "get a push notification", "enter a code" })
        {
            var label = Page.Locator("label").Filter(new() { HasText = method });
            var radio = Page.GetByRole(AriaRole.Radio, new() { Name = $"Okta Verify: {method} ({DeviceName})", Exact = true });
            var (r, l) = (await radio.BoundingBoxAsync(), await label.BoundingBoxAsync());
            Assert.True(r is not null && l is not null, $"the choice '{method}' is not shown");
            Assert.True(l.X >= r.X + r.Width && l.Y < r.Y + r.Height && r.Y < l.Y + l.Height,
                $"the label of '{method}' is not beside its radio button: radio {r.X},{r.Y} {r.Width}x{r.Height}, label {l.X},{l.Y} {l.Width}x{l.Height}");
        }

        await Accessibility.AssertNoSeriousViolationsAsync(Page);

        await ChooseAsync("get a push notification");
        var number = await ShownNumberAsync();
        var shown = Page.Locator("#push-number");
        var weight = await shown.EvaluateAsync<string>("e => getComputedStyle(e).fontWeight");
        var size = await shown.EvaluateAsync<string>("e => getComputedStyle(e).fontSize");
        var text = await Page.GetByText("On your device, tap this number:").EvaluateAsync<string>("e => getComputedStyle(e).fontSize");
        Assert.True(int.Parse(weight, CultureInfo.InvariantCulture) >= 700, $"the number's font weight is {weight}");
        Assert.True(Pixels(size) >= 2 * Pixels(text), $"the number is {size}, the text around it {text}");

        // A screen reader meets the number once, after the words that say what to do with it: Chromium's own
        // accessibility tree gives the number no name of its own beside its text (which would be read as well).
        Assert.Single(Regex.Matches(await Page.Locator("main").AriaSnapshotAsync(), $@"\b{number}\b"));
        Assert.Contains(await ChromiumNameAsync("#push-number"), new[] { "", number.ToString(CultureInfo.InvariantCulture) });
        await Accessibility.AssertNoSeriousViolationsAsync(Page);
    }

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private ILocator Choices => Page.GetByRole(AriaRole.Group, new() { Name = "Verify it's you with a second factor" });

    /// <summary>A new user whose device the app enrolls (push, FastPass and TOTP factors), as a person does before signing in with it.</summary>
    private async Task<(AuthenticatorApp App, AccountRecord Account, string Login)> EnrolledAsync(AppHome home)
    {
        var (_, login) = await Server.CreateUserAsync();
        var app = new AuthenticatorApp(new VerifyHome(home.Path));
        var device = new DeviceDescription("LINUX", "6.1", DeviceName, Manufacturer: null, Model: null, SerialNumber: null);
        var account = await app.EnrollAsync($"http://127.0.0.1:{Server.BaseUrl.Port}", login, DemoServer.Password, device, Ct);
        return (app, account, login);
    }

    /// <summary>An enrolled user who signed in with the password where a second factor is asked for: the page offers the choices.</summary>
    private async Task<(AuthenticatorApp App, AccountRecord Account, string Login)> AtTheChoiceAsync(AppHome home)
    {
        var enrolled = await EnrolledAsync(home);
        await SignInAsync(new Credential(enrolled.Login, DemoServer.Password), TwoFactorSignIn);
        await Expect(Choices).ToBeVisibleAsync();
        return enrolled;
    }

    /// <summary>As <see cref="AtTheChoiceAsync"/>, then the push chosen: the page shows the number to pick.</summary>
    private async Task<(AuthenticatorApp App, AccountRecord Account, string Login, int Number)> PushShownAsync(AppHome home)
    {
        var (app, account, login) = await AtTheChoiceAsync(home);
        await ChooseAsync("get a push notification");
        return (app, account, login, await ShownNumberAsync());
    }

    /// <summary>Chooses the app's <paramref name="method"/> at the select-authenticator step and continues.</summary>
    private async Task ChooseAsync(string method)
    {
        await Page.GetByLabel($"Okta Verify: {method} ({DeviceName})", new() { Exact = true }).CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
    }

    /// <summary>The number the push step shows (two digits).</summary>
    private async Task<int> ShownNumberAsync()
    {
        var shown = Page.Locator("#push-number");
        await Expect(shown).ToHaveTextAsync(new Regex(@"^\s*[1-9][0-9]\s*$"));
        return int.Parse((await shown.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The one push waiting on the device (the app's long poll waits for it to arrive).</summary>
    private async Task<PendingPush> PushReceivedAsync(AuthenticatorApp app, AccountRecord account) =>
        Assert.Single(await app.PendingAsync(account, waitSeconds: 20, Ct));

    /// <summary>Moves the focus with Tab, as a keyboard user does, until <paramref name="target"/> has it.</summary>
    private async Task TabToAsync(ILocator target)
    {
        for (var presses = 0; presses < 12; presses++)
        {
            await Page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail("Tab never reached the control");
    }

    /// <summary>The accessible name Chromium gives the element at <paramref name="selector"/> (what a screen reader is handed).</summary>
    private async Task<string> ChromiumNameAsync(string selector)
    {
        var cdp = await Context.NewCDPSessionAsync(Page);
        var document = await cdp.SendAsync("DOM.getDocument");
        var node = await cdp.SendAsync("DOM.querySelector", new Dictionary<string, object>
        {
            ["nodeId"] = document!.Value.GetProperty("root").GetProperty("nodeId").GetInt32(), ["selector"] = selector,
        });
        var tree = await cdp.SendAsync("Accessibility.getPartialAXTree", new Dictionary<string, object>
        {
            ["nodeId"] = node!.Value.GetProperty("nodeId").GetInt32(), ["fetchRelatives"] = false,
        });
        var ax = tree!.Value.GetProperty("nodes")[0];
        return ax.TryGetProperty("name", out var name) && name.TryGetProperty("value", out var value) ? value.GetString() ?? "" : "";
    }

    private static double Pixels(string cssLength) => double.Parse(cssLength.Replace("px", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
}
