namespace Latchkey.Core.SignIn;

/// <summary>
/// Session lifetimes from the org's OKTA_SIGN_ON policy (okta-api.md section 5.2, <c>actions.signon.session</c>): a
/// session ends after <see cref="MaxIdleMinutes"/> without use or <see cref="MaxLifetimeMinutes"/> after it began
/// (0: no absolute limit), whichever comes first. Latchkey's new org: 2 hours idle, 24 hours at most.
/// </summary>
public sealed record SessionPolicy(int MaxIdleMinutes = 120, int MaxLifetimeMinutes = 1440)
{
    public static SessionPolicy Default { get; } = new();

    /// <summary>The absolute end of a session that begins at <paramref name="start"/>.</summary>
    public DateTimeOffset MaxExpiresAt(DateTimeOffset start) =>
        MaxLifetimeMinutes > 0 ? start.AddMinutes(MaxLifetimeMinutes) : start.AddYears(100);

    /// <summary>When a session last used at <paramref name="lastActivity"/> ends: the idle end, or the absolute end if earlier.</summary>
    public static DateTimeOffset ExpiresAt(DateTimeOffset lastActivity, int idleMinutes, DateTimeOffset maxExpiresAt)
    {
        var idle = lastActivity.AddMinutes(idleMinutes);
        return idle < maxExpiresAt ? idle : maxExpiresAt;
    }
}
