using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.ApiTokens;

/// <summary>
/// Issues API tokens (tokens are never created over the Management API, as in the real service: an admin creates them in
/// the console). A token is "00" and 40 base62 characters, like the first-start token; only its SHA-256 is stored, so its
/// value is shown once and never again. It acts as its owner and expires 30 days after its last use.
/// </summary>
public sealed class ApiTokenIssuer(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
{
    public const int MaxNameLength = 255;
    private static readonly TimeSpan Window = TimeSpan.FromDays(30);

    public static string NewValue() => "00" + RandomIds.NewBase62(40);

    public static LogTarget Target(ApiTokenEntity token) => new(token.Id, "Token", token.Name, token.Name);

    /// <summary>Creates a token named <paramref name="name"/> for <paramref name="ownerUserId"/>; returns it with its only plaintext copy.</summary>
    public async Task<(ApiTokenEntity Token, string Value)> CreateAsync(string orgId, string ownerUserId, string? name, CancellationToken ct)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            throw new ApiException(ApiErrors.Validation("name", "The field cannot be left blank"));
        }

        if (name.Length > MaxNameLength)
        {
            throw new ApiException(ApiErrors.Validation("name", $"The field is too long (maximum {MaxNameLength} characters)"));
        }

        var value = NewValue();
        var now = IsoTime.Truncate(time.GetUtcNow());
        var token = new ApiTokenEntity
        {
            Id = RandomIds.NewId(IdPrefix.ApiToken, now), OrgId = orgId, UserId = ownerUserId, Name = name,
            TokenHash = SecretHasher.Hash(value), ClientName = "Okta API", Created = now, LastUpdated = now, ExpiresAt = now + Window,
        };
        await write.RunAsync(orgId, () =>
        {
            db.ApiTokens.Add(token);
            log.Stage(EventTypes.ApiTokenCreate, [Target(token)]);
            return Task.CompletedTask;
        }, ct);
        return (token, value);
    }
}
