using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Desktop.Security;

/// <summary>An offline check of a security key's answer: accepted with the key's new counter, or why not (a journal reason and words).</summary>
public sealed record SecurityKeyCheck(bool Accepted, uint SignCount, string? Reason, string? Words)
{
    public static SecurityKeyCheck Refused(string reason, string words) => new(false, 0, reason, words);
}

/// <summary>
/// Verifies a WebAuthn assertion on this computer with no network (WebAuthn Level 2, section 7.2, "Verifying an
/// Authentication Assertion"), against the credential's COSE public key and last counter the server registered for
/// offline use. Stateless: the caller passes the stored key, counter and the challenge it made, and keeps the new counter
/// when accepted. ES256 keys only (COSE alg -7, RFC 9053 section 2.1); ECDSA and SHA-256 are the platform's.
/// </summary>
public static class SecurityKeyAssertion
{
    private const int Es256 = -7;

    /// <summary>A fresh challenge for the key (32 bytes from the platform's CSPRNG; section 13.4.3 asks for at least 16).</summary>
    public static byte[] NewChallenge() => RandomNumberGenerator.GetBytes(32);

    public static SecurityKeyCheck Verify(string credentialJson, byte[] coseKey, long storedCount, byte[] challenge, string origin, string rpId)
    {
        const string invalid = "invalid_assertion";
        JsonNode? response;
        byte[] clientData, authenticatorData, signature;
        try
        {
            response = JsonNode.Parse(credentialJson)?["response"];
            clientData = Base64Url.DecodeFromChars((string?)response?["clientDataJSON"] ?? "");
            authenticatorData = Base64Url.DecodeFromChars((string?)response?["authenticatorData"] ?? "");
            signature = Base64Url.DecodeFromChars((string?)response?["signature"] ?? "");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return SecurityKeyCheck.Refused(invalid, "the key's answer is not a WebAuthn assertion");
        }

        // Steps 10-13: the client data is of an assertion, for the challenge made here, from the org's origin.
        JsonNode? client;
        try
        {
            client = JsonNode.Parse(clientData);
        }
        catch (JsonException)
        {
            return SecurityKeyCheck.Refused(invalid, "the key's client data is not JSON");
        }

        byte[] answered;
        try
        {
            answered = Base64Url.DecodeFromChars((string?)client?["challenge"] ?? "");
        }
        catch (FormatException)
        {
            answered = [];
        }

        if ((string?)client?["type"] != "webauthn.get" || !CryptographicOperations.FixedTimeEquals(answered, challenge) || (string?)client?["origin"] != origin)
        {
            return SecurityKeyCheck.Refused(invalid, "the key answered another challenge, type or origin than the one asked here");
        }

        // Steps 15-16: authenticator data is rpIdHash (32) || flags (1) || signCount (4); the RP id is the org's host, the user was present.
        if (authenticatorData.Length < 37 || !CryptographicOperations.FixedTimeEquals(authenticatorData.AsSpan(0, 32), SHA256.HashData(Encoding.UTF8.GetBytes(rpId))))
        {
            return SecurityKeyCheck.Refused(invalid, $"the key's answer is not for {rpId}");
        }

        if ((authenticatorData[32] & 0x01) == 0)
        {
            return SecurityKeyCheck.Refused(invalid, "the key did not report that it was touched (user presence)");
        }

        // Steps 19-20: the signature over authenticatorData || SHA-256(clientDataJSON), with the registered public key.
        using var key = PublicKey(coseKey);
        if (key is null)
        {
            return SecurityKeyCheck.Refused(invalid, "the registered key is not an ES256 (P-256) key, the only kind checked offline");
        }

        if (!key.VerifyData((byte[])[.. authenticatorData, .. SHA256.HashData(clientData)], signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
        {
            return SecurityKeyCheck.Refused(invalid, "the key's signature does not verify with the key registered for it");
        }

        // Step 21: the counter moves forward, unless the key keeps none (0 now and 0 stored).
        var count = BinaryPrimitives.ReadUInt32BigEndian(authenticatorData.AsSpan(33, 4));
        return count > storedCount || (count == 0 && storedCount == 0)
            ? new SecurityKeyCheck(true, count, null, null)
            : SecurityKeyCheck.Refused("counter_not_increased",
                $"the key's signature counter ({count}) is not greater than the {storedCount} last seen: it may be a copy of the registered key");
    }

    /// <summary>The P-256 key of a COSE_Key (RFC 9053 section 7.1.1: kty 2, alg -7, crv 1, x, y), or null when it is not one.</summary>
    private static ECDsa? PublicKey(byte[] cose)
    {
        try
        {
            var reader = new CborReader(cose, CborConformanceMode.Lax);
            var fields = new Dictionary<int, object>();
            var count = reader.ReadStartMap() ?? 0;
            for (var i = 0; i < count; i++)
            {
                var label = reader.ReadInt32();
                fields[label] = reader.PeekState() == CborReaderState.ByteString ? reader.ReadByteString() : reader.ReadInt32();
            }

            if (fields.GetValueOrDefault(1) is not 2 || fields.GetValueOrDefault(3) is not Es256 || fields.GetValueOrDefault(-1) is not 1
                || fields.GetValueOrDefault(-2) is not byte[] { Length: 32 } x || fields.GetValueOrDefault(-3) is not byte[] { Length: 32 } y)
            {
                return null;
            }

            return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or CryptographicException)
        {
            return null;
        }
    }
}
