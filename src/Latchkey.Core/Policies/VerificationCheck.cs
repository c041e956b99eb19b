namespace Latchkey.Core.Policies;

/// <summary>
/// Whether the factors a user proved satisfy a rule's <see cref="VerificationMethod"/>, and if not, what is missing:
/// the step-up asks for exactly that. <see cref="Missing"/> names the class constraint to satisfy next (null when any
/// factor of another class will do); <see cref="Reason"/> says it in words.
/// </summary>
public sealed record VerificationOutcome(bool Satisfied, string Reason, FactorConstraint? Missing)
{
    public static VerificationOutcome Met { get; } = new(true, "The factors verified satisfy the rule.", null);
}

/// <summary>
/// Checks proven factors against a rule's verification method (okta-api.md §5.1): a factor counts when it was verified no
/// earlier than <c>requestStarted - reauthenticateIn</c> (so <c>PT0S</c> takes only factors proven for this request); a
/// constraint entry is met when each class it names has a fresh factor with every property it requires; the entries are
/// alternatives; <c>2FA</c> asks for fresh factors of two classes (a possession factor verified with biometrics or a PIN
/// counts as possession and inherence).
/// </summary>
public static class VerificationCheck
{
    public static VerificationOutcome Evaluate(VerificationMethod method, IReadOnlyList<ProvenFactor> factors, DateTimeOffset requestStarted)
    {
        var fresh = factors.Where(f => f.At >= requestStarted - method.ReauthenticateIn).ToList();
        FactorConstraint? firstMissing = null;
        if (method.Constraints.Count > 0)
        {
            var entryMet = false;
            foreach (var entry in method.Constraints)
            {
                var missing = FirstUnmet(entry, factors, requestStarted, method.ReauthenticateIn);
                if (missing is null)
                {
                    entryMet = true;
                    break;
                }

                firstMissing ??= missing;
            }

            if (!entryMet)
            {
                return new(false, $"The rule asks for {Describe(firstMissing!, method.ReauthenticateIn)}.", firstMissing);
            }
        }
        else if (fresh.Count == 0)
        {
            return new(false, $"The rule asks for a factor verified {Within(method.ReauthenticateIn)}.", null);
        }

        if (method.FactorMode == FactorMode.TwoFactor && Classes(fresh) < 2)
        {
            return new(false, $"The rule asks for two factors of different kinds verified {Within(method.ReauthenticateIn)}.", null);
        }

        return VerificationOutcome.Met;
    }

    /// <summary>Whether <paramref name="factor"/> meets one class constraint, freshness aside.</summary>
    public static bool Meets(FactorConstraint constraint, ProvenFactor factor) =>
        factor.Class == constraint.Class
        && (constraint.Methods.Count == 0 || constraint.Methods.Contains(factor.Method, StringComparer.OrdinalIgnoreCase))
        && (constraint.Types.Count == 0 || constraint.Types.Contains(factor.Type, StringComparer.OrdinalIgnoreCase))
        && (constraint.AuthenticationMethods.Count == 0 || constraint.AuthenticationMethods.Any(m =>
            string.Equals(m.Key, factor.AuthenticatorKey, StringComparison.OrdinalIgnoreCase) && string.Equals(m.Method, factor.Method, StringComparison.OrdinalIgnoreCase)))
        && Holds(constraint.DeviceBound, factor.DeviceBound)
        && Holds(constraint.PhishingResistant, factor.PhishingResistant)
        && Holds(constraint.HardwareProtection, factor.HardwareProtected)
        && Holds(constraint.UserVerification, factor.UserVerified)
        && Holds(constraint.UserPresence, factor.UserPresent);

    private static FactorConstraint? FirstUnmet(AuthenticatorConstraint entry, IReadOnlyList<ProvenFactor> factors, DateTimeOffset requestStarted, TimeSpan ruleInterval)
    {
        foreach (var constraint in new[] { entry.Knowledge, entry.Possession })
        {
            if (constraint is null)
            {
                continue;
            }

            var since = requestStarted - (constraint.ReauthenticateIn ?? ruleInterval);
            if (!factors.Any(f => f.At >= since && Meets(constraint, f)))
            {
                return constraint;
            }
        }

        return null;
    }

    private static int Classes(List<ProvenFactor> fresh)
    {
        var knowledge = fresh.Any(f => f.Class == FactorClass.Knowledge);
        var possession = fresh.Any(f => f.Class == FactorClass.Possession);
        var inherence = fresh.Any(f => f.Class == FactorClass.Inherence || (f.Class == FactorClass.Possession && f.UserVerified));
        return (knowledge ? 1 : 0) + (possession ? 1 : 0) + (inherence ? 1 : 0);
    }

    private static bool Holds(Requirement requirement, bool property) => requirement == Requirement.Optional || property;

    /// <summary>"a possession factor that is device-bound and phishing-resistant (SIGNED_NONCE), verified during this request".</summary>
    public static string Describe(FactorConstraint constraint, TimeSpan ruleInterval)
    {
        var kind = constraint.Class switch { FactorClass.Knowledge => "a knowledge factor", FactorClass.Possession => "a possession factor", _ => "a biometric factor" };
        var properties = new List<string>();
        if (constraint.DeviceBound == Requirement.Required) properties.Add("device-bound");
        if (constraint.PhishingResistant == Requirement.Required) properties.Add("phishing-resistant");
        if (constraint.HardwareProtection == Requirement.Required) properties.Add("protected by secure hardware");
        if (constraint.UserVerification == Requirement.Required) properties.Add("verified with biometrics or a PIN");
        var text = properties.Count > 0 ? $"{kind} that is {string.Join(" and ", properties)}" : kind;
        var methods = constraint.AuthenticationMethods.Select(m => $"{m.Key} {m.Method}").Concat(constraint.Methods).Concat(constraint.Types).ToList();
        if (methods.Count > 0) text += $" ({string.Join(", ", methods)})";
        return $"{text}, verified {Within(constraint.ReauthenticateIn ?? ruleInterval)}";
    }

    private static string Within(TimeSpan interval) => interval == TimeSpan.Zero ? "during this request" : $"within the last {Durations.Describe(interval)}";
}
