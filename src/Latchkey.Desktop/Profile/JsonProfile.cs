using System.Text.Json;

namespace Latchkey.Desktop.Profile;

/// <summary>The JSON form of the profile: one object whose members are the keys.</summary>
internal static class JsonProfile
{
    public static Dictionary<string, ProfileValue> Read(string text, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ProfileReader.Error(source, "the JSON is not an object of keys");
            }

            var values = new Dictionary<string, ProfileValue>(StringComparer.Ordinal);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (!values.TryAdd(member.Name, Value(member.Value)))
                {
                    throw ProfileReader.Error(source, $"{member.Name}: given twice");
                }
            }

            return values;
        }
        catch (JsonException e)
        {
            throw ProfileReader.Error(source, $"not valid JSON ({e.Message})");
        }
    }

    private static ProfileValue Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new ProfileValue.Text(element.GetString()!),
        JsonValueKind.Number when element.TryGetInt64(out var whole) => new ProfileValue.Integer(whole),
        JsonValueKind.Number => new ProfileValue.Real(element.GetDouble()),
        JsonValueKind.True => new ProfileValue.Boolean(true),
        JsonValueKind.False => new ProfileValue.Boolean(false),
        JsonValueKind.Array => new ProfileValue.List([.. element.EnumerateArray().Select(Value)]),
        JsonValueKind.Object => new ProfileValue.Other("an object"),
        _ => new ProfileValue.Other("null"),
    };
}
