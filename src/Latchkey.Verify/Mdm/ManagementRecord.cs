namespace Latchkey.Verify.Mdm;

/// <summary>
/// The device-management credential in the app's state: the management key (P-256, PKCS#8 base64, never sent anywhere)
/// and, once installed, the certificate the device integration's CA issued for it (base64 DER, leaf first, then any chain).
/// </summary>
public sealed class ManagementRecord
{
    public required string PrivateKey { get; set; }

    public required string Subject { get; set; }

    public DateTimeOffset Created { get; set; }

    public List<string> Certificates { get; set; } = [];

    public DateTimeOffset? Installed { get; set; }
}
