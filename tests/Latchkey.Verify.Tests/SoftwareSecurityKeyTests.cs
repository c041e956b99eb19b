using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Verify.State;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>
/// The software security key's responses checked independently, as a relying party would (WebAuthn sections 7.1 and
/// 7.2): the attestation object parsed back with CBOR, the packed self-attestation signature verified with the
/// credential's COSE key, assertions verified with the same key and their counter growing.
/// </summary>
public sealed class SoftwareSecurityKeyTests : IDisposable
{
    private const string Origin = "http://127.0.0.1:8080";
    private const string RpId = "127.0.0.1";
    private readonly TestHome test = new();
    private readonly AuthenticatorApp app;

    public SoftwareSecurityKeyTests()
    {
        app = new AuthenticatorApp(test.Home(), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
    }

    public void Dispose() => test.Dispose();

    [Fact]
    public void A_registration_carries_a_packed_self_attestation_that_verifies_with_the_new_credential_key()
    {
        var key = app.CreateSecurityKey("demo");
        var challenge = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

        var credential = JsonNode.Parse(app.RegisterWithSecurityKey("demo", CreationOptions(challenge), Origin))!;

        Assert.Equal("public-key", (string?)credential["type"]);
        Assert.Equal((string?)credential["id"], (string?)credential["rawId"]);
        var clientData = JsonNode.Parse(Bytes(credential["response"]!["clientDataJSON"]))!;
        Assert.Equal(("webauthn.create", challenge, Origin), ((string?)clientData["type"], (string?)clientData["challenge"], (string?)clientData["origin"]));

        var (fmt, alg, sig, hasX5c, authData) = ReadAttestationObject(Bytes(credential["response"]!["attestationObject"]));
        Assert.Equal("packed", fmt);
        Assert.Equal(-7, alg);
        Assert.False(hasX5c);

        // Authenticator data (section 6.1): rpIdHash, flags UP and AT (never UV), counter 0, then the attested credential data.
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(RpId)), authData[..32]);
        Assert.Equal(0x41, authData[32]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(authData.AsSpan(33, 4)));
        Assert.Equal(key.Aaguid, new Guid(authData.AsSpan(37, 16), bigEndian: true));
        var idLength = BinaryPrimitives.ReadUInt16BigEndian(authData.AsSpan(53, 2));
        Assert.Equal(Bytes(credential["rawId"]), authData[55..(55 + idLength)]);
        using var publicKey = ReadCoseKey(authData[(55 + idLength)..]);

        // Packed self attestation (section 8.2.1): sig over authData || SHA-256(clientDataJSON) by the credential key, DER.
        var signed = authData.Concat(SHA256.HashData(Bytes(credential["response"]!["clientDataJSON"]))).ToArray();
        Assert.True(publicKey.VerifyData(signed, sig, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(publicKey.ExportSubjectPublicKeyInfo(), Bytes(credential["response"]!["publicKey"]));
    }

    [Fact]
    public void Assertions_verify_with_the_registered_key_and_their_counter_grows_and_is_saved()
    {
        app.CreateSecurityKey("demo");
        var registration = JsonNode.Parse(app.RegisterWithSecurityKey("demo", CreationOptions("AAAA"), Origin))!;
        var (_, _, _, _, authData) = ReadAttestationObject(Bytes(registration["response"]!["attestationObject"]));
        var idLength = BinaryPrimitives.ReadUInt16BigEndian(authData.AsSpan(53, 2));
        using var publicKey = ReadCoseKey(authData[(55 + idLength)..]);
        var id = (string)registration["id"]!;

        var counters = new List<uint>();
        foreach (var challenge in new[] { "Y2hhbGxlbmdlMQ", "Y2hhbGxlbmdlMg" })
        {
            var options = new JsonObject { ["challenge"] = challenge, ["rpId"] = RpId, ["allowCredentials"] = new JsonArray(new JsonObject { ["id"] = id, ["type"] = "public-key" }) };
            var assertion = JsonNode.Parse(app.AssertWithSecurityKey("demo", options.ToJsonString(), Origin))!;
            var response = assertion["response"]!;
            var data = Bytes(response["authenticatorData"]);
            var clientData = JsonNode.Parse(Bytes(response["clientDataJSON"]))!;
            Assert.Equal(("webauthn.get", challenge, Origin), ((string?)clientData["type"], (string?)clientData["challenge"], (string?)clientData["origin"]));
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(RpId)), data[..32]);
            Assert.Equal(0x01, data[32]);
            Assert.True(publicKey.VerifyData((byte[])[.. data, .. SHA256.HashData(Bytes(response["clientDataJSON"]))], Bytes(response["signature"]),
                HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            Assert.Equal("dXNlci0x", (string?)response["userHandle"]);
            Assert.Equal(id, (string?)assertion["id"]);
            counters.Add(BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(33, 4)));
        }

        Assert.Equal([1u, 2u], counters);
        Assert.Equal(2u, test.Home().Load().SecurityKeys.Single().Credentials.Single().SignCount);
    }

    [Fact]
    public void A_key_refuses_what_it_cannot_honestly_do()
    {
        app.CreateSecurityKey("demo");
        var first = JsonNode.Parse(app.RegisterWithSecurityKey("demo", CreationOptions("AAAA"), Origin))!;
        var excluded = JsonNode.Parse(CreationOptions("AAAA"))!.AsObject();
        excluded["excludeCredentials"] = new JsonArray(new JsonObject { ["id"] = (string)first["id"]!, ["type"] = "public-key" });
        var rsaOnly = JsonNode.Parse(CreationOptions("AAAA"))!.AsObject();
        rsaOnly["pubKeyCredParams"] = new JsonArray(new JsonObject { ["type"] = "public-key", ["alg"] = -257 });
        var uvRequired = JsonNode.Parse(CreationOptions("AAAA"))!.AsObject();
        uvRequired["authenticatorSelection"] = new JsonObject { ["userVerification"] = "required" };

        Assert.Contains("already holds a credential", Refusal(() => app.RegisterWithSecurityKey("demo", excluded.ToJsonString(), Origin)), StringComparison.Ordinal);
        Assert.Contains("no ES256", Refusal(() => app.RegisterWithSecurityKey("demo", rsaOnly.ToJsonString(), Origin)), StringComparison.Ordinal);
        Assert.Contains("requires user verification", Refusal(() => app.RegisterWithSecurityKey("demo", uvRequired.ToJsonString(), Origin)), StringComparison.Ordinal);
        Assert.Contains("no credential for example.com", Refusal(() => app.AssertWithSecurityKey("demo", "{\"challenge\":\"AAAA\",\"rpId\":\"example.com\"}", Origin)), StringComparison.Ordinal);
        Assert.Contains("none of the 1 credential(s)", Refusal(() => app.AssertWithSecurityKey("demo",
            "{\"challenge\":\"AAAA\",\"allowCredentials\":[{\"id\":\"b3RoZXI\",\"type\":\"public-key\"}]}", Origin)), StringComparison.Ordinal);
        Assert.Single(test.Home().Load().SecurityKeys.Single().Credentials);
    }

    [Fact]
    public void Options_wrapped_in_publicKey_are_accepted_as_the_browser_api_takes_them()
    {
        app.CreateSecurityKey("demo");
        var wrapped = new JsonObject { ["publicKey"] = JsonNode.Parse(CreationOptions("AAAA")) }.ToJsonString();

        var credential = JsonNode.Parse(app.RegisterWithSecurityKey("demo", wrapped, Origin))!;

        Assert.Equal("public-key", (string?)credential["type"]);
    }

    private static string CreationOptions(string challenge) => new JsonObject
    {
        ["rp"] = new JsonObject { ["id"] = RpId, ["name"] = "Latchkey" },
        ["user"] = new JsonObject { ["id"] = "dXNlci0x", ["name"] = "alice@example.com", ["displayName"] = "Alice" },
        ["challenge"] = challenge,
        ["pubKeyCredParams"] = new JsonArray(new JsonObject { ["type"] = "public-key", ["alg"] = -7 }, new JsonObject { ["type"] = "public-key", ["alg"] = -257 }),
        ["attestation"] = "direct",
    }.ToJsonString();

    private static string Refusal(Action action) => Assert.Throws<VerifyException>(action).Message;

    private static byte[] Bytes(JsonNode? node) => Base64Url.DecodeFromChars((string)node!);

    private static (string Fmt, int Alg, byte[] Sig, bool HasX5c, byte[] AuthData) ReadAttestationObject(byte[] cbor)
    {
        var reader = new CborReader(cbor, CborConformanceMode.Ctap2Canonical);
        string? fmt = null;
        byte[]? authData = null;
        int alg = 0;
        byte[]? sig = null;
        var hasX5c = false;
        var entries = reader.ReadStartMap();
        for (var i = 0; i < entries; i++)
        {
            switch (reader.ReadTextString())
            {
                case "fmt": fmt = reader.ReadTextString(); break;
                case "authData": authData = reader.ReadByteString(); break;
                case "attStmt":
                    var statement = reader.ReadStartMap();
                    for (var j = 0; j < statement; j++)
                    {
                        switch (reader.ReadTextString())
                        {
                            case "alg": alg = reader.ReadInt32(); break;
                            case "sig": sig = reader.ReadByteString(); break;
                            case "x5c": hasX5c = true; reader.SkipValue(); break;
                            default: reader.SkipValue(); break;
                        }
                    }

                    reader.ReadEndMap();
                    break;
                default: reader.SkipValue(); break;
            }
        }

        reader.ReadEndMap();
        Assert.Equal(0, reader.BytesRemaining);
        return (fmt!, alg, sig!, hasX5c, authData!);
    }

    private static ECDsa ReadCoseKey(byte[] cose)
    {
        var reader = new CborReader(cose, CborConformanceMode.Ctap2Canonical);
        var fields = new Dictionary<int, object>();
        var entries = reader.ReadStartMap();
        for (var i = 0; i < entries; i++)
        {
            var label = reader.ReadInt32();
            fields[label] = reader.PeekState() == CborReaderState.ByteString ? reader.ReadByteString() : reader.ReadInt32();
        }

        reader.ReadEndMap();
        Assert.Equal(0, reader.BytesRemaining);
        Assert.Equal(2, fields[1]);
        Assert.Equal(-7, fields[3]);
        Assert.Equal(1, fields[-1]);
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = (byte[])fields[-2], Y = (byte[])fields[-3] } });
    }
}
