using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Features.Factors;

/// <summary>
/// Factor secrets at rest: encrypted and authenticated with ASP.NET Core Data Protection, whose key ring is kept in the
/// database so every node can open what another sealed; each secret is sealed for its org and factor, so a sealed value
/// copied to another row does not open there. A secret that fails to open is no secret: the factor then refuses every
/// code (and still locks). This protects a copy of the factors table; a dump of the whole database holds the key ring too.
/// </summary>
public sealed class FactorSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.Factors.Secret.v1");

    /// <summary>Seals the secret of factor <paramref name="factorId"/> of <paramref name="orgId"/>: it opens for that factor only.</summary>
    public string Seal(string orgId, string factorId, byte[] secret) =>
        WebEncoders.Base64UrlEncode(_protector.CreateProtector(orgId, factorId).Protect(secret));

    /// <summary>The secret, or null when it does not open for this factor (altered, copied from another row, foreign key ring).</summary>
    public byte[]? Open(string orgId, string factorId, string? sealedSecret)
    {
        if (string.IsNullOrEmpty(sealedSecret))
        {
            return null;
        }

        try
        {
            return _protector.CreateProtector(orgId, factorId).Unprotect(WebEncoders.Base64UrlDecode(sealedSecret));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
    }
}
