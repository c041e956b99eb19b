using System.Buffers.Binary;
using System.Security.Cryptography;
using Latchkey.Core.Security;

namespace Latchkey.Desktop.Security;

/// <summary>
/// The device access code's cryptography: RFC 6238 TOTP with HMAC-SHA1, 6 digits, 30-second steps (what every
/// authenticator app shows for an <c>otpauth://</c> URI without parameters). Codes of the drift window are computed
/// and compared by Otp.NET through <see cref="TotpCodes"/> (constant time). The clock-skew search computes the codes
/// of a whole day of steps at once with one reused HMAC key (RFC 4226 section 5.3: HMAC over the 8-byte big-endian
/// step, dynamic truncation, modulo 10^6), which is what keeps it under a millisecond; tests check it against Otp.NET.
/// </summary>
public static class DeviceAccessCodes
{
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const int SecretBytes = 20;
    private const int Modulus = 1_000_000;

    /// <summary>A new secret of 160 bits, the length RFC 4226 section 4 recommends, from the platform's CSPRNG.</summary>
    public static byte[] NewSecret() => TotpCodes.NewSecret(SecretBytes);

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    public static string Code(byte[] secret, long step) => TotpCodes.Compute(secret, step, StepSeconds, Digits, TotpAlgorithm.Sha1);

    /// <summary>The latest step from <paramref name="first"/> to <paramref name="last"/> whose code is <paramref name="code"/> (constant time), or null.</summary>
    public static long? Match(byte[] secret, string code, long first, long last) =>
        TotpCodes.Match(secret, code, first, last, StepSeconds, Digits, TotpAlgorithm.Sha1);

    /// <summary>
    /// The code of every step from <paramref name="first"/> to <paramref name="last"/> as a number below 10^6, with one
    /// reused HMAC key (RFC 4226 section 5.3) rather than a new Otp.NET object a step.
    /// </summary>
    public static int[] Codes(byte[] secret, long first, long last)
    {
        var codes = new int[checked((int)(last - first + 1))];
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, secret);
        Span<byte> counter = stackalloc byte[8];
        Span<byte> hash = stackalloc byte[20];
        for (var i = 0; i < codes.Length; i++)
        {
            // RFC 4226 section 5.3 step 1: HS = HMAC-SHA-1(K, C), C the 8-byte big-endian counter (here the time step).
            BinaryPrimitives.WriteInt64BigEndian(counter, first + i);
            hmac.AppendData(counter);
            hmac.GetHashAndReset(hash);

            // Step 2: dynamic truncation: the low 4 bits of the last byte pick 4 bytes; the top bit is masked off.
            var offset = hash[19] & 0x0f;
            var binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fffffff;

            // Step 3: the code is that number modulo 10^Digit.
            codes[i] = binary % Modulus;
        }

        return codes;
    }

    public static string ToBase32(byte[] secret) => TotpCodes.ToBase32(secret);

    public static byte[] FromBase32(string secret) => OtpNet.Base32Encoding.ToBytes(secret);
}
