using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Latchkey.Core.Security;
using Latchkey.Core.SignIn;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.SignIn;

/// <summary>
/// The one-time token of a sign-in's activation link, with which the authenticator app enrolls for that sign-in's user
/// (IDX <c>enroll-poll</c>; <c>Authorization: OTDT</c>). Derived from the state handle, so every response of the step
/// shows the same link; stored only as its SHA-256, as a row of the transactions store (<see cref="SignInStep.AppEnrollmentToken"/>)
/// that expires with the step. Every read and write of those rows is here.
/// </summary>
public static class AppEnrollmentTokens
{
    public static string For(SignInTransaction tx) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(tx.Handle), "latchkey app enrollment"u8));

    /// <summary>Removes the token of <paramref name="tx"/>, if it issued one (inside the caller's write).</summary>
    public static Task DropAsync(LatchkeyDbContext db, SignInTransaction tx, CancellationToken ct) => DeleteAsync(db, For(tx), ct);

    /// <summary>The user a live token was issued for, or null (unknown, used, expired, or not a token).</summary>
    public static async Task<string?> UserIdAsync(LatchkeyDbContext db, string token, DateTimeOffset now, CancellationToken ct)
    {
        if (token.Length is 0 or > 100)
        {
            return null;
        }

        var hash = SecretHasher.Hash(token);
        return await db.SignInTransactions.AsNoTracking()
            .Where(t => t.HandleHash == hash && t.Step == SignInStep.AppEnrollmentToken && t.ExpiresAt > now).Select(t => t.UserId).FirstOrDefaultAsync(ct);
    }

    /// <summary>Uses the token up (inside the enrollment's write): false when it is gone already, so of two racing enrollments one wins.</summary>
    public static async Task<bool> ConsumeAsync(LatchkeyDbContext db, string token, CancellationToken ct) => await DeleteAsync(db, token, ct) > 0;

    private static Task<int> DeleteAsync(LatchkeyDbContext db, string token, CancellationToken ct)
    {
        var hash = SecretHasher.Hash(token);
        return db.SignInTransactions.Where(t => t.HandleHash == hash && t.Step == SignInStep.AppEnrollmentToken).ExecuteDeleteAsync(ct);
    }
}
