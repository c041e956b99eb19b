using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>
/// What the org's <c>webauthn</c> authenticator asks of a ceremony: user verification for registration and for
/// verification (<c>DISCOURAGED</c> / <c>PREFERRED</c> / <c>REQUIRED</c>, the strictest of the authenticator's
/// <c>settings.userVerification</c> and its <c>webauthn</c> method's; <c>userVerificationForVerify</c> may tighten
/// verification further), the attachment, and the models allowed (the custom AAGUIDs of the Authenticators API and the
/// method's <c>aaguidGroups</c>; empty: any model).
/// </summary>
public sealed record WebAuthnPolicy(AuthenticatorEntity Authenticator, string RegistrationUserVerification, string VerifyUserVerification,
    string? Attachment, IReadOnlyDictionary<string, WebAuthnAaguidEntity?> AllowedModels)
{
    public const string Method = "webauthn";
    private static readonly string[] Strictness = ["discouraged", "preferred", "required"];

    /// <summary>The org's policy; refused (400) when the authenticator or its method is not active.</summary>
    public static async Task<WebAuthnPolicy> ForOrgAsync(LatchkeyDbContext db, string orgId, CancellationToken ct)
    {
        var authenticator = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == orgId && a.Key == DefaultAuthenticators.WebAuthn, ct);
        if (authenticator is null || !AuthenticatorsApi.MethodActive(authenticator, Method))
        {
            throw new ApiException(ApiErrors.Validation("factorType", "The Security Key or Biometric authenticator is not active in this organization"));
        }

        var settings = authenticator.SettingsJson is null ? null : JsonNode.Parse(authenticator.SettingsJson) as JsonObject;
        var method = AuthenticatorsApi.StoredMethods(authenticator).FirstOrDefault(m => (string?)m!["type"] == Method)?["settings"] as JsonObject;
        var registration = Strictest(Text(settings, "userVerification"), Text(method, "userVerification"));
        var verify = Strictest(registration, Text(method, "userVerificationForVerify"));
        var attachment = Text(method, "attachment") switch
        {
            "PLATFORM" => "platform",
            "CROSS_PLATFORM" => "cross-platform",
            _ => null,
        };

        var allowed = new Dictionary<string, WebAuthnAaguidEntity?>(StringComparer.Ordinal);
        if (method?["aaguidGroups"] is JsonArray groups)
        {
            foreach (var aaguid in groups.SelectMany(g => g?["aaguids"] as JsonArray ?? []).Select(a => Normalize(Text(a))).OfType<string>())
            {
                allowed[aaguid] = null;
            }
        }

        foreach (var custom in await db.WebAuthnAaguids.AsNoTracking().Where(a => a.OrgId == orgId && a.AuthenticatorId == authenticator.Id).ToListAsync(ct))
        {
            allowed[custom.Aaguid] = custom;
        }

        return new WebAuthnPolicy(authenticator, registration, verify, attachment, allowed);
    }

    /// <summary>An AAGUID in its lower-case dashed form, or null when it is not a GUID.</summary>
    public static string? Normalize(string? aaguid) =>
        Guid.TryParseExact(aaguid?.Trim() ?? "", "D", out var guid) ? guid.ToString("D") : null;

    private static string Strictest(params string?[] values) =>
        values.Select(v => v?.ToLowerInvariant()).Where(v => v is not null && Strictness.Contains(v))
            .OrderByDescending(v => Array.IndexOf(Strictness, v)).FirstOrDefault() ?? "discouraged";

    private static string? Text(JsonNode? node, string name) => node is JsonObject o ? Text(o[name]) : null;

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
