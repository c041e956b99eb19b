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

    /// <summary>
    /// The <c>PublicKeyCredential</c> JSON of an assertion given in parts, as the Factors API and IDX send it
    /// (<c>clientData</c>, <c>authenticatorData</c>, <c>signatureData</c>, base64url), for the credential
    /// <paramref name="credentialId"/> (base64url).
    /// </summary>
    public static string AssertionCredential(string credentialId, string clientData, string authenticatorData, string signature) =>
        Credential(credentialId, new JsonObject { ["clientDataJSON"] = clientData, ["authenticatorData"] = authenticatorData, ["signature"] = signature });

    /// <summary>
    /// The <c>PublicKeyCredential</c> JSON of a registration given in parts (<c>attestation</c> and <c>clientData</c>,
    /// base64url): the credential id is read from the attestation object. A <see cref="FormatException"/> says why it cannot be.
    /// </summary>
    public static string AttestationCredential(string attestation, string clientData)
    {
        var attestationObject = Bytes(attestation) ?? throw new FormatException("The attestation is not base64url");
        var id = System.Buffers.Text.Base64Url.EncodeToString(ParsedAttestation.Parse(attestationObject).CredentialId);
        return Credential(id, new JsonObject { ["clientDataJSON"] = clientData, ["attestationObject"] = attestation, ["transports"] = new JsonArray() });
    }

    /// <summary>base64 or base64url as base64url (unpadded); null when it is neither.</summary>
    public static string? ToBase64Url(string text)
    {
        var url = text.TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Bytes(url) is null ? null : url;
    }

    private static string Credential(string id, JsonObject response) => new JsonObject
    {
        ["id"] = id, ["rawId"] = id, ["type"] = "public-key", ["response"] = response, ["clientExtensionResults"] = new JsonObject(),
    }.ToJsonString();
}
