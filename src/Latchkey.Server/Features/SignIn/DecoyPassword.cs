using Latchkey.Core.Security;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// A password hash of the configured cost that no password matches, verified when the identified user does not
/// exist or has no password, so that a refusal takes as long whoever was named (no account enumeration by timing).
/// </summary>
public sealed class DecoyPassword(PasswordHasher hasher)
{
    private readonly Lazy<string> _hash = new(() => hasher.Hash(RandomIds.NewUrlSafeSecret()));

    /// <summary>Spends the time of a real verification; always false.</summary>
    public bool Verify(string password)
    {
        _ = PasswordHasher.Verify(password, _hash.Value);
        return false;
    }
}
