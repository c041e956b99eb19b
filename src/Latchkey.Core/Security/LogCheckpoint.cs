using System.Globalization;
using System.Text;

namespace Latchkey.Core.Security;

/// <summary>
/// A signed statement about one org's System Log: "the event at <see cref="Sequence"/> has chain hash
/// <see cref="Hash"/>", made at <see cref="Signed"/> with the key named by <see cref="KeyId"/>. Because every
/// chain hash covers every event before it, one checkpoint vouches for the whole chain up to its sequence,
/// and re-computing the hashes without the key no longer hides an edit.
/// </summary>
public sealed record LogCheckpoint(string OrgId, long Sequence, string Hash, DateTimeOffset Signed, string KeyId, string Signature)
{
    /// <summary>The bytes that are signed. Pinned (a unit test holds it): stored checkpoints must stay verifiable.</summary>
    public static byte[] Payload(string orgId, long sequence, string hash, DateTimeOffset signed) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"latchkey-log-checkpoint/1\n{orgId}\n{sequence}\n{hash}\n{signed.ToUnixTimeMilliseconds()}"));
}

/// <summary>The result of checking a checkpoint's signature.</summary>
public enum CheckpointSignature
{
    Valid,
    /// <summary>Signed with a key other than the one given (its key id differs), or the key id was altered.</summary>
    OtherKey,
    /// <summary>The key id matches but the signature does not cover these values: the checkpoint was altered.</summary>
    Invalid,
}
