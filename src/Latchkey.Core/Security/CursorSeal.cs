using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Core.Security;

/// <summary>
/// Paging cursors (<c>after</c>) that the server can recognise as its own. A cursor is base64url of
/// <c>version (1 byte) | tag (8 bytes) | position (UTF-8)</c>, where the tag is the first 8 bytes of
/// SHA-256 over the version, the list's name and the position. Garbage, a cursor of another list and a
/// cursor of another server (the real service's, say) all fail the tag check (a chance of 2^-64 by luck).
/// The tag is a check, not a secret: a client that forges one only reaches its own org's list, at a
/// position it could have asked for anyway; so cursors survive restarts and are valid on every node.
/// </summary>
public static class CursorSeal
{
    private const byte Version = 1;
    private const int TagBytes = 8;
    private const int MaxCursorChars = 512;

    public static string Seal(string list, string position)
    {
        var body = Encoding.UTF8.GetBytes(position);
        var sealedBytes = new byte[1 + TagBytes + body.Length];
        sealedBytes[0] = Version;
        Tag(list, body).CopyTo(sealedBytes.AsSpan(1));
        body.CopyTo(sealedBytes.AsSpan(1 + TagBytes));
        return Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>The position sealed in <paramref name="cursor"/> for <paramref name="list"/>, or null when it was not.</summary>
    public static string? Open(string list, string cursor)
    {
        if (cursor.Length is 0 or > MaxCursorChars)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return null;
        }

        if (bytes.Length < 1 + TagBytes || bytes[0] != Version)
        {
            return null;
        }

        var body = bytes.AsSpan(1 + TagBytes);
        if (!CryptographicOperations.FixedTimeEquals(bytes.AsSpan(1, TagBytes), Tag(list, body)))
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static byte[] Tag(string list, ReadOnlySpan<byte> position)
    {
        var name = Encoding.UTF8.GetBytes(list);
        var input = new byte[2 + name.Length + position.Length];
        input[0] = Version;
        name.CopyTo(input.AsSpan(1));
        input[1 + name.Length] = 0; // the list name never contains NUL, so name and position cannot be shifted into each other
        position.CopyTo(input.AsSpan(2 + name.Length));
        return SHA256.HashData(input)[..TagBytes];
    }
}
