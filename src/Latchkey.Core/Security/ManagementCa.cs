using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Latchkey.Core.Security;

/// <summary>A device integration's CA: its certificate (PEM) and private key (PKCS#8, to be sealed at rest by the caller).</summary>
public sealed record ManagementCaMaterial(string CertificatePem, byte[] PrivateKeyPkcs8, string Subject, DateTimeOffset NotAfter);

/// <summary>A management certificate a device integration's CA issued from a device's CSR.</summary>
public sealed record IssuedManagementCertificate(byte[] Der, string Pem, string SerialNumber, string Subject, string Thumbprint,
    DateTimeOffset NotBefore, DateTimeOffset NotAfter);

/// <summary>A CA or CSR input that cannot be used; <see cref="Field"/> names the request member at fault.</summary>
public sealed class ManagementCaException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Latchkey as the CA of a device integration (docs/device-integrations.md): it makes the CA (ECDSA P-256, self-signed,
/// RFC 5280 section 4.2.1.9 basic constraints cA=true and section 4.2.1.3 keyCertSign|cRLSign, ten years), or checks an
/// imported one (a CA certificate whose private key matches), and issues client-authentication certificates from PKCS#10
/// requests whose signature verifies (RFC 2986 section 3: the request is signed by the key it certifies). Only P-256 and
/// RSA keys of at least 2048 bits are certified, since the management proof is signed ES256 or RS256 with them.
/// </summary>
public static class ManagementCa
{
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private const string EcOid = "1.2.840.10045.2.1";
    private const string RsaOid = "1.2.840.113549.1.1.1";

    /// <summary>A new CA for the integration <paramref name="name"/> of org <paramref name="orgId"/>, valid ten years from <paramref name="now"/>.</summary>
    public static ManagementCaMaterial Create(string name, string orgId, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName($"{name} device management CA");
        subject.AddOrganizationalUnitName(orgId);
        subject.AddOrganizationName("Latchkey");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = Seconds(now);
        using var certificate = request.CreateSelfSigned(notBefore, notBefore.AddYears(10));
        return new ManagementCaMaterial(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKey(), certificate.Subject, certificate.NotAfter);
    }

    /// <summary>
    /// Checks an org's own CA for import: a PEM certificate that is a CA (basic constraints cA, keyCertSign when key usage
    /// is present), still valid at <paramref name="now"/>, and an unencrypted PEM private key that belongs to it.
    /// </summary>
    public static ManagementCaMaterial Import(string certificatePem, string privateKeyPem, DateTimeOffset now)
    {
        using var certificate = ReadCertificate(certificatePem, "ca.certificate");
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            throw new ManagementCaException("ca.certificate", "The certificate is not a CA certificate (its basic constraints do not say cA=true).");
        }

        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
        {
            throw new ManagementCaException("ca.certificate", "The certificate's key usage does not allow signing certificates (keyCertSign).");
        }

        if (certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime || certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            throw new ManagementCaException("ca.certificate",
                $"The certificate is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}, not now.");
        }

        using var signer = WithPrivateKey(certificate, privateKeyPem);
        var pkcs8 = (signer.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? signer.GetRSAPrivateKey())!;
        using (pkcs8)
        {
            return new ManagementCaMaterial(certificate.ExportCertificatePem(), pkcs8.ExportPkcs8PrivateKey(), certificate.Subject, certificate.NotAfter);
        }
    }

    /// <summary>
    /// Issues a client-authentication certificate for the PEM PKCS#10 request <paramref name="csrPem"/>: its signature must
    /// verify and its key be P-256 or RSA of 2048 bits or more. The extensions the request asks for are ignored: the
    /// certificate is an end entity (cA=false), digitalSignature, clientAuth, with a random 128-bit serial, valid from
    /// <paramref name="now"/> for <paramref name="validity"/> but never past the CA.
    /// </summary>
    public static IssuedManagementCertificate Issue(string caCertificatePem, byte[] caPrivateKeyPkcs8, string csrPem, DateTimeOffset now, TimeSpan validity)
    {
        var request = ReadRequest(csrPem);
        using var ca = X509Certificate2.CreateFromPem(caCertificatePem);
        using var issuer = WithPrivateKey(ca, caPrivateKeyPkcs8);
        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuthentication], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // RFC 5280 section 4.2.1.1: the CA's key identifier when it has one (an imported CA may not), else its issuer and serial.
        var hasKeyIdentifier = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any();
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, hasKeyIdentifier, !hasKeyIdentifier));

        var notBefore = Max(Seconds(now), ca.NotBefore.ToUniversalTime());
        var notAfter = Min(notBefore + validity, ca.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40); // positive and always 16 bytes long (RFC 5280 section 4.1.2.2)
        using var certificate = request.Create(issuer, notBefore, notAfter, serial);
        return new IssuedManagementCertificate(certificate.RawData, certificate.ExportCertificatePem(), certificate.SerialNumber, certificate.Subject,
            certificate.GetCertHashString(HashAlgorithmName.SHA256), certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>The request, its signature verified; a bad PEM, a bad signature or an unsupported key is an error naming <c>csr</c>.</summary>
    private static CertificateRequest ReadRequest(string csrPem)
    {
        try
        {
            CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation, RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ManagementCaException("csr", "The value is not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----, PKCS#10).");
        }

        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            throw new ManagementCaException("csr", "The request's signature does not verify with the public key it carries.");
        }

        var supported = request.PublicKey.Oid.Value switch
        {
            EcOid => request.PublicKey.GetECDsaPublicKey() is { KeySize: 256 } ec && ec.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value,
            RsaOid => request.PublicKey.GetRSAPublicKey() is { KeySize: >= 2048 },
            _ => false,
        };
        if (!supported)
        {
            throw new ManagementCaException("csr", "The request's key is not supported: use an ECDSA P-256 key or an RSA key of at least 2048 bits.");
        }

        if (request.SubjectName.RawData.Length <= 2)
        {
            throw new ManagementCaException("csr", "The request has an empty subject: name the device, e.g. CN=<serial number>.");
        }

        return request;
    }

    private static X509Certificate2 ReadCertificate(string pem, string field)
    {
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ManagementCaException(field, "The value is not a PEM certificate (-----BEGIN CERTIFICATE-----).");
        }
    }

    private static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, string privateKeyPem)
    {
        try
        {
            if (certificate.GetECDsaPublicKey() is { } ecPublic)
            {
                ecPublic.Dispose();
                using var ec = ECDsa.Create();
                ec.ImportFromPem(privateKeyPem);
                return certificate.CopyWithPrivateKey(ec);
            }

            using var rsa = RSA.Create();
            rsa.ImportFromPem(privateKeyPem);
            return certificate.CopyWithPrivateKey(rsa);
        }
        catch (CryptographicException)
        {
            throw new ManagementCaException("ca.privateKey", "The value is not an unencrypted PEM private key of the certificate's key type (PKCS#8, EC or RSA PRIVATE KEY).");
        }
        catch (ArgumentException)
        {
            throw new ManagementCaException("ca.privateKey", "The private key does not belong to the certificate, or is not an unencrypted PEM private key.");
        }
    }

    private static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, byte[] pkcs8)
    {
        if (certificate.GetECDsaPublicKey() is { } ecPublic)
        {
            ecPublic.Dispose();
            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(pkcs8, out _);
            return certificate.CopyWithPrivateKey(ec);
        }

        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return certificate.CopyWithPrivateKey(rsa);
    }

    private static DateTimeOffset Seconds(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static DateTimeOffset Max(DateTimeOffset a, DateTime b) => a >= new DateTimeOffset(b, TimeSpan.Zero) ? a : new DateTimeOffset(b, TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTime b) => a <= new DateTimeOffset(b, TimeSpan.Zero) ? a : new DateTimeOffset(b, TimeSpan.Zero);
}
