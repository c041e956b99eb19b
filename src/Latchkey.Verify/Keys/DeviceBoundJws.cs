using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;

namespace Latchkey.Verify.Keys;

/// <summary>
/// The compact JWS of the app channel (docs/authenticator-app.md): header
/// <c>{"alg":"ES256","typ":"okta-devicebind+jwt","kid":...}</c>, the claims given, signed by the device's
/// proof-of-possession key with an r||s signature (RFC 7515 section 7.1, RFC 7518 section 3.4).
/// </summary>
public static class DeviceBoundJws
{
    public const string Type = "okta-devicebind+jwt";

    public static string Sign(SoftwareKey key, JsonObject claims)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = Type, ["kid"] = key.Kid };
        var signingInput = $"{Encode(header)}.{Encode(claims)}";
        var signature = key.SignJws(Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
