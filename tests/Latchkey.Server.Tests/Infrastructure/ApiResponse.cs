using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>A finished API call: status, headers and the body read as text (and JSON when it is JSON).</summary>
public sealed partial class ApiResponse
{
    public ApiResponse(HttpMethod method, Uri uri, HttpResponseMessage message, string body)
    {
        Method = method;
        Uri = uri;
        Status = message.StatusCode;
        Headers = message.Headers;
        _contentHeaders = message.Content.Headers;
        ContentType = message.Content.Headers.ContentType;
        Body = body;
    }

    public HttpMethod Method { get; }

    public Uri Uri { get; }

    public HttpStatusCode Status { get; }

    public HttpResponseHeaders Headers { get; }

    public MediaTypeHeaderValue? ContentType { get; }

    public string Body { get; }

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public JsonObject Object => Json as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {Describe()}");

    /// <summary>The <c>errorCode</c> of an error body, or null.</summary>
    public string? ErrorCode => (Json as JsonObject)?["errorCode"] is JsonValue v && v.TryGetValue<string>(out var code) ? code : null;

    public JsonArray Array => Json as JsonArray ?? throw new InvalidOperationException($"Not a JSON array: {Describe()}");

    private readonly HttpContentHeaders _contentHeaders;

    /// <summary>A response or content header (such as <c>Allow</c>), its values joined with commas; null when absent.</summary>
    public string? Header(string name) =>
        Headers.TryGetValues(name, out var values) || _contentHeaders.TryGetValues(name, out values) ? string.Join(",", values) : null;

    /// <summary>Every <c>Link</c> header relation as (rel, url), one-per-header or comma-joined.</summary>
    public IReadOnlyList<(string Rel, string Url)> Links =>
        Headers.TryGetValues("Link", out var values)
            ? values.SelectMany(v => LinkPattern().Matches(v)).Select(m => (m.Groups[2].Value, m.Groups[1].Value)).ToList()
            : [];

    public string? Link(string rel) => Links.Where(l => l.Rel == rel).Select(l => l.Url).SingleOrDefault();

    public string? Next => Link("next");

    public string Describe() => $"{Method} {Uri} -> {(int)Status} {Body}";

    /// <summary>Asserts the status; on failure the message shows the whole exchange.</summary>
    public ApiResponse Expect(HttpStatusCode status)
    {
        Assert.True(status == Status, $"Expected {(int)status} but got: {Describe()}");
        return this;
    }

    /// <summary>Asserts an Okta error body: status, <c>errorCode</c>, <c>errorLink</c> = code, an <c>errorId</c> and a causes array.</summary>
    public JsonObject ExpectError(HttpStatusCode status, string errorCode)
    {
        Expect(status);
        Assert.Equal("application/json", ContentType?.MediaType);
        var error = Object;
        Assert.True(errorCode == (string?)error["errorCode"], $"Expected {errorCode}: {Describe()}");
        Assert.Equal(errorCode, (string?)error["errorLink"]);
        Assert.False(string.IsNullOrEmpty((string?)error["errorSummary"]), Describe());
        Assert.False(string.IsNullOrEmpty((string?)error["errorId"]), Describe());
        Assert.IsType<JsonArray>(error["errorCauses"]);
        return error;
    }

    public static IReadOnlyList<string> Causes(JsonObject error) =>
        error["errorCauses"]!.AsArray().Select(c => (string)c!["errorSummary"]!).ToList();

    public static string Compact(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? "null";

    [GeneratedRegex("<([^>]*)>\\s*;\\s*rel=\"([^\"]+)\"")]
    private static partial Regex LinkPattern();
}
