using System.Text.Json;
using Latchkey.Desktop.Security;
using System.Buffers.Text;

namespace Latchkey.Desktop.State;

/// <summary>
/// The signature of an offline event: ES256 by the computer key over the event's JSON as this agent serializes it
/// (camelCase members in declaration order, no whitespace); the server verifies it with the public key the computer
/// registered before it writes the event to the System Log with its original time.
/// </summary>
public static class OfflineJournal
{
    public static byte[] SignedBytes(OfflineEvent offlineEvent) => JsonSerializer.SerializeToUtf8Bytes(offlineEvent, DesktopState.Json);

    public static SignedOfflineEvent Sign(OfflineEvent offlineEvent, ComputerKey key) =>
        new(offlineEvent, Base64Url.EncodeToString(key.Sign(SignedBytes(offlineEvent))));

    public static bool Verify(SignedOfflineEvent signed, byte[] computerPublicKey)
    {
        try
        {
            return ComputerKey.Verify(computerPublicKey, SignedBytes(signed.Event), Base64Url.DecodeFromChars(signed.Signature));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
