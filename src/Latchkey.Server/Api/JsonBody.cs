using System.Text.Json;
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

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
        {
            return null;
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        try
        {
            CheckStrings(bytes);
            return JsonNode.Parse(bytes, documentOptions: ApiJson.DocumentOptions);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new ApiException(ApiErrors.MalformedBody());
        }
    }

    /// <summary>
    /// JSON trees decode strings only when read, so an escape that is no valid UTF-16 (a lone surrogate such
    /// as <c>\uD800</c>) would fail later, deep in a handler. Decode every string once, up front.
    /// </summary>
    private static void CheckStrings(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ApiJson.DocumentOptions.MaxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                _ = reader.GetString();
            }
        }
    }

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
