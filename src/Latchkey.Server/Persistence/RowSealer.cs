using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Latchkey.Server.Persistence;

/// <summary>
/// A secret at rest sealed for one row: encrypted and authenticated with ASP.NET Core Data Protection (the key ring kept
/// in the database, so every node opens what another sealed), under <paramref name="purpose"/> and the org and row id, so
/// a sealed value copied to another row or org does not open there. What does not open is null: the caller fails closed.
/// This protects a copy of one table; a dump of the whole database holds the key ring too.
/// </summary>
public abstract class RowSealer(IDataProtectionProvider protection, string purpose)
{
    private readonly IDataProtector _protector = protection.CreateProtector(purpose);

    /// <summary>Seals <paramref name="secret"/> for row <paramref name="rowId"/> of <paramref name="orgId"/>: it opens for that row only.</summary>
    public string Seal(string orgId, string rowId, byte[] secret) =>
        WebEncoders.Base64UrlEncode(_protector.CreateProtector(orgId, rowId).Protect(secret));

    /// <summary>The secret, or null when it does not open for this row (altered, copied from another row, foreign key ring, absent).</summary>
    public byte[]? Open(string orgId, string rowId, string? sealedSecret)
    {
        if (string.IsNullOrEmpty(sealedSecret))
        {
            return null;
        }

        try
        {
            return _protector.CreateProtector(orgId, rowId).Unprotect(WebEncoders.Base64UrlDecode(sealedSecret));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
    }
}
