namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>
/// A browser test: a fresh context (no cookies) and page per test at a fixed 1280x800 viewport, pages opened at the
/// demo server's <c>http://localhost:PORT</c>, and the steps every test shares (sign in by keyboard, read the alert region).
/// </summary>
public abstract class BrowserTest(DemoServer server, BrowserFixture browser) : IAsyncLifetime
{
    protected DemoServer Server { get; } = server;

    protected IBrowserContext Context { get; private set; } = null!;

    protected IPage Page { get; private set; } = null!;

    public virtual async ValueTask InitializeAsync() => await OpenAsync(javaScript: true);

    /// <summary>Replaces this test's context and page with fresh ones in which pages run no script (a browser with JavaScript off).</summary>
    protected async Task OpenWithoutJavaScriptAsync()
    {
        await Context.CloseAsync();
        await OpenAsync(javaScript: false);
    }

    private async Task OpenAsync(bool javaScript)
    {
        Context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = "UTC",
            JavaScriptEnabled = javaScript,
        });
        // Generous limits: the machine running the suite may be busy with other builds; a passing step takes far less.
        Context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(20_000);
        Page = await Context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Gives the page a security key: Chromium's virtual WebAuthn authenticator over CDP (CTAP2 over USB, with user
    /// verification, presence simulated). Returns the CDP session and the authenticator's id, to read what it holds.
    /// </summary>
    protected async Task<(ICDPSession Cdp, string AuthenticatorId)> AddVirtualSecurityKeyAsync(bool residentKey)
    {
        var cdp = await Context.NewCDPSessionAsync(Page);
        await cdp.SendAsync("WebAuthn.enable");
        var added = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "usb", ["hasResidentKey"] = residentKey, ["hasUserVerification"] = true,
                ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });
        return (cdp, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    /// <summary>The URL of a path on the server as the browser sees it.</summary>
    protected string Url(string path) => new Uri(Server.BaseUrl, path).ToString();

    /// <summary>Signs in on the page that is open (the sign-in page) with the keyboard only: type, Enter, type, Enter.</summary>
    protected async Task SignInByKeyboardAsync(string login, string password)
    {
        await Expect(Page.GetByLabel("Username")).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(login);
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.GetByLabel("Password", new() { Exact = true })).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(password);
        await Page.Keyboard.PressAsync("Enter");
    }

    /// <summary>Opens <c>/</c> (or <paramref name="path"/>) and signs in; waits for the page after the sign-in.</summary>
    protected async Task SignInAsync(Credential who, string path = "/")
    {
        await Page.GotoAsync(path);
        await Page.GetByLabel("Username").FillAsync(who.Login);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(who.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // The password step was the answer to the username post; what follows is the password step again (refused, at
        // ?handler=Password) or the page the sign-in leads to: wait until that has loaded.
        await Page.WaitForURLAsync(url => !url.Contains("handler=Identify", StringComparison.Ordinal));
    }

    protected ILocator Alert => Page.Locator("#alert[role=alert]");

    protected static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    protected static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    /// <summary>The path of the page now open (no query).</summary>
    protected string CurrentPath => new Uri(Page.Url).AbsolutePath;
}
