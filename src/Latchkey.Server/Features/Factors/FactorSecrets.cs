using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Features.Factors;

/// <summary>
/// Factor secrets at rest: encrypted and authenticated with ASP.NET Core Data Protection, whose key ring is kept in the
/// database so every node can open what another sealed. A secret that fails to open (altered, or another org's keys)
/// is no secret: the factor then refuses every code.
/// </summary>
public sealed class FactorSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.Factors.Secret.v1");

    public string Seal(byte[] secret) => WebEncoders.Base64UrlEncode(_protector.Protect(secret));

    public byte[]? Open(string? sealedSecret)
    {
        if (string.IsNullOrEmpty(sealedSecret))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(WebEncoders.Base64UrlDecode(sealedSecret));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
    }
}
