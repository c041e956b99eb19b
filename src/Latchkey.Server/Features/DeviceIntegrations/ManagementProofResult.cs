namespace Latchkey.Server.Features.DeviceIntegrations;

/// <summary>Why a management proof was refused (docs/device-integrations.md lists each with its text).</summary>
public enum ManagementProofFailure
{
    /// <summary>Not a failure: the proof was accepted. Never the value of a refused result.</summary>
    None,
    NoIntegration,
    NoProof,
    Malformed,
    UntrustedCertificate,
    CertificateNotYetValid,
    CertificateExpired,
    CertificateUnknown,
    CertificateRevoked,
    SignatureInvalid,
    NonceMismatch,
    TransactionMismatch,
    AudienceMismatch,
    ProofExpired,
}

/// <summary>
/// The verdict on a management proof. It fails closed: only <see cref="Accepted"/> makes <see cref="Succeeded"/> true,
/// and a refusal always carries its kind and a reason a person understands.
/// </summary>
public sealed record ManagementProofResult
{
    private ManagementProofResult()
    {
    }

    public bool Succeeded { get; private init; }

    public ManagementProofFailure Failure { get; private init; }

    /// <summary>What was accepted, or why the proof was refused, in words.</summary>
    public required string Reason { get; init; }

    public string? IntegrationId { get; private init; }

    public string? IntegrationName { get; private init; }

    public string? CertificateId { get; private init; }

    public string? SerialNumber { get; private init; }

    public static ManagementProofResult Accepted(string integrationId, string integrationName, string certificateId, string serialNumber) => new()
    {
        Succeeded = true, Failure = ManagementProofFailure.None, IntegrationId = integrationId, IntegrationName = integrationName,
        CertificateId = certificateId, SerialNumber = serialNumber,
        Reason = $"management proven with certificate {serialNumber} of the device integration {integrationName}",
    };

    public static ManagementProofResult Refused(ManagementProofFailure failure, string reason, string? integrationId = null, string? certificateId = null,
        string? serialNumber = null) => new()
    {
        Failure = failure == ManagementProofFailure.None ? ManagementProofFailure.Malformed : failure, Reason = reason,
        IntegrationId = integrationId, CertificateId = certificateId, SerialNumber = serialNumber,
    };
}
