using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;

namespace Latchkey.Verify.WebAuthn;

/// <summary>
/// A software FIDO2 security key for tests and demos: it answers the same JSON ceremonies as a browser
/// (<c>PublicKeyCredentialCreationOptions</c> / <c>RequestOptions</c> in, <c>PublicKeyCredential</c> JSON out) with
/// ES256 credential keys, <c>packed</c> self attestation (WebAuthn section 8.2: <c>alg</c> -7 and a signature over
/// authenticatorData || clientDataHash by the credential key itself, no <c>x5c</c>) and a signature counter that grows
/// with every assertion. It works on a <see cref="SecurityKeyRecord"/>: call it inside <see cref="VerifyHome.Update"/>
/// so that the new credential or counter is saved under the home's lock. It never sets the user-verified flag: it has
/// no PIN or biometrics, and it refuses options that require user verification rather than claim it.
/// </summary>
public sealed class SoftwareSecurityKey(SecurityKeyRecord record, TimeProvider time)
{
    public const int Es256 = -7;
    private const byte UserPresent = 0x01;
    private const byte AttestedCredentialData = 0x40;

    public SecurityKeyRecord Record => record;

    /// <summary>
    /// <c>navigator.credentials.create()</c>: a new credential for the options (WebAuthn section 5.1.3 and
    /// authenticatorMakeCredential, CTAP2 section 6.1), and the <c>PublicKeyCredential</c> JSON for the relying party.
    /// </summary>
    public JsonObject Register(string optionsJson, string origin)
    {
        var options = Options(optionsJson);
        var rpId = (string?)options["rp"]?["id"] ?? OriginHost(origin);
        var challenge = Required(options, "challenge");
        var userHandle = (string?)options["user"]?["id"] ?? throw Bad("the options have no user.id");
        Base64UrlBytes(userHandle, "user.id");
        CheckUserVerification((string?)options["authenticatorSelection"]?["userVerification"]);

        // Step 2 of authenticatorMakeCredential: only ES256 is offered; refuse when the relying party accepts none we can make.
        if (options["pubKeyCredParams"] is JsonArray { Count: > 0 } parameters && !parameters.Any(p => (int?)p?["alg"] == Es256))
        {
            throw Bad("the relying party accepts no ES256 (alg -7) credential, the only kind this key makes");
        }

        // Step 3: a credential of this key already registered with the relying party (excludeCredentials) is an InvalidStateError.
        var excluded = IdsOf(options["excludeCredentials"]);
        if (record.Credentials.Any(c => c.RpId == rpId && excluded.Contains(c.Id)))
        {
            throw Bad($"this key already holds a credential registered with {rpId} (excludeCredentials)");
        }

        using var credentialKey = SoftwareKey.Create();
        var credentialId = RandomNumberGenerator.GetBytes(32);
        var clientData = ClientData("webauthn.create", challenge, origin);
        var authenticatorData = AuthenticatorData(rpId, (byte)(UserPresent | AttestedCredentialData), 0, AttestedCredential(credentialId, credentialKey));
        var signature = credentialKey.SignDer([.. authenticatorData, .. SHA256.HashData(clientData)]);

        var credential = new CredentialRecord
        {
            Id = Base64Url.EncodeToString(credentialId),
            RpId = rpId,
            UserHandle = userHandle,
            UserName = (string?)options["user"]?["name"],
            PrivateKey = credentialKey.ExportPkcs8(),
            SignCount = 0,
            Created = time.GetUtcNow(),
        };
        record.Credentials.Add(credential);
        return PublicKeyCredential(credential.Id, new JsonObject
        {
            ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
            ["attestationObject"] = Base64Url.EncodeToString(AttestationObject(authenticatorData, signature)),
            ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
            ["publicKey"] = Base64Url.EncodeToString(credentialKey.SubjectPublicKeyInfo()),
            ["publicKeyAlgorithm"] = Es256,
            ["transports"] = new JsonArray(),
        });
    }

    /// <summary>
    /// <c>navigator.credentials.get()</c>: an assertion by one of this key's credentials for the options' relying party
    /// (authenticatorGetAssertion, CTAP2 section 6.2), its counter incremented first, as <c>PublicKeyCredential</c> JSON.
    /// </summary>
    public JsonObject Assert(string optionsJson, string origin)
    {
        var options = Options(optionsJson);
        var rpId = (string?)options["rpId"] ?? OriginHost(origin);
        var challenge = Required(options, "challenge");
        CheckUserVerification((string?)options["userVerification"]);
        var allowed = IdsOf(options["allowCredentials"]);
        var credential = record.Credentials
            .Where(c => c.RpId == rpId && (allowed.Count == 0 || allowed.Contains(c.Id)))
            .OrderByDescending(c => c.Created)
            .FirstOrDefault() ?? throw Bad(allowed.Count == 0
                ? $"this key holds no credential for {rpId}"
                : $"this key holds none of the {allowed.Count} credential(s) {rpId} allows");

        credential.SignCount = checked(credential.SignCount + 1);
        var clientData = ClientData("webauthn.get", challenge, origin);
        var authenticatorData = AuthenticatorData(rpId, UserPresent, credential.SignCount, []);
        using var credentialKey = SoftwareKey.FromPkcs8(credential.PrivateKey);
        var signature = credentialKey.SignDer([.. authenticatorData, .. SHA256.HashData(clientData)]);
        return PublicKeyCredential(credential.Id, new JsonObject
        {
            ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
            ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
            ["signature"] = Base64Url.EncodeToString(signature),
            ["userHandle"] = credential.UserHandle,
        });
    }

    /// <summary>The COSE_Key of a P-256 public key (RFC 9053 section 7.1.1), map keys in CTAP2 canonical order.</summary>
    public static byte[] CoseKey(SoftwareKey key)
    {
        var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
        writer.WriteStartMap(5);
        writer.WriteInt32(1); // kty
        writer.WriteInt32(2); // EC2
        writer.WriteInt32(3); // alg
        writer.WriteInt32(Es256);
        writer.WriteInt32(-1); // crv
        writer.WriteInt32(1); // P-256
        writer.WriteInt32(-2); // x
        writer.WriteByteString(key.X);
        writer.WriteInt32(-3); // y
        writer.WriteByteString(key.Y);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>The <c>PublicKeyCredential</c> JSON (WebAuthn section 5.1, <c>toJSON()</c>) around an authenticator response.</summary>
    private static JsonObject PublicKeyCredential(string id, JsonObject response) => new()
    {
        ["id"] = id,
        ["rawId"] = id,
        ["type"] = "public-key",
        ["authenticatorAttachment"] = "cross-platform",
        ["clientExtensionResults"] = new JsonObject(),
        ["response"] = response,
    };

    private byte[] AttestedCredential(byte[] credentialId, SoftwareKey key)
    {
        // WebAuthn section 6.5.2: aaguid (16) || credentialIdLength (2, big-endian) || credentialId || credentialPublicKey (COSE).
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)credentialId.Length);
        return [.. record.Aaguid.ToByteArray(bigEndian: true), .. length, .. credentialId, .. CoseKey(key)];
    }

    private static byte[] AuthenticatorData(string rpId, byte flags, uint signCount, byte[] attested)
    {
        // WebAuthn section 6.1: rpIdHash (32) || flags (1) || signCount (4, big-endian) || attestedCredentialData.
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, signCount);
        return [.. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), flags, .. counter, .. attested];
    }

    private static byte[] AttestationObject(byte[] authenticatorData, byte[] signature)
    {
        // WebAuthn section 6.5.4 with the packed format's self attestation (section 8.2): attStmt {alg, sig}, no x5c.
        var writer = new CborWriter(CborConformanceMode.Ctap2Canonical);
        writer.WriteStartMap(3);
        writer.WriteTextString("fmt");
        writer.WriteTextString("packed");
        writer.WriteTextString("attStmt");
        writer.WriteStartMap(2);
        writer.WriteTextString("alg");
        writer.WriteInt32(Es256);
        writer.WriteTextString("sig");
        writer.WriteByteString(signature);
        writer.WriteEndMap();
        writer.WriteTextString("authData");
        writer.WriteByteString(authenticatorData);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static byte[] ClientData(string type, string challenge, string origin) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["challenge"] = challenge, ["origin"] = origin, ["crossOrigin"] = false }.ToJsonString());

    private static JsonObject Options(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw Bad($"the options are not JSON ({e.Message})");
        }

        // Accept the options themselves or wrapped as {"publicKey": {...}} (the argument of navigator.credentials.*).
        return (node?["publicKey"] ?? node) as JsonObject ?? throw Bad("the options are not a JSON object");
    }

    private static string Required(JsonObject options, string name)
    {
        var value = (string?)options[name] ?? throw Bad($"the options have no {name}");
        Base64UrlBytes(value, name);
        return value;
    }

    private static byte[] Base64UrlBytes(string value, string name)
    {
        try
        {
            return Base64Url.DecodeFromChars(value);
        }
        catch (FormatException)
        {
            throw Bad($"{name} is not base64url");
        }
    }

    private static HashSet<string> IdsOf(JsonNode? list) =>
        list is JsonArray array ? array.Select(c => (string?)c?["id"]).OfType<string>().ToHashSet(StringComparer.Ordinal) : [];

    private static void CheckUserVerification(string? requirement)
    {
        if (requirement == "required")
        {
            throw Bad("the relying party requires user verification, which this software key cannot do (no PIN or biometrics)");
        }
    }

    private static string OriginHost(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) ? uri.Host : throw Bad($"the origin '{origin}' is not a URL");

    private static VerifyException Bad(string why) => new(ExitCodes.Failure, $"security key: {why}");
}
