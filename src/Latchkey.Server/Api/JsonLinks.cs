using System.Text.Json.Nodes;

namespace Latchkey.Server.Api;

/// <summary>A HAL link <c>{href, hints: {allow}}</c> for resources built as JSON nodes (authenticators, factors).</summary>
public static class JsonLinks
{
    public static JsonObject Link(string href, params string[] allow) =>
        new() { ["href"] = href, ["hints"] = new JsonObject { ["allow"] = new JsonArray(allow.Select(v => (JsonNode)v).ToArray()) } };
}
