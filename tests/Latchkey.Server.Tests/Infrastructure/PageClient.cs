using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>A page as the server sent it: status, headers (Location, Set-Cookie, the security headers) and the HTML.</summary>
public sealed partial record PageResponse(HttpStatusCode Status, HttpResponseHeaders Headers, string Html)
{
    public string? Location => Headers.Location?.OriginalString;

    public IReadOnlyList<string> SetCookies => Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    /// <summary>The value of a form field (<c>&lt;input name=... value=...&gt;</c>) on the page, or null.</summary>
    public string? Field(string name)
    {
        foreach (Match input in InputTag().Matches(Html))
        {
            if (Regex.Match(input.Value, @"\bname=""([^""]*)""") is { Success: true } n && WebUtility.HtmlDecode(n.Groups[1].Value) == name)
            {
                return Regex.Match(input.Value, @"\bvalue=""([^""]*)""") is { Success: true } v ? WebUtility.HtmlDecode(v.Groups[1].Value) : "";
            }
        }

        return null;
    }

    /// <summary>The text of the <c>role="alert"</c> region (empty when it holds nothing).</summary>
    public string Alert => AlertRegion().Match(Html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value).Trim() : "";

    /// <summary>The sign-in page's username step (a username field and no password field).</summary>
    public bool IsUsernameStep => Html.Contains("id=\"username\"", StringComparison.Ordinal) && !Html.Contains("id=\"password\"", StringComparison.Ordinal);

    public bool IsPasswordStep => Html.Contains("id=\"password\"", StringComparison.Ordinal);

    public string Describe() => $"{(int)Status} {Location} {Html}";

    /// <summary>The antiforgery token of the page's forms (every form carries the same one).</summary>
    public string Csrf => Field("__csrf") is { Length: > 0 } token ? token
        : throw new InvalidOperationException($"No __csrf field on the page: {Describe()[..Math.Min(Describe().Length, 400)]}");

    /// <summary>The text of the <c>role="status"</c> region.</summary>
    public string StatusMessage => StatusRegion().Match(Html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value).Trim() : "";

    /// <summary>The value of the read-only input with this id (a one-time secret).</summary>
    public string? InputValue(string id) =>
        Regex.Match(Html, $"""id="{Regex.Escape(id)}"[^>]*value="([^"]*)" """.TrimEnd()) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    /// <summary>Whether a button with this text is on the page (controls are found by their label, as a person finds them).</summary>
    public bool HasButton(string text) => Regex.IsMatch(Html, $@"<button[^>]*>\s*{Regex.Escape(text)}\s*</button>");

    /// <summary>Whether a label with this text is on the page.</summary>
    public bool HasLabel(string text) => Regex.IsMatch(Html, $@"<label[^>]*>\s*{Regex.Escape(text)}\s*</label>");

    /// <summary>How many forms post to a handler of the page (any changing control; sign-out aside).</summary>
    public int PostForms => Regex.Matches(Html, @"<form\b[^>]*method=""post""[^>]*>").Count(m => !m.Value.Contains("/signout", StringComparison.Ordinal));

    [GeneratedRegex(@"<input\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputTag();

    [GeneratedRegex(@"<div id=""alert"" role=""alert""[^>]*>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex AlertRegion();

    [GeneratedRegex(@"<div id=""status"" role=""status""[^>]*>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex StatusRegion();
}

/// <summary>
/// A browser without a browser: keeps cookies (the <c>sid</c> session, the antiforgery cookie) by hand, so it works over
/// any handler (Kestrel or the in-memory test server) and still shows every <c>Set-Cookie</c>; follows no redirect by
/// itself; posts forms with the antiforgery token of the last page it read, as a browser would.
/// </summary>
public sealed class PageClient : IDisposable
{
    private readonly HttpClient _http;

    public PageClient(ServerFixture server)
        : this(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Api.BaseAddress })
    {
    }

    /// <param name="http">A client that neither follows redirects nor keeps cookies itself.</param>
    public PageClient(HttpClient http) => _http = http;

    public CookieContainer Cookies { get; } = new();

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>The antiforgery token of the last page read (null before any).</summary>
    public string? FormToken { get; private set; }

    public async Task<PageResponse> GetAsync(string path) => await SendAsync(HttpMethod.Get, path, null);

    /// <summary>Posts a form; the antiforgery field is added unless <paramref name="withToken"/> is false.</summary>
    public async Task<PageResponse> PostAsync(string path, IReadOnlyDictionary<string, string?> fields, bool withToken = true)
    {
        var form = fields.Where(f => f.Value is not null).Select(f => new KeyValuePair<string, string>(f.Key, f.Value!)).ToList();
        if (withToken && FormToken is not null)
        {
            form.Add(new("__csrf", FormToken));
        }

        return await SendAsync(HttpMethod.Post, path, new FormUrlEncodedContent(form));
    }

    /// <summary>Posts a form as the page <paramref name="from"/> would (with its antiforgery token).</summary>
    public Task<PageResponse> PostAsync(string path, PageResponse from, params (string Name, string Value)[] fields) =>
        PostRawAsync(path, [("__csrf", from.Csrf), .. fields]);

    /// <summary>Posts exactly these fields (no token added: a forged or token-less post).</summary>
    public Task<PageResponse> PostRawAsync(string path, IEnumerable<(string Name, string Value)> fields) =>
        SendAsync(HttpMethod.Post, path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    /// <summary>Posts, then follows a redirect (post-redirect-get) and returns the page it lands on.</summary>
    public async Task<PageResponse> SubmitAsync(string path, PageResponse from, params (string Name, string Value)[] fields)
    {
        var answer = await PostAsync(path, from, fields);
        return answer.Status == HttpStatusCode.Redirect && answer.Location is { } location ? await GetAsync(location) : answer;
    }

    /// <summary>Follows a redirect answer (GET of its Location on this site).</summary>
    public Task<PageResponse> FollowAsync(PageResponse response) =>
        GetAsync(response.Location ?? throw new InvalidOperationException($"not a redirect: {response.Describe()}"));

    /// <summary>The sign-in page's two steps; returns the answer to the password post (a redirect when signed in).</summary>
    public async Task<PageResponse> SignInAsync(string login, string password, string? fromUri = null)
    {
        var start = await GetAsync(fromUri is null ? "/" : "/?fromURI=" + Uri.EscapeDataString(fromUri));
        Assert.True(start.IsUsernameStep, start.Describe());
        var identify = await PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login, ["fromURI"] = fromUri });
        Assert.True(identify.IsPasswordStep, identify.Describe());
        return await PostAsync("/?handler=Password", new Dictionary<string, string?>
        {
            ["stateHandle"] = identify.Field("stateHandle"), ["password"] = password, ["fromURI"] = fromUri,
        });
    }

    private async Task<PageResponse> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        var uri = new Uri(BaseAddress, path);
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Accept.ParseAdd("text/html");
        if (Cookies.GetCookieHeader(uri) is { Length: > 0 } cookies)
        {
            request.Headers.Add("Cookie", cookies);
        }

        var ct = TestContext.Current.CancellationToken;
        using var response = await _http.SendAsync(request, ct);
        foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            Cookies.SetCookies(uri, cookie);
        }

        var page = new PageResponse(response.StatusCode, response.Headers, await response.Content.ReadAsStringAsync(ct));
        if (page.Field("__csrf") is { Length: > 0 } token)
        {
            FormToken = token;
        }

        return page;
    }

    public void Dispose() => _http.Dispose();
}
