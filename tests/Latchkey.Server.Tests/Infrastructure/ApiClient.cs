using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Calls the Management API as an Okta SDK does: <c>Authorization: SSWS &lt;token&gt;</c>, JSON in and out.</summary>
public sealed class ApiClient(HttpClient http, string token)
{
    public HttpClient Http { get; } = http;

    public string Token { get; } = token;

    public Uri BaseAddress => Http.BaseAddress!;

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> PostAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Post, path, body);

    public Task<ApiResponse> PutAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Put, path, body);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null) =>
        SendRawAsync(method, path, body?.ToJsonString(), Token);

    /// <summary>Sends <paramref name="rawBody"/> as is (null: no body, Content-Length 0 on POST/PUT); <paramref name="auth"/> null: no Authorization.</summary>
    public Task<ApiResponse> SendWithHeaderAsync(HttpMethod method, string path, JsonNode? body, string header, string value) =>
        SendRawAsync(method, path, body?.ToJsonString(), Token, extraHeader: (header, value));

    public async Task<ApiResponse> SendRawAsync(HttpMethod method, string path, string? rawBody, string? auth, string scheme = "SSWS",
        (string Name, string Value)? extraHeader = null)
    {
        var uri = new Uri(BaseAddress, path);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (extraHeader is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        if (auth is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {auth}");
        }

        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
        }
        else if (method == HttpMethod.Post || method == HttpMethod.Put)
        {
            request.Content = new ByteArrayContent([]);
        }

        var ct = TestContext.Current.CancellationToken;
        using var response = await Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return new ApiResponse(method, uri, response, text);
    }

    /// <summary>Sends <paramref name="body"/> byte for byte with the given <c>Content-Type</c> (null: none), with the token.</summary>
    public async Task<ApiResponse> SendBytesAsync(HttpMethod method, string path, byte[] body, string? contentType = "application/json",
        string? authorization = null)
    {
        var uri = new Uri(BaseAddress, path);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation("Authorization", authorization ?? $"SSWS {Token}");
        request.Content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var ct = TestContext.Current.CancellationToken;
        using var response = await Http.SendAsync(request, ct);
        return new ApiResponse(method, uri, response, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>Follows <c>rel="next"</c> from <paramref name="path"/> until there is none; returns every page.</summary>
    public async Task<List<ApiResponse>> GetAllPagesAsync(string path, int maxPages = 100)
    {
        var pages = new List<ApiResponse>();
        string? next = path;
        while (next is not null)
        {
            Assert.True(pages.Count < maxPages, $"More than {maxPages} pages from {path}");
            var page = (await GetAsync(next)).Expect(HttpStatusCode.OK);
            pages.Add(page);
            next = page.Next;
        }

        return pages;
    }
}
