using Latchkey.Verify;
using Latchkey.Verify.State;
using Latchkey.Verify.WebAuthn;

namespace Latchkey.Desktop.Security;

/// <summary>
/// The computer's USB slot as this agent sees it: a directory of software FIDO2 security keys as
/// <c>latchkey-verify key create</c> writes them (a <c>latchkey-verify</c> home, <c>--keys DIR</c>). Each key there is
/// plugged in, unless a file <c>NAME.blocked</c> lies next to the home's <c>state.json</c>: that key is one the OS has
/// not allowed to connect (macOS's accessory restriction), so it is not visible, as a real key is not. Signing uses
/// <see cref="SoftwareSecurityKey"/> itself, under the home's lock, so the key's counter is saved as a real key keeps it.
/// </summary>
public sealed class SecurityKeySlot(string directory, TimeProvider time)
{
    public const string BlockedSuffix = ".blocked";

    private readonly VerifyHome home = new(directory);

    public string Directory => home.Directory;

    /// <summary>The keys in the slot: those visible, and the names of those not allowed to connect.</summary>
    public (IReadOnlyList<SecurityKeyRecord> Visible, IReadOnlyList<string> Blocked) Keys()
    {
        // An empty slot, or none at all, is a slot with no key in it (not a broken key store).
        if (!File.Exists(home.StateFile))
        {
            return ([], []);
        }

        VerifyState state;
        try
        {
            state = home.Load();
        }
        catch (VerifyException e)
        {
            throw new DesktopException(ExitCodes.Failure, $"the security keys in {Directory} cannot be read: {e.Message}", e);
        }

        var blocked = state.SecurityKeys.Where(IsBlocked).ToList();
        return ([.. state.SecurityKeys.Except(blocked)], [.. blocked.Select(k => k.Name)]);
    }

    /// <summary>
    /// The key's answer (<c>PublicKeyCredential</c> JSON) to <paramref name="optionsJson"/> (<c>PublicKeyCredentialRequestOptions</c>)
    /// for <paramref name="origin"/>; its incremented counter is saved with it.
    /// </summary>
    public string Assert(string keyName, string optionsJson, string origin)
    {
        try
        {
            return home.Update(state =>
            {
                var key = state.SecurityKeys.FirstOrDefault(k => k.Name == keyName && !IsBlocked(k))
                    ?? throw new DesktopException(ExitCodes.Failure, $"the security key {keyName} was removed from the USB slot: insert it again");
                return new SoftwareSecurityKey(key, time).Assert(optionsJson, origin).ToJsonString();
            });
        }
        catch (VerifyException e)
        {
            throw new DesktopException(ExitCodes.Failure, $"the security key {keyName} could not answer: {e.Message}", e);
        }
    }

    private bool IsBlocked(SecurityKeyRecord key) =>
        key.Name.IndexOfAny(['/', '\\']) < 0 && File.Exists(Path.Combine(Directory, key.Name + BlockedSuffix));
}
