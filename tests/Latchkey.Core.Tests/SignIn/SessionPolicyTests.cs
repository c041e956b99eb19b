using Latchkey.Core.SignIn;
using Xunit;

namespace Latchkey.Core.Tests.SignIn;

/// <summary>Session lifetimes of the OKTA_SIGN_ON policy (okta-api.md section 5.2) with fixed times.</summary>
public sealed class SessionPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_orgs_sessions_last_two_idle_hours_and_a_day_at_most()
    {
        var policy = SessionPolicy.Default;
        var max = policy.MaxExpiresAt(T0);
        Assert.Equal(T0.AddHours(24), max);
        Assert.Equal(T0.AddHours(2), SessionPolicy.ExpiresAt(T0, policy.MaxIdleMinutes, max));
    }

    [Fact]
    public void Use_moves_the_idle_end_but_never_past_the_absolute_end()
    {
        var max = SessionPolicy.Default.MaxExpiresAt(T0);
        Assert.Equal(T0.AddHours(12), SessionPolicy.ExpiresAt(T0.AddHours(10), 120, max));
        Assert.Equal(max, SessionPolicy.ExpiresAt(T0.AddHours(23), 120, max));
    }

    [Fact]
    public void A_lifetime_of_zero_minutes_means_no_absolute_limit()
    {
        var max = new SessionPolicy(MaxIdleMinutes: 30, MaxLifetimeMinutes: 0).MaxExpiresAt(T0);
        Assert.True(max > T0.AddYears(50));
        Assert.Equal(T0.AddDays(400).AddMinutes(30), SessionPolicy.ExpiresAt(T0.AddDays(400), 30, max));
    }
}
