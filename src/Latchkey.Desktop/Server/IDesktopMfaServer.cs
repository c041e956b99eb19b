using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Server;

/// <summary>
/// What the agent needs from the org's server (the Desktop MFA protocol of docs/desktop-mfa.md), as the agent library
/// sees it. The server side implements it over HTTP, authenticating as the Desktop MFA app with the profile's client id
/// and secret; until an implementation is wired in, the agent has none and every command that needs the server says
/// so (<see cref="DesktopMfaServerUnavailable"/>). Every method throws <see cref="DesktopException"/> with a precise
/// reason when the server refuses (e.g. <c>user_not_assigned</c>, <c>invalid_client</c>, <c>rate_limited</c> with the
/// seconds to wait), and <see cref="ExitCodes.Unreachable"/> when it cannot be reached.
/// </summary>
public interface IDesktopMfaServer
{
    /// <summary>
    /// Registers a new device access code for a user on this computer, pending until confirmed
    /// (<c>device.desktop_mfa.enrollment.create</c>). The server keeps the secret sealed so it can tell a device access
    /// code typed where the org account's code is expected (scenario A2), and expires the enrollment at
    /// <see cref="OfflineEnrollmentRequest.ExpiresAt"/> unless it is confirmed.
    /// </summary>
    Task<OfflineEnrollmentRegistration> RegisterOfflineEnrollmentAsync(OfflineEnrollmentRequest request, CancellationToken cancellationToken);

    /// <summary>Confirms a pending enrollment once the person entered a right code from the new account; returns the server's time of confirmation.</summary>
    Task<DateTimeOffset> ConfirmOfflineEnrollmentAsync(string enrollmentId, CancellationToken cancellationToken);

    /// <summary>The security keys registered for offline use by this user on this computer (rate limited per user and computer).</summary>
    Task<IReadOnlyList<RegisteredSecurityKey>> GetOfflineSecurityKeysAsync(string login, string computerId, CancellationToken cancellationToken);

    /// <summary>
    /// Uploads signed offline events; returns the ids the server stored or already had (it deduplicates by id), which
    /// the agent then removes from its journal.
    /// </summary>
    Task<IReadOnlyList<string>> UploadOfflineEventsAsync(string computerId, IReadOnlyList<SignedOfflineEvent> events, CancellationToken cancellationToken);
}

/// <summary>
/// A new offline enrollment: the user, this computer (its id, name or serial, and the public key that signs its
/// offline events), the account's label, the secret (base32) and when the pending enrollment expires.
/// </summary>
public sealed record OfflineEnrollmentRequest(
    string Login,
    string ComputerId,
    string ComputerName,
    byte[] ComputerPublicKey,
    string Label,
    string Secret,
    DateTimeOffset ExpiresAt);

/// <summary>The server's id of a pending enrollment.</summary>
public sealed record OfflineEnrollmentRegistration(string EnrollmentId);

/// <summary>
/// The agent without a server connection: this build has no implementation of the Desktop MFA protocol yet, so a
/// command that needs the server fails saying so, and nothing is pretended or written.
/// </summary>
public sealed class DesktopMfaServerUnavailable(Uri orgUrl) : IDesktopMfaServer
{
    public Task<OfflineEnrollmentRegistration> RegisterOfflineEnrollmentAsync(OfflineEnrollmentRequest request, CancellationToken cancellationToken) =>
        throw Unavailable("register the device access code");

    public Task<DateTimeOffset> ConfirmOfflineEnrollmentAsync(string enrollmentId, CancellationToken cancellationToken) =>
        throw Unavailable("confirm the device access code");

    public Task<IReadOnlyList<RegisteredSecurityKey>> GetOfflineSecurityKeysAsync(string login, string computerId, CancellationToken cancellationToken) =>
        throw Unavailable("look up the security keys");

    public Task<IReadOnlyList<string>> UploadOfflineEventsAsync(string computerId, IReadOnlyList<SignedOfflineEvent> events, CancellationToken cancellationToken) =>
        throw Unavailable("upload the offline sign-ins");

    private DesktopException Unavailable(string what) => new(ExitCodes.Unreachable,
        $"cannot {what} with the org's server ({orgUrl}): this latchkey-desktop cannot reach the server yet (its Desktop MFA protocol " +
        "is not built in); no device access code was set up and nothing was uploaded");
}
