using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace Latchkey.Core.Security;

public enum TotpAlgorithm
{
    Sha1,
    Sha256,
    Sha512,
}

/// <summary>
/// The cryptography of RFC 6238 codes: new secrets from the platform's CSPRNG, codes computed by Otp.NET, and the
/// constant-time match of a given code against every step of a window (the policy around it, single use and lockout,
/// is <c>Latchkey.Core.Authenticators.Totp.TotpVerifier</c>).
/// </summary>
public static class TotpCodes
{
    public static byte[] NewSecret(int bytes) => RandomNumberGenerator.GetBytes(bytes);

    public static string Compute(byte[] secret, long step, int stepSeconds, int digits, TotpAlgorithm algorithm) =>
        Totp(secret, stepSeconds, digits, algorithm).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * stepSeconds).UtcDateTime);

    /// <summary>
    /// The latest step from <paramref name="first"/> to <paramref name="last"/> whose code is <paramref name="code"/>, or null.
    /// Every step is computed and compared in constant time, so the time taken says nothing about which one matched.
    /// </summary>
    public static long? Match(byte[] secret, string code, long first, long last, int stepSeconds, int digits, TotpAlgorithm algorithm)
    {
        var totp = Totp(secret, stepSeconds, digits, algorithm);
        var given = Encoding.ASCII.GetBytes(code);
        long? matched = null;
        for (var step = first; step <= last; step++)
        {
            var expected = Encoding.ASCII.GetBytes(totp.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * stepSeconds).UtcDateTime));
            if (CryptographicOperations.FixedTimeEquals(expected, given))
            {
                matched = step;
            }
        }

        return matched;
    }

    public static string ToBase32(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    private static Totp Totp(byte[] secret, int stepSeconds, int digits, TotpAlgorithm algorithm) => new(secret, stepSeconds, algorithm switch
    {
        TotpAlgorithm.Sha256 => OtpHashMode.Sha256,
        TotpAlgorithm.Sha512 => OtpHashMode.Sha512,
        _ => OtpHashMode.Sha1,
    }, digits);
}
