namespace Latchkey.Core.SystemLog;

/// <summary>
/// A System Log event type: the real catalogue's id (e.g. <c>user.lifecycle.create</c>), the display
/// message the real service shows for it, its default severity and its legacy (v1) type where one exists.
/// </summary>
public sealed record EventType(string Id, string DisplayMessage, string Severity = LogSeverity.Info, string? LegacyEventType = null);

/// <summary>
/// The event types Latchkey writes. Each id exists in the real catalogue (a test checks it), except Latchkey's
/// own, whose ids start with <see cref="OwnPrefix"/> and are documented in docs/system-log.md (tests check both).
/// </summary>
public static class EventTypes
{
    /// <summary>The namespace of event types the real catalogue has no fitting id for.</summary>
    public const string OwnPrefix = "latchkey.";

    public static readonly EventType UserCreate = new("user.lifecycle.create", "Create okta user", LegacyEventType: "core.user.config.user_creation.success");
    public static readonly EventType UserActivate = new("user.lifecycle.activate", "Activate Okta user", LegacyEventType: "core.user.config.user_activated");
    public static readonly EventType UserReactivate = new("user.lifecycle.reactivate", "Reactivate Okta user");
    public static readonly EventType UserDeactivate = new("user.lifecycle.deactivate", "Deactivate Okta user", LegacyEventType: "core.user.config.user_deactivated");
    public static readonly EventType UserSuspend = new("user.lifecycle.suspend", "Suspend Okta user");
    public static readonly EventType UserUnsuspend = new("user.lifecycle.unsuspend", "Unsuspend Okta user");
    public static readonly EventType UserDeleteInitiated = new("user.lifecycle.delete.initiated", "Delete Okta user initiated");
    public static readonly EventType UserDeleteCompleted = new("user.lifecycle.delete.completed", "Delete Okta user completed");
    public static readonly EventType UserUnlockByAdmin = new("user.account.unlock_by_admin", "Unlock user account by admin");
    public static readonly EventType UserUpdateProfile = new("user.account.update_profile", "Update user profile for Okta");
    public static readonly EventType UserUpdatePassword = new("user.account.update_password", "Update password for Okta user");
    public static readonly EventType UserExpirePassword = new("user.account.expire_password", "Expire password for Okta user");
    public static readonly EventType UserResetPassword = new("user.account.reset_password", "Reset password for Okta user");

    public static readonly EventType UserAuthenticate = new("user.authentication.authenticate", "User authentication");
    public static readonly EventType UserVerify = new("user.authentication.verify", "Verify user identity");
    public static readonly EventType SessionStart = new("user.session.start", "User login to Okta", LegacyEventType: "core.user_auth.login_success");
    public static readonly EventType SessionEnd = new("user.session.end", "User logout from Okta", LegacyEventType: "core.user_auth.logout_success");
    public static readonly EventType SessionClear = new("user.session.clear", "Clear user session");
    public static readonly EventType SessionExpire = new("user.session.expire", "User session expired");
    public static readonly EventType SessionAccessAdminApp = new("user.session.access_admin_app", "User accessing Okta admin app");
    public static readonly EventType UserSso = new("user.authentication.sso", "User single sign on to app");
    /// <summary>An app's access policy evaluated at launch: ALLOW, CHALLENGE (a factor is missing) or DENY, the matched rule and the trace in <c>debugContext.debugData</c>.</summary>
    public static readonly EventType PolicyEvaluateSignOn = new("policy.evaluate_sign_on", "Evaluation of sign-on policy");
    public static readonly EventType UserLock = new("user.account.lock", "Max sign in attempts exceeded", LogSeverity.Warn, "core.user_auth.account_locked");

    public static readonly EventType GroupCreate = new("group.lifecycle.create", "Create Okta group");
    public static readonly EventType GroupDelete = new("group.lifecycle.delete", "Delete Okta group");
    public static readonly EventType GroupUpdate = new("group.profile.update", "Update Okta group profile");
    public static readonly EventType GroupMemberAdd = new("group.user_membership.add", "Add user to group membership");
    public static readonly EventType GroupMemberRemove = new("group.user_membership.remove", "Remove user from group membership");
    public static readonly EventType GroupAppAssign = new("group.application_assignment.add", "Add assigned application to group");
    public static readonly EventType GroupAppUpdate = new("group.application_assignment.update", "Update assigned application in group");
    public static readonly EventType GroupAppUnassign = new("group.application_assignment.remove", "Remove assigned application from group");

    public static readonly EventType AppCreate = new("application.lifecycle.create", "Create application");
    public static readonly EventType AppUpdate = new("application.lifecycle.update", "Update application");
    public static readonly EventType AppActivate = new("application.lifecycle.activate", "Activate application");
    public static readonly EventType AppDeactivate = new("application.lifecycle.deactivate", "Deactivate application");
    public static readonly EventType AppDelete = new("application.lifecycle.delete", "Delete application");
    public static readonly EventType AppUserAdd = new("application.user_membership.add", "Add user to application membership");
    public static readonly EventType AppUserRemove = new("application.user_membership.remove", "Remove user from application membership");
    public static readonly EventType AppUserUpdate = new("application.user_membership.update", "Update user's application membership");

    public static readonly EventType ApiTokenCreate = new("system.api_token.create", "Create API token");
    public static readonly EventType ApiTokenRevoke = new("system.api_token.revoke", "Revoke API token");

    /// <summary>A user's admin roles changed and they still hold some: <c>privilegeGranted</c> lists every role they now hold (direct and through groups).</summary>
    public static readonly EventType UserPrivilegeGrant = new("user.account.privilege.grant", "Grant user privilege");
    /// <summary>A user holds no admin role any more: <c>privilegeRevoked</c> lists what they lost.</summary>
    public static readonly EventType UserPrivilegeRevoke = new("user.account.privilege.revoke", "Revoke user privilege");
    public static readonly EventType GroupPrivilegeGrant = new("group.privilege.grant", "Grant group privilege");
    public static readonly EventType GroupPrivilegeRevoke = new("group.privilege.revoke", "Revoke group privilege");

    public static readonly EventType AuthenticatorActivate = new("security.authenticator.lifecycle.activate", "Activate authenticator");
    public static readonly EventType AuthenticatorDeactivate = new("security.authenticator.lifecycle.deactivate", "Deactivate authenticator");
    public static readonly EventType AuthenticatorUpdate = new("security.authenticator.lifecycle.update", "Update authenticator");

    public static readonly EventType FactorActivate = new("user.mfa.factor.activate", "Activate factor or authenticator enrollment method for user");
    public static readonly EventType FactorDeactivate = new("user.mfa.factor.deactivate", "Reset factor or authenticator enrollment method for user");
    public static readonly EventType FactorUpdate = new("user.mfa.factor.update", "Update factor for user");
    public static readonly EventType FactorResetAll = new("user.mfa.factor.reset_all", "Reset all factors for user");
    public static readonly EventType FactorSuspend = new("user.mfa.factor.suspend", "Suspend factor or authenticator enrollment method for user", LogSeverity.Warn);

    public static readonly EventType DeviceEnrollmentCreate = new("device.enrollment.create", "Enroll new device");
    public static readonly EventType DeviceUserAdd = new("device.user.add", "Add device to user");
    public static readonly EventType DeviceUserRemove = new("device.user.remove", "Remove device from user");
    public static readonly EventType DeviceActivate = new("device.lifecycle.activate", "Activate device");
    public static readonly EventType DeviceDeactivate = new("device.lifecycle.deactivate", "Deactivate device");
    public static readonly EventType DeviceSuspend = new("device.lifecycle.suspend", "Suspend device");
    public static readonly EventType DeviceUnsuspend = new("device.lifecycle.unsuspend", "Unsuspend device");
    public static readonly EventType DeviceDelete = new("device.lifecycle.delete", "Delete device");

    /// <summary>A device integration (an MDM and its CA) was added; its activation and deactivation are updates with the status in <c>changeDetails</c>.</summary>
    public static readonly EventType DeviceIntegrationAdd = new("device.platform.add", "Add device management platform");
    public static readonly EventType DeviceIntegrationUpdate = new("device.platform.update", "Update device management platform");
    public static readonly EventType DeviceIntegrationDelete = new("device.platform.delete", "Delete device management platform");
    /// <summary>An integration's CA issued a management certificate from a device's CSR.</summary>
    public static readonly EventType DeviceCertificateIssue = new("pki.cert.issue", "Issue device management certificate");
    public static readonly EventType DeviceCertificateRevoke = new("pki.cert.revoke", "Revoke device management certificate");
    /// <summary>
    /// A FastPass sign-in's management proof: SUCCESS binds the certificate to the device, which becomes MANAGED; FAILURE
    /// carries the refusal in <c>outcome.reason</c> and leaves (or makes) the device NOT_MANAGED.
    /// </summary>
    public static readonly EventType DeviceCertificateBind = new("pki.cert.bind", "Bind device management certificate to device");

    public static readonly EventType PolicyCreate = new("policy.lifecycle.create", "Create policy");
    public static readonly EventType PolicyUpdate = new("policy.lifecycle.update", "Update policy");
    public static readonly EventType PolicyDelete = new("policy.lifecycle.delete", "Delete policy");
    public static readonly EventType PolicyActivate = new("policy.lifecycle.activate", "Activate policy");
    public static readonly EventType PolicyDeactivate = new("policy.lifecycle.deactivate", "Deactivate policy");
    /// <summary>An app bound to an access policy (<c>PUT /apps/{appId}/policies/{policyId}</c>).</summary>
    public static readonly EventType PolicyMappingCreate = new("policy.mapping.create", "Create policy mapping");
    public static readonly EventType PolicyRuleAdd = new("policy.rule.add", "Add policy rule");
    public static readonly EventType PolicyRuleUpdate = new("policy.rule.update", "Update policy rule");
    public static readonly EventType PolicyRuleDelete = new("policy.rule.delete", "Delete policy rule");
    public static readonly EventType PolicyRuleActivate = new("policy.rule.activate", "Activate policy rule");
    public static readonly EventType PolicyRuleDeactivate = new("policy.rule.deactivate", "Deactivate policy rule");

    /// <summary>A push sent to the authenticator app, then its approval (SUCCESS) or a refused answer (FAILURE with the reason).</summary>
    public static readonly EventType OktaVerifyPush = new("user.mfa.okta_verify", "Verify user with Okta verify");
    /// <summary>The user denied a push on their device: logged, and not counted toward any lockout.</summary>
    public static readonly EventType OktaVerifyDenyPush = new("user.mfa.okta_verify.deny_push", "User rejected Okta push verify", LogSeverity.Warn);

    public static readonly EventType ZoneCreate = new("zone.create", "Create network zone");
    public static readonly EventType ZoneUpdate = new("zone.update", "Update network zone");
    public static readonly EventType ZoneActivate = new("zone.activate", "Activate network zone");
    public static readonly EventType ZoneDeactivate = new("zone.deactivate", "Deactivate network zone");
    public static readonly EventType ZoneDelete = new("zone.delete", "Delete network zone");
    /// <summary>A zone's usage became BLOCKLIST (at create or replace): its addresses are now refused sign-in while it is active.</summary>
    public static readonly EventType ZoneMakeBlocklist = new("zone.make_blacklist", "Network zone marked as blocklist");
    /// <summary>A zone's usage changed from BLOCKLIST to POLICY.</summary>
    public static readonly EventType ZoneRemoveBlocklist = new("zone.remove_blacklist", "Network zone no longer a blocklist");

    /// <summary>An authenticator verified in a sign-in (the Identity Engine logs it for primary and second factors): FastPass answers, SUCCESS or FAILURE with the reason.</summary>
    public static readonly EventType AuthViaMfa = new("user.authentication.auth_via_mfa", "Authentication of user via MFA");

    /// <summary>An OAuth client's secret was shown: the Desktop MFA configuration profile downloaded with it.</summary>
    public static readonly EventType OAuthClientReadSecret = new("app.oauth2.client.read_client_secret", "Read OAuth client's secret");
    /// <summary>A new client secret replaced the old one (the old one stops working at once).</summary>
    public static readonly EventType OAuthCredentialsCreate = new("app.oauth2.credentials.lifecycle.create", "Create OAuth client credentials");
    /// <summary>A computer's device access code for a person was registered and confirmed (the agent checked one code of it).</summary>
    public static readonly EventType DesktopMfaEnrollmentCreate = new("device.desktop_mfa.enrollment.create", "Desktop MFA enrollment registered");
    /// <summary>An admin generated a recovery PIN for a person on a computer; logged also when the generation is refused (as the real service does).</summary>
    public static readonly EventType DesktopMfaRecoveryPinGenerate = new("device.desktop_mfa.recovery_pin.generate", "Desktop MFA recovery PIN generated");
    /// <summary>An org-wide Desktop MFA setting changed (recovery PIN, number matching), the change in the target's details.</summary>
    public static readonly EventType DesktopMfaConfigurationUpdate = new("device.desktop_mfa.configuration.update", "Desktop MFA configuration updated");

    public static readonly EventType RateLimitViolation = new("system.org.rate_limit.violation", "Rate limit violation", LogSeverity.Warn);
    public static readonly EventType RequestBlocked = new("security.request.blocked", "Request blocked", LogSeverity.Warn);

    /// <summary>Latchkey's own: the System Log's hash chain or a signed checkpoint does not hold (docs/system-log.md).</summary>
    public static readonly EventType LogChainBroken = new("latchkey.system_log.chain.broken", "System Log hash chain broken", LogSeverity.Error);

    public static bool IsOwn(EventType type) => type.Id.StartsWith(OwnPrefix, StringComparison.Ordinal);

    public static IEnumerable<EventType> All =>
        typeof(EventTypes).GetFields().Where(f => f.FieldType == typeof(EventType)).Select(f => (EventType)f.GetValue(null)!);
}
