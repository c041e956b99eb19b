using Latchkey.Core.Security;
using Latchkey.Verify.State;
using OtpNet;

namespace Latchkey.Verify.Totp;

/// <summary>
/// An <c>otpauth://totp/</c> key URI (the Key Uri Format of Google Authenticator): the label (<c>Issuer:account</c>),
/// <c>secret</c> (base32), <c>issuer</c>, <c>algorithm</c>, <c>digits</c>, <c>period</c>. <see cref="Parse"/> refuses
/// anything it could not turn into working codes, naming the part that is wrong.
/// </summary>
public sealed record OtpAuthUri(string Label, string? Issuer, string AccountName, TotpSettings Settings)
{
    /// <summary>RFC 4226 section 4 asks for at least 128 bits and recommends 160; 80 bits is the least any app issues.</summary>
    public const int MinimumSecretBytes = 10;

    public static OtpAuthUri Parse(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme != "otpauth")
        {
            throw Bad("it is not an otpauth:// URI");
        }

        if (!string.Equals(uri.Host, "totp", StringComparison.OrdinalIgnoreCase))
        {
            throw Bad(uri.Host == "hotp" ? "hotp (counter-based) accounts are not supported, only totp" : $"unknown type '{uri.Host}' (expected otpauth://totp/...)");
        }

        var label = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')).Trim();
        if (label.Length == 0)
        {
            throw Bad("it has no label (otpauth://totp/Issuer:account?...)");
        }

        var parameters = Query(uri.Query);
        string? labelIssuer = null;
        var account = label;
        var colon = label.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            labelIssuer = label[..colon].Trim();
            account = label[(colon + 1)..].Trim();
        }

        var issuer = parameters.GetValueOrDefault("issuer")?.Trim();
        if (issuer is { Length: > 0 } && labelIssuer is { Length: > 0 } && issuer != labelIssuer)
        {
            throw Bad($"the issuer parameter '{issuer}' differs from the label's issuer '{labelIssuer}'");
        }

        var secret = parameters.GetValueOrDefault("secret") ?? throw Bad("it has no secret parameter");
        var settings = new TotpSettings
        {
            Secret = NormalizeSecret(secret),
            Algorithm = Algorithm(parameters.GetValueOrDefault("algorithm")),
            Digits = Number(parameters, "digits", 6, 6, 8),
            Period = Number(parameters, "period", 30, 1, 300),
        };
        return new OtpAuthUri(label, issuer is { Length: > 0 } ? issuer : labelIssuer is { Length: > 0 } ? labelIssuer : null, account, settings);
    }

    /// <summary>The secret upper-cased without spaces or padding; refused unless it is base32 of at least <see cref="MinimumSecretBytes"/> bytes.</summary>
    public static string NormalizeSecret(string secret)
    {
        var normalized = secret.Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        if (normalized.Length == 0)
        {
            throw Bad("the secret is empty");
        }

        var wrong = normalized.FirstOrDefault(c => c is not (>= 'A' and <= 'Z' or >= '2' and <= '7'));
        if (wrong != default)
        {
            throw Bad($"the secret is not base32 (it contains '{wrong}')");
        }

        if (normalized.Length * 5 / 8 < MinimumSecretBytes)
        {
            throw Bad($"the secret is too short ({normalized.Length * 5 / 8} bytes; at least {MinimumSecretBytes})");
        }

        return normalized;
    }

    public static byte[] SecretBytes(TotpSettings settings) => Base32Encoding.ToBytes(settings.Secret);

    public static TotpAlgorithm AlgorithmOf(TotpSettings settings) => settings.Algorithm switch
    {
        "SHA256" => TotpAlgorithm.Sha256,
        "SHA512" => TotpAlgorithm.Sha512,
        _ => TotpAlgorithm.Sha1,
    };

    private static string Algorithm(string? value) => value?.ToUpperInvariant() switch
    {
        null or "SHA1" => "SHA1",
        "SHA256" => "SHA256",
        "SHA512" => "SHA512",
        _ => throw Bad($"unknown algorithm '{value}' (SHA1, SHA256 or SHA512)"),
    };

    private static int Number(Dictionary<string, string> parameters, string name, int fallback, int min, int max)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, null, out var value) && value >= min && value <= max
            ? value
            : throw Bad($"{name} '{text}' is not a whole number from {min} to {max}");
    }

    private static Dictionary<string, string> Query(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (!result.TryAdd(name, value))
            {
                throw Bad($"the parameter '{name}' is given twice");
            }
        }

        return result;
    }

    private static VerifyException Bad(string why) => new(ExitCodes.Usage, $"not a usable otpauth URI: {why}");
}
