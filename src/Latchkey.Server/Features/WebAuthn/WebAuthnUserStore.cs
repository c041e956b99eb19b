using System.Buffers.Text;
using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>A Latchkey user as ASP.NET Core Identity's passkey handler sees one: the id is the WebAuthn user handle.</summary>
public sealed record WebAuthnUser(string Id, string OrgId, string Login, string DisplayName);

/// <summary>
/// The thinnest store ASP.NET Core Identity's <see cref="PasskeyHandler{TUser}"/> can run on. The handler takes a
/// <see cref="UserManager{TUser}"/>, and of it uses only these reads: the user by id, the user's id, the user's
/// credentials (for <c>excludeCredentials</c> / <c>allowCredentials</c>), one credential of a user, and who holds a
/// credential id (a credential is registered once). They read Latchkey's own Users and WebAuthnCredentials tables.
/// Users are created, renamed and deleted by the Users API, and credentials stored by <see cref="WebAuthnCeremonies"/>
/// (with the factor and the System Log event, in the org's write), so the store's write methods refuse.
/// </summary>
public sealed class WebAuthnUserStore(LatchkeyDbContext db) : IUserPasskeyStore<WebAuthnUser>
{
    public async Task<WebAuthnUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        userId.Length > 20 ? null : await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new WebAuthnUser(u.Id, u.OrgId, u.Login, (u.FirstName + " " + u.LastName).Trim()))
            .FirstOrDefaultAsync(cancellationToken);

    public Task<string> GetUserIdAsync(WebAuthnUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(WebAuthnUser user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.Login);

    public Task<string?> GetNormalizedUserNameAsync(WebAuthnUser user, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(user.Login.ToUpperInvariant());

    public async Task<IList<UserPasskeyInfo>> GetPasskeysAsync(WebAuthnUser user, CancellationToken cancellationToken) =>
        (await db.WebAuthnCredentials.AsNoTracking().Where(c => c.OrgId == user.OrgId && c.UserId == user.Id).OrderBy(c => c.Created)
            .ToListAsync(cancellationToken)).Select(ToPasskey).ToList();

    public async Task<WebAuthnUser?> FindByPasskeyIdAsync(byte[] credentialId, CancellationToken cancellationToken)
    {
        var id = Base64Url.EncodeToString(credentialId);
        var userId = await db.WebAuthnCredentials.AsNoTracking().Where(c => c.CredentialId == id).Select(c => c.UserId).FirstOrDefaultAsync(cancellationToken);
        return userId is null ? null : await FindByIdAsync(userId, cancellationToken);
    }

    public async Task<UserPasskeyInfo?> FindPasskeyAsync(WebAuthnUser user, byte[] credentialId, CancellationToken cancellationToken)
    {
        var id = Base64Url.EncodeToString(credentialId);
        var row = await db.WebAuthnCredentials.AsNoTracking()
            .FirstOrDefaultAsync(c => c.CredentialId == id && c.OrgId == user.OrgId && c.UserId == user.Id, cancellationToken);
        return row is null ? null : ToPasskey(row);
    }

    /// <summary>
    /// The credential as the handler checks an assertion against it. The signature counter is given as 0, so the
    /// handler checks everything but the counter; <see cref="WebAuthnCeremonies"/> then applies the counter rule in one
    /// conditional update (greater than the stored one, or both 0), after the signature is known good. That way two
    /// nodes racing one assertion cannot both accept it, and a counter that went backwards is told apart from a forgery
    /// and logged as a possible clone.
    /// </summary>
    private static UserPasskeyInfo ToPasskey(WebAuthnCredentialEntity c) =>
        new(Base64Url.DecodeFromChars(c.CredentialId), c.PublicKey, c.Created, signCount: 0, WebAuthnJson.Transports(c.TransportsJson),
            c.UserVerified, c.BackupEligible, c.BackedUp, attestationObject: [], clientDataJson: [])
        { Name = c.Name };

    private static NotSupportedException UsersApiOnly() =>
        new("Latchkey's users are created, renamed and deleted through the Users API, and WebAuthn credentials stored by WebAuthnCeremonies.");

    public Task<WebAuthnUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task SetUserNameAsync(WebAuthnUser user, string? userName, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task SetNormalizedUserNameAsync(WebAuthnUser user, string? normalizedName, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task<IdentityResult> CreateAsync(WebAuthnUser user, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task<IdentityResult> UpdateAsync(WebAuthnUser user, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task<IdentityResult> DeleteAsync(WebAuthnUser user, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task AddOrUpdatePasskeyAsync(WebAuthnUser user, UserPasskeyInfo passkey, CancellationToken cancellationToken) => throw UsersApiOnly();

    public Task RemovePasskeyAsync(WebAuthnUser user, byte[] credentialId, CancellationToken cancellationToken) => throw UsersApiOnly();

    public void Dispose()
    {
    }
}

/// <summary>
/// The <see cref="UserManager{TUser}"/> the passkey handler requires, over <see cref="WebAuthnUserStore"/> alone: no
/// password hasher, validators or token providers (nothing here signs a user in or changes one).
/// </summary>
public sealed class WebAuthnUserManager(WebAuthnUserStore store, IServiceProvider services, ILogger<UserManager<WebAuthnUser>> logger)
    : UserManager<WebAuthnUser>(store, Microsoft.Extensions.Options.Options.Create(new IdentityOptions()), null!, [], [], new UpperInvariantLookupNormalizer(),
        new IdentityErrorDescriber(), services, logger);
