using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// A sign-in client as a browser or an IDX SDK is: it keeps cookies (the <c>sid</c> session), sends and accepts
/// <c>application/ion+json; okta-version=1.0.0</c>, and can connect from a chosen loopback address.
/// </summary>
public sealed class SignInClient : IDisposable
{
    public const string IonJson = "application/ion+json; okta-version=1.0.0";

    private readonly HttpClient _http;

    public SignInClient(ServerFixture server, string? localAddress = null)
        : this(server.Api.BaseAddress, localAddress)
    {
    }

    public SignInClient(Uri baseAddress, string? localAddress = null)
    {
        Cookies = new CookieContainer();
        var handler = localAddress is null ? new SocketsHttpHandler() : ClientAddresses.Handler(localAddress);
        handler.CookieContainer = Cookies;
        handler.UseCookies = true;
        _http = new HttpClient(handler) { BaseAddress = baseAddress };
    }

    public CookieContainer Cookies { get; }

    public Cookie? SessionCookie => Cookies.GetCookies(_http.BaseAddress!)["sid"];

    public Task<ApiResponse> IdxAsync(string path, JsonObject? body) => SendAsync(HttpMethod.Post, path, body?.ToJsonString(), IonJson);

    public Task<ApiResponse> PostJsonAsync(string path, JsonObject body) => SendAsync(HttpMethod.Post, path, body.ToJsonString(), "application/json");

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null, null);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null, null);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? body, string? contentType)
    {
        var uri = new Uri(_http.BaseAddress!, path);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(contentType ?? "application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType!);
        }
        else if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent([]);
        }

        var ct = TestContext.Current.CancellationToken;
        using var response = await _http.SendAsync(request, ct);
        return new ApiResponse(method, uri, response, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>Starts an org sign-in (introspect with no body) and returns the state handle.</summary>
    public async Task<string> StartAsync() =>
        (string)(await IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK).Object["stateHandle"]!;

    public async Task<ApiResponse> IdentifyAsync(string handle, string identifier) =>
        await IdxAsync("/idp/idx/identify", new JsonObject { ["identifier"] = identifier, ["stateHandle"] = handle });

    public async Task<ApiResponse> AnswerAsync(string handle, string passcode) =>
        await IdxAsync("/idp/idx/challenge/answer", new JsonObject
        {
            ["credentials"] = new JsonObject { ["passcode"] = passcode }, ["stateHandle"] = handle,
        });

    /// <summary>identify then password; returns the password answer.</summary>
    public async Task<ApiResponse> SignInAsync(string login, string password)
    {
        var handle = await StartAsync();
        (await IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        return await AnswerAsync(handle, password);
    }

    public static IReadOnlyList<string> RemediationNames(JsonObject idx) =>
        idx["remediation"]!["value"]!.AsArray().Select(r => (string)r!["name"]!).ToList();

    public static IReadOnlyList<string> MessageKeys(JsonObject idx) =>
        idx["messages"]?["value"]?.AsArray().Select(m => (string)m!["i18n"]!["key"]!).ToList() ?? [];

    public void Dispose() => _http.Dispose();
}
