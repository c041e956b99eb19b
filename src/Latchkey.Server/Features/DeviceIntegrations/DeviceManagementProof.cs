using System.Globalization;
using Latchkey.Core.Security;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>
/// Checks the management proof a device presents at a FastPass sign-in (format: <see cref="ManagementProofToken"/>,
/// docs/device-integrations.md), one check after another, and refuses at the first that does not pass:
/// <list type="number">
/// <item>the org has an ACTIVE integration for the device's platform;</item>
/// <item>a proof was presented and parses (typ, alg ES256/RS256, x5c);</item>
/// <item>its certificate chains (X509Chain, custom root trust, only that CA) to the CA of one of those integrations, for client authentication;</item>
/// <item>the certificate (and that CA) is valid now;</item>
/// <item>the certificate is one the integration issued (serial and thumbprint recorded) and is not revoked;</item>
/// <item>the JWS signature verifies with the certificate's public key;</item>
/// <item><c>nonce</c>, <c>tx</c> and <c>aud</c> are the ones expected;</item>
/// <item><c>iat</c>/<c>exp</c> make it current: not expired, issued at most <see cref="AllowedSkew"/> ahead, living at most <see cref="MaxLifetime"/>.</item>
/// </list>
/// It reads only; the caller records the verdict with <see cref="DeviceManagement.RecordManagementResultAsync"/>.
/// </summary>
public static class DeviceManagementProof
{
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(10);

    public static async Task<ManagementProofResult> VerifyAsync(LatchkeyDbContext db, string orgId, string platform, string? jws, string expectedNonce,
        string expectedTx, string expectedAud, DateTimeOffset now, CancellationToken ct)
    {
        var integrations = await db.DeviceIntegrations.AsNoTracking()
            .Where(i => i.OrgId == orgId && i.Platform == platform && i.Status == DeviceIntegrationStatus.Active).OrderBy(i => i.Id).ToListAsync(ct);
        if (integrations.Count == 0)
        {
            return ManagementProofResult.Refused(ManagementProofFailure.NoIntegration, $"no active device integration for {platform}");
        }

        if (string.IsNullOrWhiteSpace(jws))
        {
            return ManagementProofResult.Refused(ManagementProofFailure.NoProof, "no management proof was presented");
        }

        using var token = ManagementProofToken.Read(jws, out var problem);
        if (token is null)
        {
            return ManagementProofResult.Refused(ManagementProofFailure.Malformed, $"the management proof is malformed: {problem}");
        }

        var serial = token.SerialNumber;
        if (token.FindIssuingCa(integrations.Select(i => i.CaCertificatePem).ToList(), now) is not { } ca)
        {
            return ManagementProofResult.Refused(ManagementProofFailure.UntrustedCertificate,
                $"the certificate {serial} ({token.Subject}, issued by {token.Issuer}) was not issued for client authentication by the CA of an active " +
                $"{platform} device integration of this org", serialNumber: serial);
        }

        var integration = integrations[ca.Index];
        if ((TimeProblem(token.NotBefore, token.NotAfter, "the certificate " + serial, now)
            ?? TimeProblem(ca.NotBefore, ca.NotAfter, $"the CA of the device integration {integration.Name}", now)) is { } time)
        {
            return ManagementProofResult.Refused(time.Failure, time.Reason, integration.Id, serialNumber: serial);
        }

        var issued = await db.DeviceCertificates.AsNoTracking()
            .FirstOrDefaultAsync(c => c.OrgId == orgId && c.IntegrationId == integration.Id && c.SerialNumber == serial, ct);
        if (issued is null || !string.Equals(issued.Thumbprint, token.Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            return ManagementProofResult.Refused(ManagementProofFailure.CertificateUnknown,
                $"the certificate {serial} was not issued through the device integration {integration.Name} (no record of it)", integration.Id, serialNumber: serial);
        }

        if (issued.Status != DeviceIntegrationStatus.Active)
        {
            return ManagementProofResult.Refused(ManagementProofFailure.CertificateRevoked,
                $"the certificate {serial} was revoked on {DeviceManagement.Date(issued.RevokedAt ?? issued.Created)}", integration.Id, issued.Id, serial);
        }

        if (!token.SignedByLeaf())
        {
            return ManagementProofResult.Refused(ManagementProofFailure.SignatureInvalid,
                $"the proof's signature does not verify with the public key of the certificate {serial} (signed with another key)", integration.Id, issued.Id, serial);
        }

        if (ClaimProblem(token, expectedNonce, expectedTx, expectedAud, now) is { } claim)
        {
            return ManagementProofResult.Refused(claim.Failure, claim.Reason, integration.Id, issued.Id, serial);
        }

        return ManagementProofResult.Accepted(integration.Id, integration.Name, issued.Id, serial);
    }

    private static (ManagementProofFailure Failure, string Reason)? TimeProblem(DateTimeOffset notBefore, DateTimeOffset notAfter, string what, DateTimeOffset now) =>
        now < notBefore ? (ManagementProofFailure.CertificateNotYetValid, $"{what} is not valid before {DeviceManagement.Date(notBefore)}")
            : now > notAfter ? (ManagementProofFailure.CertificateExpired, $"{what} expired on {DeviceManagement.Date(notAfter)}")
            : null;

    private static (ManagementProofFailure Failure, string Reason)? ClaimProblem(ManagementProofToken token, string nonce, string tx, string aud, DateTimeOffset now)
    {
        if (token.Claim("nonce") != nonce)
        {
            return (ManagementProofFailure.NonceMismatch, "the proof answers another challenge (its nonce is not this sign-in's)");
        }

        if (token.Claim("tx") != tx)
        {
            return (ManagementProofFailure.TransactionMismatch, "the proof belongs to another sign-in transaction (tx)");
        }

        if (token.Claim("aud") != aud)
        {
            return (ManagementProofFailure.AudienceMismatch, $"the proof is meant for {token.Claim("aud") ?? "no audience"}, not {aud}");
        }

        if (token.NumericClaim("iat") is not { } iat || token.NumericClaim("exp") is not { } exp)
        {
            return (ManagementProofFailure.Malformed, "the management proof is malformed: it has no numeric iat and exp");
        }

        var (issuedAt, expires) = (DateTimeOffset.FromUnixTimeSeconds(iat), DateTimeOffset.FromUnixTimeSeconds(exp));
        return expires <= now ? (ManagementProofFailure.ProofExpired, $"the proof expired at {expires.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}")
            : issuedAt > now + AllowedSkew ? (ManagementProofFailure.ProofExpired, "the proof is issued in the future: the device's clock is ahead")
            : expires - issuedAt > MaxLifetime ? (ManagementProofFailure.ProofExpired, $"the proof lives longer than {MaxLifetime.TotalMinutes} minutes")
            : null;
    }
}
