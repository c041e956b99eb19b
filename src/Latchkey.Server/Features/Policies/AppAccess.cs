using System.Net;
using Latchkey.Core.Network;
using Latchkey.Core.Policies;
using Latchkey.Server.Features.NetworkZones;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Policies;

/// <summary>What app launch decided: allowed, or not with the reason a person reads and what to do.</summary>
public sealed record AppAccessResult(PolicyDecision Decision, VerificationOutcome? Verification, string PolicyId, string PolicyName)
{
    /// <summary>
    /// The policy has a rule that would allow with device conditions, and this launch has not yet asked the device: a
    /// FastPass step-up (which probes registration and, with an integration, management) comes before any denial.
    /// </summary>
    public bool DeviceCheckNeeded { get; init; }

    public bool Allowed => Decision.Allowed && Verification is { Satisfied: true };

    /// <summary>ALLOW, CHALLENGE (a factor is missing, or the device must be checked first) or DENY, as <c>policy.evaluate_sign_on</c> says it.</summary>
    public string Outcome => DeviceCheckNeeded ? "CHALLENGE" : !Decision.Allowed ? "DENY" : Verification is { Satisfied: true } ? "ALLOW" : "CHALLENGE";

    /// <summary>Why, in a sentence or two: the deciding rule, the condition that kept the rule before it from applying, or the factor missing.</summary>
    public string Reason
    {
        get
        {
            if (DeviceCheckNeeded)
            {
                return "The app's policy asks about this device: sign in with FastPass from it (the authenticator app proves the device is registered, and managed where an integration asks).";
            }

            if (Decision.Allowed)
            {
                return Verification is { Satisfied: true } ? Decision.Reason : $"{Decision.Reason} {Verification?.Reason ?? "What it asks for could not be read."}";
            }

            var failed = Decision.Trace.Where(t => t.Outcome == RuleOutcome.NotMatched)
                .Where(t => t.Conditions.Count > 0).Select(t => (t.Rule, Condition: t.Conditions[^1])).FirstOrDefault();
            return failed.Rule is null
                ? Decision.Reason
                : $"{Decision.Reason} The rule \"{failed.Rule.Name}\" did not apply: {failed.Condition.Reason}";
        }
    }
}

/// <summary>
/// App launch's evaluation of the app's access policy (issue 12 item 3): the engine over the session's user, groups,
/// device (the one whose key signed the session in, with its registration and management for this user) and network
/// zones; then, when a rule allows, its verification method against the session's factors at this moment.
/// </summary>
public sealed class AppAccess(LatchkeyDbContext db, PolicyFacts facts)
{
    /// <summary>
    /// Evaluates for a launch that began at <paramref name="requestStarted"/>; <paramref name="afterStepUp"/>: this launch
    /// already stepped up (the device was asked), so a device condition that does not match denies.
    /// </summary>
    public async Task<AppAccessResult> EvaluateAsync(AppEntity app, SessionEntity session, IPAddress? peer, IEnumerable<string> forwardedFor,
        DateTimeOffset requestStarted, bool afterStepUp, CancellationToken ct)
    {
        var now = requestStarted;
        var policy = await db.Policies.AsNoTracking().Where(p => p.Id == app.AccessPolicyId).Select(p => new { p.Id, p.Name }).FirstAsync(ct);
        var rules = await PolicyRuleMapping.RulesAsync(db, policy.Id, ct);
        var context = await facts.ContextAsync(app.OrgId, session.UserId, rules.SelectMany(r => r.Conditions), peer, forwardedFor, await DeviceAsync(session, ct), ct);

        var decision = PolicyEngine.Evaluate(rules, context);
        VerificationOutcome? verification = null;
        if (decision.Allowed)
        {
            verification = VerificationMethodReader.Read(decision.MatchedRule!.VerificationMethodJson) is { } method
                ? VerificationCheck.Evaluate(method, SessionFactors.Read(session), now)
                : null; // unreadable: what the rule asks for is unknown, so it is not met
        }

        var deviceCheck = !decision.Allowed && !afterStepUp && rules.Any(r => r.Active && r.Access == PolicyAccess.Allow
            && r.Conditions.Any(c => c is DeviceRegisteredCondition or DeviceManagedCondition or PlatformCondition or PlatformExcludeCondition or DeviceAssuranceCondition));
        return new AppAccessResult(decision, verification, policy.Id, policy.Name) { DeviceCheckNeeded = deviceCheck };
    }

    private async Task<DeviceFacts?> DeviceAsync(SessionEntity session, CancellationToken ct)
    {
        if (session.DeviceId is null)
        {
            return null;
        }

        var device = await db.Devices.AsNoTracking().Where(d => d.Id == session.DeviceId).Select(d => new { d.Status, d.Platform }).FirstOrDefaultAsync(ct);
        var link = await db.DeviceUsers.AsNoTracking().Where(u => u.DeviceId == session.DeviceId && u.UserId == session.UserId)
            .Select(u => u.ManagementStatus).FirstOrDefaultAsync(ct);
        var registered = device?.Status == "ACTIVE" && link is not null;
        return device is null ? null : new DeviceFacts(registered, registered && link == "MANAGED", device.Platform);
    }
}
