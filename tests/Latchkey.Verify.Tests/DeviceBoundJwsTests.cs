using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Verify.Keys;
using Xunit;

namespace Latchkey.Verify.Tests;

/// <summary>The app channel's compact JWS checked as the server will: header, claims, and an r||s ES256 signature by the JWK sent at enrollment.</summary>
public sealed class DeviceBoundJwsTests
{
    [Fact]
    public void A_token_verifies_with_the_public_jwk_and_names_its_key_by_rfc_7638_thumbprint()
    {
        using var key = SoftwareKey.Create();
        var jwk = key.PublicJwk();

        var token = DeviceBoundJws.Sign(key, new JsonObject { ["iss"] = "pfd1", ["aud"] = "http://127.0.0.1:8080" });

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
        Assert.Equal(("ES256", "okta-devicebind+jwt", (string?)jwk["kid"]), ((string?)header["alg"], (string?)header["typ"], (string?)header["kid"]));
        Assert.Equal("pfd1", (string?)JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!["iss"]);

        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars((string)jwk["x"]!), Y = Base64Url.DecodeFromChars((string)jwk["y"]!) },
        });
        var signature = Base64Url.DecodeFromChars(parts[2]);
        Assert.Equal(64, signature.Length);
        Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{jwk["x"]}\",\"y\":\"{jwk["y"]}\"}}";
        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), (string?)jwk["kid"]);
    }

    [Fact]
    public void A_key_stored_as_pkcs8_signs_as_the_same_key()
    {
        using var key = SoftwareKey.Create();

        using var restored = SoftwareKey.FromPkcs8(key.ExportPkcs8());

        Assert.Equal(key.Kid, restored.Kid);
    }
}
