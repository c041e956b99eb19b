using Latchkey.Core.Security;
using Xunit;

namespace Latchkey.Core.Tests.Security;

/// <summary>The System Log checkpoint key: ECDSA P-256 signatures over (org, sequence, hash, time).</summary>
public sealed class LogSigningKeyTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.Parse("2026-05-01T10:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);
    private const string Hash = "58a8b64ede0a31c39c4c0afb728c913a6b777e6ee987ceea8e4264a089470621";

    [Fact]
    public void The_signed_payload_is_pinned()
    {
        // Stored checkpoints must stay verifiable: the layout of the signed bytes may never change silently.
        var payload = System.Text.Encoding.UTF8.GetString(LogCheckpoint.Payload("00o1", 42, Hash, Time));

        Assert.Equal($"latchkey-log-checkpoint/1\n00o1\n42\n{Hash}\n{Time.ToUnixTimeMilliseconds()}", payload);
    }

    [Fact]
    public void A_checkpoint_signed_with_a_key_verifies_with_that_key()
    {
        using var key = LogSigningKey.Generate();

        var checkpoint = key.Sign("00o1", 42, Hash, Time);

        Assert.Equal(CheckpointSignature.Valid, key.Check(checkpoint));
        Assert.Equal(key.KeyId, checkpoint.KeyId);
        Assert.Equal(64, Convert.FromBase64String(checkpoint.Signature).Length);
    }

    [Theory]
    [InlineData("org")]
    [InlineData("sequence")]
    [InlineData("hash")]
    [InlineData("time")]
    [InlineData("signature")]
    public void Changing_any_signed_value_makes_the_signature_invalid(string part)
    {
        using var key = LogSigningKey.Generate();
        var checkpoint = key.Sign("00o1", 42, Hash, Time);
        var signature = Convert.FromBase64String(checkpoint.Signature);
        signature[10] ^= 1;

        var altered = part switch
        {
            "org" => checkpoint with { OrgId = "00o2" },
            "sequence" => checkpoint with { Sequence = 43 },
            "hash" => checkpoint with { Hash = new string('a', 64) },
            "time" => checkpoint with { Signed = Time.AddMilliseconds(1) },
            _ => checkpoint with { Signature = Convert.ToBase64String(signature) },
        };

        Assert.Equal(CheckpointSignature.Invalid, key.Check(altered));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void A_malformed_signature_is_invalid_not_an_error(string signature)
    {
        using var key = LogSigningKey.Generate();

        Assert.Equal(CheckpointSignature.Invalid, key.Check(key.Sign("00o1", 1, Hash, Time) with { Signature = signature }));
    }

    [Fact]
    public void A_checkpoint_of_another_key_is_reported_as_another_key()
    {
        using var key = LogSigningKey.Generate();
        using var other = LogSigningKey.Generate();

        Assert.Equal(CheckpointSignature.OtherKey, key.Check(other.Sign("00o1", 1, Hash, Time)));
        Assert.NotEqual(key.KeyId, other.KeyId);
    }

    [Fact]
    public void A_forged_key_id_does_not_make_another_keys_signature_valid()
    {
        using var key = LogSigningKey.Generate();
        using var other = LogSigningKey.Generate();

        Assert.Equal(CheckpointSignature.Invalid, key.Check(other.Sign("00o1", 1, Hash, Time) with { KeyId = key.KeyId }));
    }

    [Fact]
    public void The_private_key_pem_round_trips_and_keeps_the_key_id()
    {
        using var key = LogSigningKey.Generate();
        var pem = key.ExportPrivateKeyPem();

        using var loaded = LogSigningKey.FromPem(pem);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
        Assert.True(loaded.CanSign);
        Assert.Equal(key.KeyId, loaded.KeyId);
        Assert.Equal(CheckpointSignature.Valid, key.Check(loaded.Sign("00o1", 1, Hash, Time)));
    }

    [Fact]
    public void A_public_key_pem_verifies_but_cannot_sign()
    {
        using var key = LogSigningKey.Generate();
        var checkpoint = key.Sign("00o1", 1, Hash, Time);

        using var verifier = LogSigningKey.FromPem(key.ExportPublicKeyPem());

        Assert.False(verifier.CanSign);
        Assert.Equal(key.KeyId, verifier.KeyId);
        Assert.Equal(CheckpointSignature.Valid, verifier.Check(checkpoint));
        Assert.Throws<InvalidOperationException>(() => verifier.Sign("00o1", 1, Hash, Time));
    }

    [Fact]
    public void An_openssl_style_ec_private_key_pem_is_accepted()
    {
        using var key = LogSigningKey.Generate();
        // What `openssl ecparam -name prime256v1 -genkey -noout` writes: SEC 1 "EC PRIVATE KEY".
        using var ec = System.Security.Cryptography.ECDsa.Create();
        ec.ImportFromPem(key.ExportPrivateKeyPem());

        using var loaded = LogSigningKey.FromPem(ec.ExportECPrivateKeyPem());

        Assert.True(loaded.CanSign);
        Assert.Equal(key.KeyId, loaded.KeyId);
    }

    [Fact]
    public void A_key_on_another_curve_is_refused_saying_so()
    {
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);

        var error = Assert.Throws<FormatException>(() => LogSigningKey.FromPem(p384.ExportPkcs8PrivateKeyPem()));

        Assert.Contains("not P-256", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")]
    public void Text_without_an_ec_key_is_refused(string pem)
    {
        Assert.Throws<FormatException>(() => LogSigningKey.FromPem(pem));
    }

    [Fact]
    public void An_rsa_key_is_refused()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);

        Assert.Throws<FormatException>(() => LogSigningKey.FromPem(rsa.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void The_signing_time_is_kept_to_the_millisecond()
    {
        using var key = LogSigningKey.Generate();

        var checkpoint = key.Sign("00o1", 1, Hash, Time.AddTicks(5));

        Assert.Equal(Time, checkpoint.Signed);
        Assert.Equal(CheckpointSignature.Valid, key.Check(checkpoint));
    }
}
