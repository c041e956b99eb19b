using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>The device-signed tokens of the authenticator app: only ES256 by the registered key, and on time.</summary>
public sealed class DeviceProofTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string B64(string s) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(s));

    private static string Jwk(ECDsa key)
    {
        var p = key.ExportParameters(false);
        return new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y) }.ToJsonString();
    }

    private static string Token(ECDsa key, string alg = "ES256", string typ = "okta-devicebind+jwt", long? iat = null, long? exp = null)
    {
        var header = B64(new JsonObject { ["alg"] = alg, ["typ"] = typ }.ToJsonString());
        var claims = B64(new JsonObject { ["iss"] = "pfd1", ["iat"] = iat ?? Now.ToUnixTimeSeconds(), ["exp"] = exp ?? Now.AddMinutes(2).ToUnixTimeSeconds() }.ToJsonString());
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{claims}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{header}.{claims}.{Base64Url.EncodeToString(signature)}";
    }

    [Fact]
    public void A_token_signed_by_the_registered_key_verifies_and_no_other_key_does()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var proof = DeviceProof.Read(Token(key))!;
        Assert.True(proof.VerifiedBy(Jwk(key)));
        Assert.False(proof.VerifiedBy(Jwk(other)));
        Assert.Equal("pfd1", proof.Claim("iss"));
        Assert.Equal(ProofTime.Valid, proof.CheckTime(Now, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_changed_byte_anywhere_breaks_the_signature()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = Token(key);
        var parts = token.Split('.');
        var claims = B64(new JsonObject { ["iss"] = "pfd2", ["iat"] = Now.ToUnixTimeSeconds(), ["exp"] = Now.AddMinutes(2).ToUnixTimeSeconds() }.ToJsonString());
        Assert.False(DeviceProof.Read($"{parts[0]}.{claims}.{parts[2]}")!.VerifiedBy(Jwk(key)));
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[5] ^= 1;
        Assert.False(DeviceProof.Read($"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}")!.VerifiedBy(Jwk(key)));
    }

    [Theory]
    [InlineData("none", "okta-devicebind+jwt")]
    [InlineData("HS256", "okta-devicebind+jwt")]
    [InlineData("ES384", "okta-devicebind+jwt")]
    [InlineData("ES256", "JWT")]
    public void Only_es256_device_tokens_are_read(string alg, string typ)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Null(DeviceProof.Read(Token(key, alg, typ)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.???.***")]
    [InlineData("eyJhbGciOiJub25lIn0.e30.")]
    public void Garbage_is_not_a_token(string text) => Assert.Null(DeviceProof.Read(text));

    [Fact]
    public void Time_is_judged_by_the_server_clock_with_a_bounded_skew_and_lifetime()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var window = (Life: TimeSpan.FromMinutes(5), Skew: TimeSpan.FromMinutes(5));
        ProofTime At(long iat, long exp) => DeviceProof.Read(Token(key, iat: iat, exp: exp))!.CheckTime(Now, window.Life, window.Skew);
        var now = Now.ToUnixTimeSeconds();
        Assert.Equal(ProofTime.Valid, At(now - 60, now + 60));
        Assert.Equal(ProofTime.Expired, At(now - 200, now - 10));
        Assert.Equal(ProofTime.ClockSkew, At(now + 600, now + 660));
        Assert.Equal(ProofTime.ClockSkew, At(now - 600, now + 660));
        Assert.Equal(ProofTime.ClockSkew, At(now, now + 3600)); // a token that would live an hour
        Assert.Equal(ProofTime.Malformed, At(now, now - 1));
    }

    [Fact]
    public void Only_public_p256_keys_on_the_curve_are_registered()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jwk = (JsonObject)JsonNode.Parse(Jwk(key))!;
        var normal = DeviceKeys.Normalize(jwk);
        Assert.NotNull(normal);
        Assert.Equal(43, normal.Value.Thumbprint.Length);

        var offCurve = (JsonObject)jwk.DeepClone();
        offCurve["y"] = offCurve["x"]!.DeepClone();
        Assert.Null(DeviceKeys.Normalize(offCurve));
        var priv = (JsonObject)jwk.DeepClone();
        priv["d"] = "AAAA";
        Assert.Null(DeviceKeys.Normalize(priv));
        var p384 = (JsonObject)jwk.DeepClone();
        p384["crv"] = "P-384";
        Assert.Null(DeviceKeys.Normalize(p384));
        Assert.Null(DeviceKeys.Normalize(null));
    }
}
