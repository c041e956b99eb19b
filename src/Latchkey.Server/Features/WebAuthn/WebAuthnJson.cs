using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>
/// Small reads of a <c>PublicKeyCredential</c> JSON (WebAuthn section 5.1, <c>toJSON()</c>) that the ceremonies need
/// before or besides the framework's handler: which challenge the client data names, the credential id, the attachment
/// the client reported. They never decide validity: the handler checks all of it again.
/// </summary>
public static class WebAuthnJson
{
    public static JsonObject? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string? Text(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The challenge the credential's client data names (base64url), or null when there is none to read.</summary>
    public static string? ChallengeOf(JsonObject credential)
    {
        var clientData = Bytes(Text(credential["response"], "clientDataJSON"));
        if (clientData is null)
        {
            return null;
        }

        try
        {
            return Text(JsonNode.Parse(clientData), "challenge");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>platform</c> or <c>cross-platform</c> as the client reported it, else null.</summary>
    public static string? AttachmentOf(JsonObject credential) =>
        Text(credential, "authenticatorAttachment") is "platform" or "cross-platform" ? Text(credential, "authenticatorAttachment") : null;

    /// <summary>The signature counter of an assertion's authenticator data (WebAuthn section 6.1, bytes 33 to 36), or null.</summary>
    public static uint? SignCountOf(JsonObject credential) =>
        Bytes(Text(credential["response"], "authenticatorData")) is { Length: >= 37 } data ? BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(33, 4)) : null;

    public static byte[]? Bytes(string? base64Url)
    {
        if (base64Url is null)
        {
            return null;
        }

        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(base64Url);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string[] Transports(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];
}
