using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Server;

/// <summary>
/// What the agent needs from the org's server: the Desktop MFA protocol of docs/desktop-mfa.md ("The protocol (agent to
/// server)"), which is the contract. The implementation (<see cref="HttpDesktopMfaServer"/>) authenticates as the
/// Desktop MFA app with the profile's client id and secret and speaks for one computer. Every method throws
/// <see cref="DesktopException"/> with the server's reason in plain words when it refuses (<see cref="ServerRefusals"/>
/// maps each reason to its exit code), and <see cref="ExitCodes.Unreachable"/> when it cannot be reached.
/// </summary>
public interface IDesktopMfaServer
{
    /// <summary>The profile's methods in its order, each with whether the person can use it now and, if not, why (<c>POST /methods</c>).</summary>
    Task<OnlineMethods> MethodsAsync(string login, CancellationToken cancellationToken);

    /// <summary>Sends a push to the person's authenticator app (<c>POST /push</c>); the number to show when the org enforces number matching.</summary>
    Task<PushSent> SendPushAsync(string login, CancellationToken cancellationToken);

    /// <summary>
    /// The push's state now (<c>GET /push/{challengeId}</c>): waiting, or approved with the login token; a denied or
    /// unanswered push is thrown as its refusal.
    /// </summary>
    Task<PushPoll> PollPushAsync(string challengeId, CancellationToken cancellationToken);

    /// <summary>Checks a code of the person's org account (<c>POST /code</c>); returns the login token of the online sign-in.</summary>
    Task<string> CheckCodeAsync(string login, string code, CancellationToken cancellationToken);

    /// <summary>
    /// Registers a new device access code for a person on this computer, pending until confirmed
    /// (<c>POST /offline-enrollments</c>, with the login token of an online sign-in of that person on this computer).
    /// </summary>
    Task<OfflineEnrollmentRegistration> RegisterOfflineEnrollmentAsync(OfflineEnrollmentRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Confirms a pending enrollment with one code of the new account (<c>POST /offline-enrollments/{id}/confirm</c>);
    /// returns the time of confirmation.
    /// </summary>
    Task<DateTimeOffset> ConfirmOfflineEnrollmentAsync(string login, string enrollmentId, string code, CancellationToken cancellationToken);

    /// <summary>
    /// The person's roaming security keys (credential id, COSE public key, name, counter) and the request options with a
    /// fresh challenge for one of them to answer (<c>POST /security-keys</c>; rate limited per person and computer).
    /// </summary>
    Task<SecurityKeyLookup> SecurityKeysAsync(string login, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a key's answer to the challenge of <paramref name="lookup"/> (<c>POST /security-keys/assertion</c>, with the
    /// lookup's challenge ticket); the login token and the key's counter.
    /// </summary>
    Task<SecurityKeyVerified> VerifySecurityKeyAsync(string login, SecurityKeyLookup lookup, string credentialJson, CancellationToken cancellationToken);

    /// <summary>
    /// Uploads signed offline events (<c>POST /offline-events</c>, at most <see cref="OfflineUpload.MaxEvents"/> at a
    /// time): the server says which it stored, which it already had (it deduplicates by id) and which it refused and why.
    /// </summary>
    Task<OfflineUpload> UploadOfflineEventsAsync(IReadOnlyList<SignedOfflineEvent> events, CancellationToken cancellationToken);
}

/// <summary>The server's answer to an upload of offline events.</summary>
public sealed record OfflineUpload(IReadOnlyList<string> Accepted, IReadOnlyList<string> Duplicates, IReadOnlyList<RejectedOfflineEvent> Rejected)
{
    public const int MaxEvents = 500;
}

/// <summary>An uploaded event the server refused: its id when it could read it, its place in the upload, and why (<c>bad_signature</c>, <c>unknown_user</c>, ...).</summary>
public sealed record RejectedOfflineEvent(string? Id, int Index, string Reason);

/// <summary>This computer as the server is told about it: its name, and its serial number and platform when known.</summary>
public sealed record DesktopComputer(string Name, string? SerialNumber = null, string? Platform = null)
{
    /// <summary>The computer this process runs on, by <paramref name="name"/>, with the platform it reports.</summary>
    public static DesktopComputer Current(string name) => new(name, null,
        OperatingSystem.IsMacOS() ? "MACOS" : OperatingSystem.IsWindows() ? "WINDOWS" : OperatingSystem.IsLinux() ? "LINUX" : null);
}

/// <summary>One method of the profile for the person now: <c>Factor</c> as <c>AllowedFactors</c> names it, whether it is available, and why not.</summary>
public sealed record OnlineMethod(string Factor, bool Available, string? Reason);

/// <summary>The answer of <c>POST /methods</c>.</summary>
public sealed record OnlineMethods(string UserId, bool NumberMatching, IReadOnlyList<OnlineMethod> Methods);

/// <summary>A push sent: its id, when it expires, and the number to show when the org enforces number matching.</summary>
public sealed record PushSent(string ChallengeId, DateTimeOffset? ExpiresAt, int? CorrectAnswer);

/// <summary>A push's state: <c>WAITING</c>, or <c>SUCCESS</c> with the login token.</summary>
public sealed record PushPoll(string Status, string? LoginToken)
{
    public bool Succeeded => Status == "SUCCESS" && LoginToken is not null;
}

/// <summary>
/// A new offline enrollment: the user, this computer (its id, name or serial, and the public key that signs its
/// offline events), the account's label, the secret (base32), when the pending enrollment expires, and the login token
/// of the online sign-in that allows it.
/// </summary>
public sealed record OfflineEnrollmentRequest(
    string Login,
    string ComputerId,
    string ComputerName,
    byte[] ComputerPublicKey,
    string Label,
    string Secret,
    DateTimeOffset ExpiresAt,
    string LoginToken);

/// <summary>
/// The answer of <c>POST /security-keys</c>: the <c>PublicKeyCredentialRequestOptions</c> JSON (challenge, RP id, the keys
/// allowed), the keys, and the ticket that binds the challenge to this computer (sent back with the answer).
/// </summary>
public sealed record SecurityKeyLookup(string RequestOptionsJson, IReadOnlyList<RegisteredSecurityKey> Keys, string? ChallengeTicket = null);

/// <summary>A key's answer the server accepted: the login token of the online sign-in and the key's counter now.</summary>
public sealed record SecurityKeyVerified(string LoginToken, long SignCount);

/// <summary>The server's id of a pending enrollment (and the account label it uses in the System Log, when it says).</summary>
public sealed record OfflineEnrollmentRegistration(string EnrollmentId, string? ServerLabel = null);
