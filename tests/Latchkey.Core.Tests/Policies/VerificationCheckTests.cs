using Latchkey.Core.Policies;
using Xunit;

namespace Latchkey.Core.Tests.Policies;

/// <summary>Issue 12 items 1 and 3: a rule's verification method (factor mode, re-authentication interval, constraints) against the factors a user proved.</summary>
public sealed class VerificationCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static ProvenFactor Password(TimeSpan ago) => new(FactorClass.Knowledge, "PASSWORD", "okta_password", "PASSWORD", Now - ago);

    private static ProvenFactor FastPass(TimeSpan ago, bool userVerified = false, bool hardware = false) =>
        new(FactorClass.Possession, "SIGNED_NONCE", "okta_verify", "APP", Now - ago) { DeviceBound = true, PhishingResistant = true, UserVerified = userVerified, HardwareProtected = hardware };

    private static ProvenFactor Totp(TimeSpan ago) => new(FactorClass.Possession, "TOTP", "google_otp", "APP", Now - ago);

    private static readonly FactorConstraint DeviceBoundFastPass = new(FactorClass.Possession)
    {
        DeviceBound = Requirement.Required,
        AuthenticationMethods = [("okta_verify", "signed_nonce")],
    };

    [Fact]
    public void The_default_catch_all_is_met_by_a_password_from_this_morning_but_not_one_from_yesterday()
    {
        Assert.True(VerificationCheck.Evaluate(VerificationMethod.Default, [Password(TimeSpan.FromHours(3))], Now).Satisfied);
        var stale = VerificationCheck.Evaluate(VerificationMethod.Default, [Password(TimeSpan.FromHours(13))], Now);
        Assert.False(stale.Satisfied);
        Assert.Equal("The rule asks for a factor verified within the last 12 hours.", stale.Reason);
    }

    [Fact]
    public void Prompting_every_time_takes_only_factors_proven_for_this_request()
    {
        var everyTime = new VerificationMethod(FactorMode.OneFactor, TimeSpan.Zero, [new(null, DeviceBoundFastPass)]);
        var earlier = VerificationCheck.Evaluate(everyTime, [FastPass(TimeSpan.FromSeconds(1))], Now);
        Assert.False(earlier.Satisfied);
        Assert.Same(DeviceBoundFastPass, earlier.Missing);
        Assert.Equal("The rule asks for a possession factor that is device-bound (okta_verify signed_nonce), verified during this request.", earlier.Reason);
        Assert.True(VerificationCheck.Evaluate(everyTime, [FastPass(TimeSpan.Zero)], Now).Satisfied);
    }

    [Fact]
    public void A_code_from_an_app_is_not_device_bound_so_it_does_not_meet_a_fast_pass_constraint()
    {
        var method = new VerificationMethod(FactorMode.OneFactor, TimeSpan.FromHours(1), [new(null, DeviceBoundFastPass)]);
        Assert.False(VerificationCheck.Evaluate(method, [Password(TimeSpan.Zero), Totp(TimeSpan.Zero)], Now).Satisfied);
        Assert.False(VerificationCheck.Meets(new FactorConstraint(FactorClass.Possession) { DeviceBound = Requirement.Required }, Totp(TimeSpan.Zero)));
        Assert.True(VerificationCheck.Meets(new FactorConstraint(FactorClass.Possession) { Methods = ["totp"] }, Totp(TimeSpan.Zero)));
    }

    [Fact]
    public void Two_factors_need_two_kinds_and_fast_pass_with_biometrics_counts_as_two()
    {
        var twoFactors = new VerificationMethod(FactorMode.TwoFactor, TimeSpan.FromHours(2), []);
        Assert.False(VerificationCheck.Evaluate(twoFactors, [Password(TimeSpan.Zero)], Now).Satisfied);
        Assert.False(VerificationCheck.Evaluate(twoFactors, [FastPass(TimeSpan.Zero)], Now).Satisfied);
        Assert.True(VerificationCheck.Evaluate(twoFactors, [FastPass(TimeSpan.Zero, userVerified: true)], Now).Satisfied);
        Assert.True(VerificationCheck.Evaluate(twoFactors, [Password(TimeSpan.FromMinutes(5)), Totp(TimeSpan.Zero)], Now).Satisfied);
        Assert.False(VerificationCheck.Evaluate(twoFactors, [Password(TimeSpan.FromHours(3)), Totp(TimeSpan.Zero)], Now).Satisfied);
    }

    [Fact]
    public void Constraint_entries_are_alternatives_and_the_classes_inside_one_must_all_be_met()
    {
        var hardwareKey = new FactorConstraint(FactorClass.Possession) { HardwareProtection = Requirement.Required };
        var passwordAndKey = new AuthenticatorConstraint(new FactorConstraint(FactorClass.Knowledge) { Types = ["PASSWORD"] }, hardwareKey);
        var method = new VerificationMethod(FactorMode.OneFactor, TimeSpan.FromHours(1), [passwordAndKey, new(null, DeviceBoundFastPass with { UserVerification = Requirement.Required })]);

        var softwareKey = VerificationCheck.Evaluate(method, [Password(TimeSpan.Zero), FastPass(TimeSpan.Zero)], Now);
        Assert.False(softwareKey.Satisfied);
        Assert.Same(hardwareKey, softwareKey.Missing);
        Assert.Contains("protected by secure hardware", softwareKey.Reason, StringComparison.Ordinal);

        Assert.True(VerificationCheck.Evaluate(method, [Password(TimeSpan.Zero), FastPass(TimeSpan.Zero, hardware: true)], Now).Satisfied);
        Assert.True(VerificationCheck.Evaluate(method, [FastPass(TimeSpan.Zero, userVerified: true)], Now).Satisfied);
    }

    [Fact]
    public void A_class_constraint_may_ask_for_a_shorter_interval_than_the_rule()
    {
        var recentPassword = new FactorConstraint(FactorClass.Knowledge) { ReauthenticateIn = TimeSpan.FromMinutes(10) };
        var method = new VerificationMethod(FactorMode.OneFactor, TimeSpan.FromHours(12), [new(recentPassword, null)]);
        Assert.True(VerificationCheck.Evaluate(method, [Password(TimeSpan.FromMinutes(9))], Now).Satisfied);
        var old = VerificationCheck.Evaluate(method, [Password(TimeSpan.FromMinutes(11))], Now);
        Assert.Equal("The rule asks for a knowledge factor, verified within the last 10 minutes.", old.Reason);
    }

    [Theory]
    [InlineData("PT0S", 0)]
    [InlineData("PT2H", 7200)]
    [InlineData("PT12H", 43200)]
    [InlineData("P30D", 2592000)]
    [InlineData("PT1H30M", 5400)]
    public void Durations_read_the_iso_forms_rules_use(string text, int seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("2h")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("-PT1H")]
    [InlineData("PT")]
    [InlineData("PTXH")]
    public void Durations_refuse_anything_else(string text) => Assert.Null(Durations.Parse(text));
}
