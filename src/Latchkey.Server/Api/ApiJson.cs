using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Latchkey.Core.Time;

namespace Latchkey.Server.Api;

/// <summary>How the API writes and reads JSON: camelCase, nulls omitted unless a contract shows them, ISO-8601 UTC with milliseconds.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            MaxDepth = 32,
        };
        options.Converters.Add(new IsoDateConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    // A duplicate member is refused when read (E0000003): which of two values counts would be a guess.
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false };

    private sealed class IsoDateConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IsoTime.TryParse(reader.GetString(), out var value) ? value : throw new JsonException("Not an ISO-8601 date.");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(IsoTime.Write(value));
    }
}
