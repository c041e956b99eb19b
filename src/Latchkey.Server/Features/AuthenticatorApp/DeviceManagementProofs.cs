namespace Latchkey.Server.Features.AuthenticatorApp;

/// <summary>One management proof a device put in its FastPass answer: <c>{"id": integration id, "proof": compact JWS}</c>.</summary>
public sealed record DeviceManagementProof(string IntegrationId, string Proof);

/// <summary>What the FastPass challenge the proofs answer asked and named: the device, its nonce, transaction and audience.</summary>
public sealed record DeviceManagementContext(string OrgId, string DeviceId, string Nonce, string TransactionId, string Audience, DateTimeOffset Now);

/// <summary>
/// Checks the management proofs of a FastPass answer (SCENARIOS.md B: only a FastPass sign-in carries the proof that a
/// device integration manages the device). Returns null when every required integration is proven, else the refusal's
/// reason. The device integrations feature provides the real one; until it is connected, <see cref="NoDeviceIntegrations"/>
/// refuses, so a challenge that asks for management can never pass by default (fail closed).
/// </summary>
public interface IDeviceManagementVerifier
{
    Task<string?> VerifyAsync(IReadOnlyList<string> requiredIntegrationIds, IReadOnlyList<DeviceManagementProof> proofs, DeviceManagementContext context,
        CancellationToken ct);
}

/// <summary>The default: no device integration is configured, so no management proof is accepted.</summary>
public sealed class NoDeviceIntegrations : IDeviceManagementVerifier
{
    public Task<string?> VerifyAsync(IReadOnlyList<string> requiredIntegrationIds, IReadOnlyList<DeviceManagementProof> proofs, DeviceManagementContext context,
        CancellationToken ct) => Task.FromResult<string?>("no_device_integration: no device integration is configured to check the management proof");
}
