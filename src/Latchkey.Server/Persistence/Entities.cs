namespace Latchkey.Server.Persistence;

// The stored model. Each feature owns the meaning of its rows; the shapes live together here so the
// two providers' migrations are generated from one place. Timestamps are stored as Unix milliseconds
// (see LatchkeyDbContext.ConfigureConventions) so both providers compare and order them alike.

public sealed class OrgEntity
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset Created { get; set; }
    /// <summary>Org-wide settings as JSON (Desktop MFA: <c>desktopMFARecoveryPinEnabled</c>, <c>desktopMFAEnforceNumberMatchingChallengeEnabled</c>); null: defaults.</summary>
    public string? SettingsJson { get; set; }
}

public sealed class UserEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Status { get; set; }
    public string? TransitioningToStatus { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? Activated { get; set; }
    public DateTimeOffset? StatusChanged { get; set; }
    public DateTimeOffset? LastLogin { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset? PasswordChanged { get; set; }

    /// <summary>When the person's remembered browsers were forgotten (sessions cleared, factors reset): a browser remembered before it is asked again.</summary>
    public DateTimeOffset? DevicesForgottenAt { get; set; }
    public required string Login { get; set; }
    /// <summary>Lower-cased login: logins are unique and looked up without regard to case.</summary>
    public required string LoginKey { get; set; }
    public required string Email { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public required string ProfileJson { get; set; }
    public string? PasswordHash { get; set; }
    /// <summary>JSON array of the previous password hashes, newest first (the policy's history).</summary>
    public string? PasswordHistory { get; set; }
    public string? RecoveryQuestion { get; set; }
    public string? RecoveryAnswerHash { get; set; }
    public string? ActivationTokenHash { get; set; }
    public required string TypeId { get; set; }
    public bool IsSuperAdmin { get; set; }
    /// <summary>Wrong passwords at sign-in in a row (the PASSWORD policy's lockout counts them; unlock and a right password clear it).</summary>
    public int FailedPasswordAttempts { get; set; }
    /// <summary>Bumped on every change; the ETag.</summary>
    public long Version { get; set; }
}

public sealed class GroupEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Type { get; set; }
    public required string Name { get; set; }
    public required string NameKey { get; set; }
    public string? Description { get; set; }
    public required string ProfileJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset LastMembershipUpdated { get; set; }
}

public sealed class GroupMemberEntity
{
    public required string GroupId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset Created { get; set; }
}

public sealed class AppEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Name { get; set; }
    public required string Label { get; set; }
    public required string LabelKey { get; set; }
    public required string SignOnMode { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    /// <summary>The app's configurable parts (accessibility, visibility, credentials, settings, profile, ...) as JSON.</summary>
    public required string BodyJson { get; set; }
    public required string AccessPolicyId { get; set; }
    public required string AppLinkId { get; set; }
}

/// <summary>
/// A Desktop MFA device access code: the offline TOTP secret a computer's agent made for one person, registered after
/// that person's online sign-in there (<c>PENDING</c> until the agent confirms one code of it, at most 5 minutes; then
/// <c>ACTIVE</c>). The server keeps it sealed, to tell a person who types it where the org account's code is expected.
/// </summary>
public sealed class DesktopMfaEnrollmentEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string AppId { get; set; }
    public required string UserId { get; set; }
    public required string ComputerName { get; set; }
    public string? SerialNumber { get; set; }
    public string? Platform { get; set; }
    public required string SealedSecret { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? Activated { get; set; }

    /// <summary>The computer it is on (<see cref="DesktopMfaComputerEntity.Id"/>), when the agent said which one.</summary>
    public string? ComputerId { get; set; }

    /// <summary>The key the agent sent to sign the computer's offline events, pinned on the computer when this enrollment is confirmed.</summary>
    public string? ComputerPublicKey { get; set; }
}

/// <summary>
/// A computer with the Desktop MFA agent as the server knows it: the agent's own id for it (its state's), its name,
/// serial and platform as last reported, and the public key (SubjectPublicKeyInfo, DER, base64) that signs its offline
/// events, pinned by the first offline enrollment on it (which needed a person's online sign-in there).
/// </summary>
public sealed class DesktopMfaComputerEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string AppId { get; set; }
    public required string AgentId { get; set; }
    public required string Name { get; set; }
    public string? SerialNumber { get; set; }
    public string? Platform { get; set; }
    public string? PublicKey { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public DateTimeOffset? LastSync { get; set; }
}

/// <summary>
/// One person on one computer for Desktop MFA: the last online sign-in there (the offline period runs from it), the
/// last offline sign-in the computer reported, and the security keys registered there for offline use.
/// </summary>
public sealed class DesktopMfaSeatEntity
{
    public required string ComputerId { get; set; }
    public required string UserId { get; set; }
    public required string OrgId { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset? LastOnlineSignIn { get; set; }
    public DateTimeOffset? LastOfflineSignIn { get; set; }
    public int OfflineSecurityKeys { get; set; }
}

/// <summary>An offline event a computer uploaded, by the agent's id for it: a second upload of it is acknowledged and not logged again.</summary>
public sealed class DesktopMfaOfflineEventEntity
{
    public required string ComputerId { get; set; }
    public required string EventId { get; set; }
    public DateTimeOffset Received { get; set; }
}

/// <summary>
/// The OAuth client credentials of an app that has them (the Desktop MFA app): its client id is the app id, as the real
/// service's; the secret is kept as its SHA-256 (checked in constant time) and sealed (<see cref="RowSealer"/>) so the
/// admin can download it again in the configuration profile.
/// </summary>
public sealed class AppClientEntity
{
    public required string AppId { get; set; }
    public required string OrgId { get; set; }
    public required string SecretHash { get; set; }
    public required string SealedSecret { get; set; }
    public DateTimeOffset SecretCreated { get; set; }
}

public sealed class AppUserEntity
{
    public required string AppId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset StatusChanged { get; set; }
    public string? UserName { get; set; }
    public required string ProfileJson { get; set; }
}

public sealed class AppGroupEntity
{
    public required string AppId { get; set; }
    public required string GroupId { get; set; }
    public int Priority { get; set; }
    public required string ProfileJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}

public sealed class ApiTokenEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }
    public required string TokenHash { get; set; }
    public required string ClientName { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>What policies and their rules share for their lifecycle: a status, a system flag (a system one is never deactivated), a change time.</summary>
public interface IPolicyLifecycle
{
    string Status { get; set; }
    bool IsSystem { get; }
    DateTimeOffset LastUpdated { get; set; }
}

public sealed class PolicyEntity : IPolicyLifecycle
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Type { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required string Status { get; set; }
    public int Priority { get; set; }
    public bool IsSystem { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    /// <summary>
    /// The policy's <c>settings</c> as JSON (PASSWORD: <c>password.lockout</c>, which sign-in obeys); null: none. Orgs made
    /// before rules were stored kept OKTA_SIGN_ON's <c>session</c> here; it moves to the default rule's actions on start-up.
    /// </summary>
    public string? SettingsJson { get; set; }
    /// <summary>The policy's <c>conditions</c> as validated JSON (e.g. <c>people.groups.include</c>); null: none.</summary>
    public string? ConditionsJson { get; set; }
}

/// <summary>
/// A rule of a policy: evaluated by ascending <see cref="Priority"/>, the system (catch-all) rule always last. Its
/// conditions and actions are stored as the API's validated JSON (types and methods normalised).
/// </summary>
public sealed class PolicyRuleEntity : IPolicyLifecycle
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string PolicyId { get; set; }
    /// <summary>The rule's <c>type</c>: the policy's type, except OKTA_SIGN_ON whose rules are <c>SIGN_ON</c>.</summary>
    public required string Type { get; set; }
    public required string Name { get; set; }
    public required string Status { get; set; }
    public int Priority { get; set; }
    public bool IsSystem { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    /// <summary>The rule's <c>conditions</c>; null: none (the catch-all).</summary>
    public string? ConditionsJson { get; set; }
    /// <summary>The rule's <c>actions</c> (ACCESS_POLICY: <c>appSignOn</c>; SIGN_ON: <c>signon</c> with the session lifetimes sign-in obeys).</summary>
    public string? ActionsJson { get; set; }
}

/// <summary>
/// A sign-in transaction (IDX or classic authn). Found by the SHA-256 of its state handle, which only the client holds;
/// a handle past <see cref="ExpiresAt"/>, or of a finished transaction (the row is gone), is refused.
/// </summary>
public sealed class SignInTransactionEntity
{
    public required string HandleHash { get; set; }
    public required string OrgId { get; set; }
    public required string Step { get; set; }
    public string? Identifier { get; set; }
    public string? UserId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>Bumped on every step, so two answers racing on one transaction cannot both pass.</summary>
    public long Version { get; set; }
    /// <summary>The assurance the caller asked for (<c>acr_values</c>), e.g. a second factor; null: what the org's policy asks.</summary>
    public string? Assurance { get; set; }
    /// <summary>The factor chosen for the authenticator step (or being enrolled), once chosen.</summary>
    public string? FactorId { get; set; }
    /// <summary>The challenge sent for that factor (a push's transaction id), when it has one.</summary>
    public string? ChallengeId { get; set; }
    /// <summary>The authenticator being enrolled at the authenticator step (the user had none to answer), or null.</summary>
    public string? Enrolling { get; set; }
    /// <summary>FastPass (docs/fastpass.md): the device challenge's <c>transactionId</c>, unique, how the device's answer finds this row.</summary>
    public string? DeviceChallengeId { get; set; }
    /// <summary>The SHA-256 of the challenge's nonce, cleared (atomically, by the first good answer) when it is used.</summary>
    public string? DeviceChallengeNonceHash { get; set; }
    /// <summary>When the challenge stops being answerable (5 minutes after it was issued).</summary>
    public DateTimeOffset? DeviceChallengeExpiresAt { get; set; }
    /// <summary>The device integrations whose management proof the challenge asked for (space-separated ids), or null.</summary>
    public string? DeviceChallengeIntegrations { get; set; }
    /// <summary>Once answered: the enrollment that answered it (the device key's enrollment); the poll then finishes the sign-in.</summary>
    public string? DeviceChallengeAnsweredBy { get; set; }
    /// <summary>Once answered: <c>proofOfPossession</c> or <c>userVerification</c> (the user verified on the device).</summary>
    public string? DeviceChallengeKeyType { get; set; }
}

/// <summary>
/// An org signing key (docs/fastpass.md): RS256, RSA 2048; the public JWK is served at <c>/oauth2/v1/keys</c>, the
/// private key is kept sealed with the Data Protection key ring (<see cref="SealedPrivateKey"/>), never in clear.
/// </summary>
public sealed class OrgSigningKeyEntity
{
    /// <summary>The <c>kid</c>: the RFC 7638 thumbprint of the public key.</summary>
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Algorithm { get; set; }
    /// <summary>The public JWK (<c>kty, alg, kid, use, e, n</c>).</summary>
    public required string PublicJwk { get; set; }
    /// <summary>The PKCS#8 private key, sealed for this org and key id.</summary>
    public required string SealedPrivateKey { get; set; }
    public DateTimeOffset Created { get; set; }
}

/// <summary>A signed-in session: the <c>sid</c> cookie carries a secret whose SHA-256 is <see cref="CookieHash"/>; <see cref="Id"/> is public.</summary>
public sealed class SessionEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    public required string CookieHash { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastActivity { get; set; }
    public DateTimeOffset LastPasswordVerification { get; set; }
    /// <summary>Idle limit in minutes (the sign-on policy's <c>maxSessionIdleMinutes</c> when the session began).</summary>
    public int IdleMinutes { get; set; }
    /// <summary>The absolute end (<c>maxSessionLifetimeMinutes</c> after the start).</summary>
    public DateTimeOffset MaxExpiresAt { get; set; }
    /// <summary>The earlier of the idle end (last activity + idle limit) and the absolute end.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>When this session first entered the admin console (<c>user.session.access_admin_app</c> is logged once per session).</summary>
    public DateTimeOffset? AdminAccessed { get; set; }
    /// <summary>The device whose key signed the session in (a FastPass sign-in), or null: app launch evaluates device conditions against it.</summary>
    public string? DeviceId { get; set; }
    /// <summary>The factors proven for this session, as JSON (<c>SessionFactors</c>): app launch checks a rule's verification method against them.</summary>
    public string? FactorsJson { get; set; }
}

/// <summary>A standard admin role granted to a user or to a group (whose members then hold it).</summary>
public sealed class RoleAssignmentEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    /// <summary><c>USER</c> or <c>GROUP</c>.</summary>
    public required string AssigneeType { get; set; }
    /// <summary>The user's or the group's id.</summary>
    public required string AssigneeId { get; set; }
    /// <summary>The role's type, e.g. <c>SUPER_ADMIN</c> (<see cref="Core.Admin.AdminRole"/>).</summary>
    public required string Type { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}

public sealed class LogEventEntity
{
    /// <summary>Persistence order across all nodes (taken under the org's chain-head lock).</summary>
    public long Sequence { get; set; }
    public required string OrgId { get; set; }
    public required string Uuid { get; set; }
    public DateTimeOffset Published { get; set; }
    public required string EventType { get; set; }
    public required string ActorId { get; set; }
    public required string OutcomeResult { get; set; }
    public required string Json { get; set; }
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}

public sealed class LogChainHeadEntity
{
    public required string OrgId { get; set; }
    public long Sequence { get; set; }
    public required string LastHash { get; set; }
}

/// <summary>
/// A signed statement that the org's event at <see cref="Sequence"/> has chain hash <see cref="Hash"/>
/// (see <c>Latchkey.Core.Security.LogCheckpoint</c>); the key that signed it is kept outside the database.
/// </summary>
public sealed class LogCheckpointEntity
{
    public required string OrgId { get; set; }
    public long Sequence { get; set; }
    public required string Hash { get; set; }
    public DateTimeOffset Signed { get; set; }
    public required string KeyId { get; set; }
    public required string Signature { get; set; }
}

/// <summary>A shared fixed-window rate-limit counter (several nodes on one database count together).</summary>
public sealed class RateLimitCounterEntity
{
    public required string Scope { get; set; }
    public required string Bucket { get; set; }
    public long WindowStart { get; set; }
    public int Count { get; set; }
}

/// <summary>An org's authenticator (okta_password, okta_verify, webauthn, ...): one row per key.</summary>
public sealed class AuthenticatorEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Key { get; set; }
    public required string Type { get; set; }
    public required string Name { get; set; }
    public required string Status { get; set; }
    /// <summary>The <c>settings</c> object as the API shows it, or null.</summary>
    public string? SettingsJson { get; set; }
    /// <summary>JSON array of the methods (<c>{type, status, settings?}</c>), or null for an authenticator without methods.</summary>
    public string? MethodsJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}

/// <summary>A user's factor (classic Factors API): its secret sealed, its single-use and lockout state.</summary>
public sealed class UserFactorEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    public required string FactorType { get; set; }
    public required string Provider { get; set; }
    public required string Status { get; set; }
    public required string ProfileJson { get; set; }
    /// <summary>The shared secret, encrypted with the org's Data Protection keys (never stored in the clear).</summary>
    public string? SealedSecret { get; set; }
    /// <summary>The TOTP time step last accepted: a code of this step or an earlier one is a replay.</summary>
    public long? LastAcceptedStep { get; set; }
    public int FailedAttempts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>A pending enrollment must be activated before this.</summary>
    public DateTimeOffset? ActivationExpiresAt { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
    /// <summary>Bumped on every change; a change is written only if no other was made since its read (a concurrency token).</summary>
    public long Version { get; set; }
    /// <summary>The authenticator-app enrollment (device + keys) this factor belongs to; null for a factor enrolled through the API.</summary>
    public string? EnrollmentId { get; set; }
}

/// <summary>
/// A device the authenticator app enrolled on (<c>guo...</c>, okta-api.md §7.1): what the OS reported, and its status.
/// Users reach it through <see cref="DeviceUserEntity"/> links and its keys through <see cref="DeviceEnrollmentEntity"/>.
/// </summary>
public sealed class DeviceEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Status { get; set; }
    /// <summary>The app's own id for its install on this device: a second enrollment from the same install reuses the device.</summary>
    public required string ClientInstanceId { get; set; }
    public required string DisplayName { get; set; }
    public required string Platform { get; set; }
    public string? SerialNumber { get; set; }
    /// <summary>The rest of the <c>profile</c> (osVersion, manufacturer, model, udid, secureHardwarePresent, ...) as the API shows it.</summary>
    public required string ProfileJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}

/// <summary>A user on a device (<c>DeviceUser</c>): created when the user enrolls the app there; removed when the device is deactivated.</summary>
public sealed class DeviceUserEntity
{
    public required string OrgId { get; set; }
    public required string DeviceId { get; set; }
    public required string UserId { get; set; }
    /// <summary>
    /// <c>NOT_MANAGED</c> until a FastPass sign-in from the device presents a management proof a device integration accepts,
    /// then <c>MANAGED</c> (docs/device-integrations.md); enrollment alone never sets it.
    /// </summary>
    public required string ManagementStatus { get; set; }
    public required string ScreenLockType { get; set; }
    public DateTimeOffset Created { get; set; }
    /// <summary>The last FastPass sign-in from this device by this user (with or without a management proof).</summary>
    public DateTimeOffset? LastFastPassAt { get; set; }
    /// <summary>When a FastPass sign-in last had its management proof checked (accepted or refused).</summary>
    public DateTimeOffset? ManagementCheckedAt { get; set; }
    /// <summary>The kind of the last refusal (a <c>ManagementProofFailure</c> name), null after an accepted proof.</summary>
    public string? ManagementRefusalKind { get; set; }
    /// <summary>The last refusal in words, null after an accepted proof.</summary>
    public string? ManagementRefusal { get; set; }
    /// <summary>Since when the device is MANAGED (the first accepted proof of the current run of accepted proofs).</summary>
    public DateTimeOffset? ManagedSince { get; set; }
    /// <summary>The device integration whose certificate proved management last.</summary>
    public string? ManagedByIntegrationId { get; set; }
}

/// <summary>
/// One user's authenticator-app enrollment on one device (<c>pfd...</c>): the public keys the device proved it holds.
/// The app signs every push answer and every request of its channel with the proof-of-possession key.
/// </summary>
public sealed class DeviceEnrollmentEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    /// <summary>The ES256 proof-of-possession public key as a JWK (public members only).</summary>
    public required string ProofKeyJwk { get; set; }
    /// <summary>The key's id (its RFC 7638 thumbprint), the <c>kid</c> of everything it signs.</summary>
    public required string ProofKeyId { get; set; }
    /// <summary>A second key the device unlocks only after biometrics or a PIN, when it has one.</summary>
    public string? UserVerificationKeyJwk { get; set; }
    /// <summary>Whether secure hardware holds the keys, as the device claims; a software key never does.</summary>
    public bool HardwareProtected { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastSeen { get; set; }
}

/// <summary>
/// A push challenge (<c>v2m...</c>, the factor transaction of okta-api.md §6.2): waiting for the device's signed answer
/// until it expires. The device must sign <see cref="Nonce"/>; when a number challenge applies it must send the number too.
/// </summary>
public sealed class PushChallengeEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    public required string FactorId { get; set; }
    public required string EnrollmentId { get; set; }
    public required string Nonce { get; set; }
    public int? CorrectAnswer { get; set; }
    /// <summary><c>WAITING</c>, <c>SUCCESS</c>, <c>REJECTED</c>, <c>TIMEOUT</c> (set when seen after expiry) or <c>CANCELLED</c>.</summary>
    public required string Status { get; set; }
    /// <summary>Where the sign-in came from (address, browser, OS, what is being signed in to), shown on the device.</summary>
    public required string ContextJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
    public long Version { get; set; }
}

/// <summary>
/// A WebAuthn credential (a security key or platform authenticator) of a user: what the registration ceremony proved
/// (the COSE public key, the model's AAGUID, the flags) and the signature counter the assertions move forward. Its id
/// is the id of its <see cref="UserFactorEntity"/> (<c>fwf...</c>, factorType <c>webauthn</c>), so the Factors API
/// lists and deletes it.
/// </summary>
public sealed class WebAuthnCredentialEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    /// <summary>The credential id the authenticator chose, base64url (unique: a credential is registered once, anywhere).</summary>
    public required string CredentialId { get; set; }
    /// <summary>The credential public key as the authenticator gave it (a COSE_Key).</summary>
    public required byte[] PublicKey { get; set; }
    /// <summary>The authenticator model (lower-case GUID; all zeros when the authenticator does not say).</summary>
    public required string Aaguid { get; set; }
    /// <summary><c>platform</c> or <c>cross-platform</c>, as the client reported it; null when it did not.</summary>
    public string? Attachment { get; set; }
    /// <summary>The transports the client reported (<c>usb</c>, <c>nfc</c>, <c>ble</c>, <c>internal</c>, <c>hybrid</c>), as a JSON array.</summary>
    public required string TransportsJson { get; set; }
    /// <summary>The attestation statement format the registration carried (<c>packed</c>, <c>none</c>, ...).</summary>
    public required string AttestationFormat { get; set; }
    /// <summary>The highest signature counter seen; an assertion must bring a greater one (unless both are 0).</summary>
    public long SignCount { get; set; }
    /// <summary>The registration was user-verified (PIN or biometrics), not only user-present.</summary>
    public bool UserVerified { get; set; }
    public bool BackupEligible { get; set; }
    public bool BackedUp { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? LastUsed { get; set; }
}

/// <summary>
/// A WebAuthn challenge issued by the server (registration or assertion options): kept in the database so any node
/// can finish the ceremony another started, used at most once (<see cref="UsedAt"/> is set by one conditional update)
/// and only until <see cref="ExpiresAt"/>.
/// </summary>
public sealed class WebAuthnChallengeEntity
{
    /// <summary>The challenge itself, base64url: the client data of the answer names it.</summary>
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string UserId { get; set; }
    /// <summary><c>registration</c> or <c>assertion</c>.</summary>
    public required string Purpose { get; set; }
    /// <summary>The factor a Factors API enrollment or verification is about; null for the JSON ceremonies.</summary>
    public string? FactorId { get; set; }
    /// <summary>The ceremony state the framework's passkey handler made with the options (the challenge, the user entity).</summary>
    public required string StateJson { get; set; }
    /// <summary>The options given with the challenge (public), so that a sign-in step can show them again while they wait.</summary>
    public string? OptionsJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>
/// An authenticator model (AAGUID) on the org's allow-list for the <c>webauthn</c> authenticator (the "custom AAGUID"
/// of the Authenticators API). When the list is not empty, only these models may be registered.
/// </summary>
public sealed class WebAuthnAaguidEntity
{
    public required string OrgId { get; set; }
    public required string AuthenticatorId { get; set; }
    /// <summary>Lower-case GUID.</summary>
    public required string Aaguid { get; set; }
    public string? Name { get; set; }
    /// <summary><c>{platformAttached, fipsCompliant, hardwareProtected}</c> as the admin gave it.</summary>
    public string? CharacteristicsJson { get; set; }
    /// <summary>The attestation root certificates (base64 DER) an attestation of this model must chain to, as a JSON array; null: none given.</summary>
    public string? RootCertificatesJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}

/// <summary>
/// A device integration (<c>din...</c>, docs/device-integrations.md): an MDM the admin configured for one platform, with
/// the CA Latchkey signs its devices' management certificates with. The CA's private key is sealed at rest with the Data
/// Protection key ring, for this org and integration only.
/// </summary>
public sealed class DeviceIntegrationEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Name { get; set; }
    public string? DisplayName { get; set; }
    public required string Platform { get; set; }
    public required string Type { get; set; }
    public required string Status { get; set; }
    public required string CaCertificatePem { get; set; }
    public required string SealedCaPrivateKey { get; set; }
    /// <summary>True when the admin imported the org's own CA instead of letting Latchkey make one.</summary>
    public bool CaImported { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}

/// <summary>A management certificate an integration's CA issued (<c>dmc...</c>): what it says, its DER, and whether it was revoked.</summary>
public sealed class DeviceCertificateEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string IntegrationId { get; set; }
    /// <summary>The serial number, upper-case hex as X.509 tools print it.</summary>
    public required string SerialNumber { get; set; }
    public required string Subject { get; set; }
    /// <summary>SHA-256 of the DER, upper-case hex.</summary>
    public required string Thumbprint { get; set; }
    public DateTimeOffset NotBefore { get; set; }
    public DateTimeOffset NotAfter { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public required byte[] Der { get; set; }
    public DateTimeOffset Created { get; set; }
}

/// <summary>
/// A network zone (<c>/api/v1/zones</c>). <see cref="DetailsJson"/> holds the fields of its type as the API shows them:
/// <c>gateways</c> and <c>proxies</c> for IP; <c>locations</c>, <c>asns</c>, <c>proxyType</c> or <c>ipServiceCategories</c>
/// for the dynamic types (stored and echoed; Latchkey cannot evaluate them).
/// </summary>
public sealed class NetworkZoneEntity
{
    public required string Id { get; set; }
    public required string OrgId { get; set; }
    public required string Type { get; set; }
    public required string Name { get; set; }
    public required string Status { get; set; }
    public required string Usage { get; set; }
    /// <summary>One of the real service's default zones (LegacyIpZone, BlockedIpZone): renamed and edited, never deleted.</summary>
    public bool System { get; set; }
    public required string DetailsJson { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset LastUpdated { get; set; }
}
