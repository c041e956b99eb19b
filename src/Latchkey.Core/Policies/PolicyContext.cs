namespace Latchkey.Core.Policies;

/// <summary>
/// The facts a policy is evaluated against: who (the user and their groups) and from what (the device, when the request
/// comes from one the org knows). Built by the caller (sign-in, app launch, simulation) from its own sources.
/// </summary>
public sealed record PolicyContext(string UserId, IReadOnlySet<string> GroupIds, DeviceFacts? Device = null)
{
    /// <summary>The network zones that hold the request's address (app launch) or that a simulation names; null when unknown.</summary>
    public IReadOnlySet<string>? ZoneIds { get; init; }
}

/// <summary>
/// What is known of the device: registered (the authenticator app enrolled on it), managed (it proved a management
/// credential for this user), and its platform as the device reports it (<c>MACOS</c>, <c>WINDOWS</c>, <c>LINUX</c>, ...).
/// </summary>
public sealed record DeviceFacts(bool Registered, bool Managed, string? Platform)
{
    /// <summary>The device assurance policy the device satisfies (<c>dae...</c>); null when unknown.</summary>
    public string? AssuranceId { get; init; }
}
