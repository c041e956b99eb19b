using System.Net;
using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>One page as the browser got it: the status, the HTML, and where a redirect pointed.</summary>
public sealed partial record WebPage(HttpStatusCode Status, string Html, string? Location)
{
    /// <summary>The antiforgery token of the page's forms (every form carries the same one).</summary>
    public string Csrf => CsrfField().Match(Html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
        : throw new InvalidOperationException($"No __csrf field on the page ({(int)Status}): {Html[..Math.Min(Html.Length, 400)]}");

    /// <summary>The text of the alert region (empty when there is no error).</summary>
    public string Alert => Region("alert");

    /// <summary>The text of the status region.</summary>
    public string StatusMessage => Region("status");

    /// <summary>The value of a hidden or text input by its name.</summary>
    public string? Field(string name) =>
        Regex.Match(Html, $"""name="{Regex.Escape(name)}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{Regex.Escape(name)}" """.TrimEnd())
            is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) : null;

    /// <summary>The value of the read-only input labelled by <paramref name="id"/> (a one-time secret).</summary>
    public string? InputValue(string id) =>
        Regex.Match(Html, $"""id="{Regex.Escape(id)}"[^>]*value="([^"]*)" """.TrimEnd()) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    /// <summary>Whether a button with this text is on the page (controls are found by their label, as a person finds them).</summary>
    public bool HasButton(string text) => Regex.IsMatch(Html, $@"<button[^>]*>\s*{Regex.Escape(text)}\s*</button>");

    /// <summary>Whether a label with this text is on the page.</summary>
    public bool HasLabel(string text) => Regex.IsMatch(Html, $@"<label[^>]*>\s*{Regex.Escape(text)}\s*</label>");

    /// <summary>How many forms post to a handler of the page (any changing control).</summary>
    public int PostForms => Regex.Matches(Html, @"<form\b[^>]*method=""post""[^>]*>").Count(m => !m.Value.Contains("/signout", StringComparison.Ordinal));

    private string Region(string role) =>
        Regex.Match(Html, $"""<div id="{role}" role="{role}"[^>]*>(.*?)</div>""", RegexOptions.Singleline) is { Success: true } m
            ? WebUtility.HtmlDecode(m.Groups[1].Value).Trim() : "";

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}

/// <summary>
/// A browser without JavaScript for the web pages: it keeps cookies (the <c>sid</c> session, the antiforgery cookie), posts
/// forms with their antiforgery token, and does not follow redirects (tests look at them, then follow them).
/// </summary>
public sealed class ConsoleBrowser : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleBrowser(ServerFixture server)
    {
        var handler = new SocketsHttpHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false };
        _http = new HttpClient(handler) { BaseAddress = server.Api.BaseAddress };
    }

    public CookieContainer Cookies { get; } = new();

    public async Task<WebPage> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path, TestContext.Current.CancellationToken);
        return await ReadAsync(response);
    }

    /// <summary>Posts a form as the page <paramref name="from"/> would (its antiforgery token added).</summary>
    public Task<WebPage> PostAsync(string path, WebPage from, params (string Name, string Value)[] fields) =>
        PostRawAsync(path, [("__csrf", from.Csrf), .. fields]);

    public async Task<WebPage> PostRawAsync(string path, IEnumerable<(string Name, string Value)> fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var response = await _http.PostAsync(path, content, TestContext.Current.CancellationToken);
        return await ReadAsync(response);
    }

    /// <summary>Posts, then follows a redirect (post-redirect-get) and returns the page it lands on.</summary>
    public async Task<WebPage> SubmitAsync(string path, WebPage from, params (string Name, string Value)[] fields)
    {
        var answer = await PostAsync(path, from, fields);
        return answer.Status == HttpStatusCode.Redirect && answer.Location is { } location ? await GetAsync(location) : answer;
    }

    /// <summary>Signs in through the sign-in page's two forms (username, then password); true when a session cookie was set.</summary>
    public async Task<bool> SignInAsync(string username, string password)
    {
        var start = await GetAsync("/");
        var passwordStep = await PostAsync("/?handler=Identify", start, ("username", username));
        var done = await PostAsync("/?handler=Password", passwordStep,
            ("stateHandle", passwordStep.Field("stateHandle") ?? ""), ("password", password));
        return done.Status == HttpStatusCode.Redirect && Cookies.GetCookies(_http.BaseAddress!)["sid"] is not null;
    }

    private static async Task<WebPage> ReadAsync(HttpResponseMessage response) =>
        new(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken),
            response.Headers.Location?.OriginalString);

    public void Dispose() => _http.Dispose();
}
