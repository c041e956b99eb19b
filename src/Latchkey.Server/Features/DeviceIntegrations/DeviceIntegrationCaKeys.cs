using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>
/// A device integration's CA private key at rest: PKCS#8 sealed with ASP.NET Core Data Protection (the key ring kept in
/// the database, shared by every node), for its org and integration only, so a sealed key copied to another row does not
/// open there. A key that does not open issues nothing (fail closed). As with factor secrets, this protects a copy of the
/// table; a dump of the whole database holds the key ring too.
/// </summary>
public sealed class DeviceIntegrationCaKeys(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Latchkey.DeviceIntegrations.CaKey.v1");

    public string Seal(string orgId, string integrationId, byte[] pkcs8) =>
        WebEncoders.Base64UrlEncode(_protector.CreateProtector(orgId, integrationId).Protect(pkcs8));

    /// <summary>The PKCS#8 key, or null when it does not open for this integration.</summary>
    public byte[]? Open(string orgId, string integrationId, string sealedKey)
    {
        try
        {
            return _protector.CreateProtector(orgId, integrationId).Unprotect(WebEncoders.Base64UrlDecode(sealedKey));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
    }
}
