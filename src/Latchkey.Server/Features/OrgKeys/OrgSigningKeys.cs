using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Latchkey.Core.Time;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.OrgKeys;

/// <summary>An org's signing key, opened: its <c>kid</c> and the private key that signs as the org.</summary>
public sealed record OrgSigner(string KeyId, RSA Key)
{
    /// <summary>A compact JWS of <paramref name="claims"/> with header <c>typ</c> <paramref name="type"/>, signed as the org.</summary>
    public string Sign(string type, JsonObject claims) => OrgJwt.Sign(Key, KeyId, type, claims);
}

/// <summary>The org keys opened in this process (opening costs a Data Protection unseal and a PKCS#8 import; signing happens per sign-in).</summary>
public sealed class OrgSignerCache
{
    internal ConcurrentDictionary<string, OrgSigner> Signers { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The org's signing key (docs/fastpass.md, "Org signing key"): RS256 over RSA 2048 (see <see cref="OrgJwt"/> for why),
/// created with the org and, for an org made before keys existed, on first use. The private key is stored only sealed
/// by ASP.NET Core Data Protection (the key ring every node shares, as factor secrets are: Features/Factors/FactorSecrets.cs),
/// sealed for its org and key id so a sealed value copied to another row does not open. The public keys are the JWKS
/// of <c>GET /oauth2/v1/keys</c>; the OAuth/OIDC work signs its tokens with the same key.
/// </summary>
public sealed class OrgSigningKeys(LatchkeyDbContext db, OrgWrite write, IDataProtectionProvider protection, OrgSignerCache cache, TimeProvider time)
{
    private const string Purpose = "Latchkey.OrgKeys.SigningKey.v1";

    /// <summary>A new key row for <paramref name="orgId"/>, its private key sealed (the org's creation adds it in its own write).</summary>
    public static OrgSigningKeyEntity NewKey(IDataProtectionProvider protection, string orgId, DateTimeOffset now)
    {
        var material = OrgJwt.CreateKey();
        try
        {
            return new OrgSigningKeyEntity
            {
                Id = material.KeyId, OrgId = orgId, Algorithm = OrgJwt.Algorithm, PublicJwk = material.PublicJwk.ToJsonString(),
                SealedPrivateKey = WebEncoders.Base64UrlEncode(Protector(protection, orgId, material.KeyId).Protect(material.Pkcs8)),
                Created = now,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material.Pkcs8);
        }
    }

    /// <summary>The org's signer, the key made now when the org has none yet (two nodes racing: the unique index keeps one, both use it).</summary>
    public async Task<OrgSigner> SignerAsync(string orgId, CancellationToken ct)
    {
        if (cache.Signers.TryGetValue(orgId, out var known))
        {
            return known;
        }

        var row = await CurrentAsync(orgId, ct);
        var pkcs8 = Protector(protection, orgId, row.Id).Unprotect(WebEncoders.Base64UrlDecode(row.SealedPrivateKey));
        try
        {
            // Fail closed: a key that does not open or is not RSA 2048 signs nothing (the ring or the row was altered).
            var key = OrgJwt.ImportPrivate(pkcs8) ?? throw new InvalidOperationException($"The org signing key {row.Id} is not an RSA 2048 key.");
            return cache.Signers.GetOrAdd(orgId, new OrgSigner(row.Id, key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The org's public keys as a JWKS <c>keys</c> array (public members only).</summary>
    public async Task<JsonArray> PublicKeysAsync(string orgId, CancellationToken ct)
    {
        await CurrentAsync(orgId, ct);
        var keys = await db.OrgSigningKeys.AsNoTracking().Where(k => k.OrgId == orgId).OrderBy(k => k.Created).Select(k => k.PublicJwk).ToListAsync(ct);
        return new JsonArray(keys.Select(k => JsonNode.Parse(k)).ToArray());
    }

    private async Task<OrgSigningKeyEntity> CurrentAsync(string orgId, CancellationToken ct)
    {
        var row = await db.OrgSigningKeys.AsNoTracking().FirstOrDefaultAsync(k => k.OrgId == orgId && k.Algorithm == OrgJwt.Algorithm, ct);
        if (row is not null)
        {
            return row;
        }

        await write.TryInsertUnloggedAsync(NewKey(protection, orgId, IsoTime.Truncate(time.GetUtcNow())), nameof(LatchkeyDbContext.OrgSigningKeys), ct);
        return await db.OrgSigningKeys.AsNoTracking().FirstAsync(k => k.OrgId == orgId && k.Algorithm == OrgJwt.Algorithm, ct);
    }

    private static IDataProtector Protector(IDataProtectionProvider protection, string orgId, string keyId) =>
        protection.CreateProtector(Purpose, orgId, keyId);
}
