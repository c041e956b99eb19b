using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Net.Http.Headers;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;

namespace Latchkey.Server.Api;

/// <summary>
/// Reads request bodies as JSON trees so that unknown fields are tolerated and every bad field is named.
/// Malformed JSON: 400 E0000003. A body over the configured size: 413 (Kestrel stops reading).
/// </summary>
public static class JsonBody
{
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, bool allowEmpty = false)
    {
        var node = await ReadAsync(request);
        return node switch
        {
            JsonObject o => o,
            null when allowEmpty => [],
            _ => throw new ApiException(ApiErrors.MalformedBody()),
        };
    }

    public static async Task<JsonNode?> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength == 0)
        {
            return null;
        }

        RequireJsonContentType(request);

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
        {
            return null;
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);

        // RFC 8259 section 8.1: JSON text exchanged between systems is UTF-8. The reader decodes lazily, so
        // invalid bytes (0xFF, overlong forms such as C0 AF, CESU-8 surrogates such as ED A0 80) would otherwise
        // fail deep in a handler, or be stored as U+FFFD. Refuse them here, once, for every body.
        if (!Utf8.IsValid(bytes))
        {
            throw new ApiException(ApiErrors.MalformedBody());
        }

        string? nulAt;
        try
        {
            nulAt = CheckStrings(bytes);
            if (nulAt is null)
            {
                return JsonNode.Parse(bytes, documentOptions: ApiJson.DocumentOptions);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new ApiException(ApiErrors.MalformedBody());
        }

        throw new ApiException(ApiErrors.Validation(nulAt, "The value must not contain a NUL character (U+0000)."));
    }

    /// <summary>
    /// Only JSON is read: <c>application/json</c> or a <c>+json</c> type, in UTF-8. A body of another type is
    /// refused rather than guessed at; a body without a <c>Content-Type</c> is read as JSON.
    /// </summary>
    private static void RequireJsonContentType(HttpRequest request)
    {
        var header = request.ContentType;
        if (string.IsNullOrEmpty(header))
        {
            return;
        }

        if (!MediaTypeHeaderValue.TryParse(header, out var type) || type.MediaType.Value is not { } media
            || !(media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                 || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
            || (type.Charset.HasValue && HeaderUtilities.RemoveQuotes(type.Charset) is var charset
                && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ApiException(ApiErrors.UnsupportedMediaType(header));
        }
    }

    /// <summary>
    /// JSON trees decode strings only when read, so an escape that is no valid UTF-16 (a lone surrogate such
    /// as <c>\uD800</c>) would fail later, deep in a handler. Decode every string once, up front, and return
    /// the path of the first name or value that holds a NUL character (no name, login or label may), else null.
    /// </summary>
    private static string? CheckStrings(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ApiJson.DocumentOptions.MaxDepth });
        var path = new List<string>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    path.Add(property ?? "");
                    property = null;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.RemoveAt(path.Count - 1);
                    property = null;
                    break;
                case JsonTokenType.PropertyName:
                    property = reader.GetString();
                    if (property!.Contains('\0', StringComparison.Ordinal))
                    {
                        return PathOf(path, "(a property name)");
                    }

                    break;
                case JsonTokenType.String when reader.ValueIsEscaped:
                    if (reader.GetString()!.Contains('\0', StringComparison.Ordinal))
                    {
                        return PathOf(path, property);
                    }

                    break;
            }

            if (reader.TokenType is not JsonTokenType.PropertyName and not JsonTokenType.StartObject and not JsonTokenType.StartArray)
            {
                property = null;
            }
        }

        return null;
    }

    private static string PathOf(List<string> path, string? last) =>
        string.Join('.', path.Append(last ?? "").Where(p => p.Length > 0)) is { Length: > 0 } joined ? joined : "body";

    /// <summary>A string member, or null when absent or JSON null; a member of another type is a validation error.</summary>
    public static string? String(JsonObject obj, string name, string field)
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        throw new ApiException(ApiErrors.Validation(field, "The value must be a string."));
    }

    public static JsonObject? Object(JsonObject obj, string name, string field) => obj[name] switch
    {
        null => null,
        JsonObject o => o,
        _ => throw new ApiException(ApiErrors.Validation(field, "The value must be an object.")),
    };

    public static bool? Bool(JsonObject obj, string name, string field) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw new ApiException(ApiErrors.Validation(field, "The value must be true or false.")),
    };

    public static int? Int(JsonObject obj, string name, string field) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        _ => throw new ApiException(ApiErrors.Validation(field, "The value must be a whole number.")),
    };

    public static bool QueryBool(HttpRequest request, string name, bool fallback)
    {
        var text = request.Query[name].ToString();
        return text.Length == 0 ? fallback : bool.TryParse(text, out var value)
            ? value
            : throw new ApiException(ApiErrors.Validation(name, "The value must be true or false."));
    }
}
