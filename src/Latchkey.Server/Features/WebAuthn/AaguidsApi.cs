using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.WebAuthn;

/// <summary>
/// <c>/api/v1/authenticators/{authenticatorId}/aaguids</c> (the spec's custom AAGUIDs): the allow-list of authenticator
/// models for the <c>webauthn</c> authenticator. List, create, get, replace (PUT), update (PATCH) and delete; when the
/// list is not empty, only these models can be registered (<see cref="WebAuthnCeremonies"/>), and a model listed with
/// <c>attestationRootCertificates</c> only with an attestation that chains to one of them.
/// </summary>
public static class AaguidsApi
{
    public static void MapAaguidsApi(this RouteGroupBuilder api)
    {
        var aaguids = api.MapGroup("/authenticators/{authenticatorId}/aaguids");
        aaguids.MapGet("", List).Requires(AdminPermission.SecurityRead);
        aaguids.MapPost("", Create).Requires(AdminPermission.SecurityManage);
        aaguids.MapGet("/{aaguid}", Get).Requires(AdminPermission.SecurityRead);
        aaguids.MapPut("/{aaguid}", (string authenticatorId, string aaguid, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            UpdateAsync(authenticatorId, aaguid, replace: true, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        aaguids.MapPatch("/{aaguid}", (string authenticatorId, string aaguid, HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l, TimeProvider t) =>
            UpdateAsync(authenticatorId, aaguid, replace: false, c, db, w, l, t)).Requires(AdminPermission.SecurityManage);
        aaguids.MapDelete("/{aaguid}", Delete).Requires(AdminPermission.SecurityManage);
    }

    private static async Task<AuthenticatorEntity> WebAuthnAuthenticatorAsync(LatchkeyDbContext db, string orgId, string authenticatorId, CancellationToken ct)
    {
        var authenticator = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == orgId && a.Id == authenticatorId, ct)
            ?? throw new ApiException(ApiErrors.NotFound(authenticatorId, "Authenticator"));
        return authenticator.Key == DefaultAuthenticators.WebAuthn
            ? authenticator
            : throw new ApiException(ApiErrors.Validation("authenticatorId", "AAGUIDs belong to the webauthn (Security Key or Biometric) authenticator"));
    }

    private static async Task<IResult> List(string authenticatorId, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var a = await WebAuthnAuthenticatorAsync(db, caller.OrgId, authenticatorId, context.RequestAborted);
        var rows = await db.WebAuthnAaguids.AsNoTracking().Where(x => x.OrgId == caller.OrgId && x.AuthenticatorId == a.Id).ToListAsync(context.RequestAborted);
        var apiBase = ApiUrls.ApiBase(context.Request);
        return ApiResponses.Json(new JsonArray(rows.OrderBy(r => r.Created).ThenBy(r => r.Aaguid, StringComparer.Ordinal)
            .Select(r => (JsonNode)ToResource(r, apiBase)).ToArray()));
    }

    private static async Task<IResult> Get(string authenticatorId, string aaguid, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        var a = await WebAuthnAuthenticatorAsync(db, caller.OrgId, authenticatorId, context.RequestAborted);
        var row = await FindAsync(db, caller.OrgId, a.Id, aaguid, track: false, context.RequestAborted);
        return ApiResponses.Json(ToResource(row, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Create(string authenticatorId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var aaguid = WebAuthnPolicy.Normalize(JsonBody.String(body, "aaguid", "aaguid"))
            ?? throw new ApiException(ApiErrors.Validation("aaguid", "An AAGUID is a GUID such as cb69481e-8ff7-4039-93ec-0a2729a154a8"));
        var row = await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await WebAuthnAuthenticatorAsync(db, caller.OrgId, authenticatorId, ct);
            if (await db.WebAuthnAaguids.AnyAsync(x => x.OrgId == caller.OrgId && x.AuthenticatorId == a.Id && x.Aaguid == aaguid, ct))
            {
                throw new ApiException(ApiErrors.Validation("aaguid", $"The AAGUID {aaguid} is on the list already"));
            }

            var now = IsoTime.Truncate(time.GetUtcNow());
            var row = new WebAuthnAaguidEntity { OrgId = caller.OrgId, AuthenticatorId = a.Id, Aaguid = aaguid, Created = now, LastUpdated = now };
            Apply(row, body, replace: true);
            db.WebAuthnAaguids.Add(row);
            log.Stage(EventTypes.AuthenticatorUpdate, [AuthenticatorsApi.Target(a)], debugData: new Dictionary<string, object?> { ["aaguid"] = aaguid, ["change"] = "added" });
            return row;
        }, ct);
        return ApiResponses.Json(ToResource(row, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> UpdateAsync(string authenticatorId, string aaguid, bool replace, HttpContext context, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var row = await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await WebAuthnAuthenticatorAsync(db, caller.OrgId, authenticatorId, ct);
            var row = await FindAsync(db, caller.OrgId, a.Id, aaguid, track: true, ct);
            Apply(row, body, replace);
            row.LastUpdated = IsoTime.Truncate(time.GetUtcNow());
            log.Stage(EventTypes.AuthenticatorUpdate, [AuthenticatorsApi.Target(a)], debugData: new Dictionary<string, object?> { ["aaguid"] = row.Aaguid, ["change"] = "updated" });
            return row;
        }, ct);
        return ApiResponses.Json(ToResource(row, ApiUrls.ApiBase(context.Request)));
    }

    private static async Task<IResult> Delete(string authenticatorId, string aaguid, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        var caller = ApiCaller.Required(context);
        var ct = context.RequestAborted;
        await write.RunAsync(caller.OrgId, async () =>
        {
            var a = await WebAuthnAuthenticatorAsync(db, caller.OrgId, authenticatorId, ct);
            var row = await FindAsync(db, caller.OrgId, a.Id, aaguid, track: true, ct);
            db.WebAuthnAaguids.Remove(row);
            log.Stage(EventTypes.AuthenticatorUpdate, [AuthenticatorsApi.Target(a)], debugData: new Dictionary<string, object?> { ["aaguid"] = row.Aaguid, ["change"] = "removed" });
            return row;
        }, ct);
        return ApiResponses.NoContent();
    }

    private static async Task<WebAuthnAaguidEntity> FindAsync(LatchkeyDbContext db, string orgId, string authenticatorId, string aaguid, bool track, CancellationToken ct)
    {
        var key = WebAuthnPolicy.Normalize(aaguid) ?? throw new ApiException(ApiErrors.NotFound(aaguid, "AAGUID"));
        return await (track ? db.WebAuthnAaguids : db.WebAuthnAaguids.AsNoTracking())
                   .FirstOrDefaultAsync(x => x.OrgId == orgId && x.AuthenticatorId == authenticatorId && x.Aaguid == key, ct)
               ?? throw new ApiException(ApiErrors.NotFound(aaguid, "AAGUID"));
    }

    /// <summary>Takes name, authenticatorCharacteristics and attestationRootCertificates from the body (PUT and POST: all of them; PATCH: those present).</summary>
    private static void Apply(WebAuthnAaguidEntity row, JsonObject body, bool replace)
    {
        if (replace || body.ContainsKey("name"))
        {
            row.Name = JsonBody.String(body, "name", "name") is { } name ? name.Trim()[..Math.Min(name.Trim().Length, 255)] : null;
        }

        if (replace || body.ContainsKey("authenticatorCharacteristics"))
        {
            var given = JsonBody.Object(body, "authenticatorCharacteristics", "authenticatorCharacteristics");
            row.CharacteristicsJson = given is null ? null : new JsonObject
            {
                ["platformAttached"] = JsonBody.Bool(given, "platformAttached", "authenticatorCharacteristics.platformAttached") ?? false,
                ["fipsCompliant"] = JsonBody.Bool(given, "fipsCompliant", "authenticatorCharacteristics.fipsCompliant") ?? false,
                ["hardwareProtected"] = JsonBody.Bool(given, "hardwareProtected", "authenticatorCharacteristics.hardwareProtected") ?? false,
            }.ToJsonString();
        }

        if (replace || body.ContainsKey("attestationRootCertificates"))
        {
            row.RootCertificatesJson = body["attestationRootCertificates"] switch
            {
                null => null,
                JsonArray certificates => JsonSerializer.Serialize(certificates.Select((c, i) => RootCertificate(c, i)).ToArray()),
                _ => throw new ApiException(ApiErrors.Validation("attestationRootCertificates", "A list of {\"x5c\": \"<base64 DER certificate>\"}")),
            };
        }
    }

    private static string RootCertificate(JsonNode? entry, int index)
    {
        var field = $"attestationRootCertificates[{index}].x5c";
        var text = entry is JsonObject o ? JsonBody.String(o, "x5c", field) : null;
        try
        {
            var der = Convert.FromBase64String(text ?? throw new FormatException());
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return Convert.ToBase64String(der);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            throw new ApiException(ApiErrors.Validation(field, "Not a base64 DER X.509 certificate"));
        }
    }

    public static JsonObject ToResource(WebAuthnAaguidEntity row, string apiBase)
    {
        var roots = new JsonArray();
        foreach (var der in row.RootCertificatesJson is null ? [] : JsonSerializer.Deserialize<string[]>(row.RootCertificatesJson) ?? [])
        {
            var bytes = Convert.FromBase64String(der);
            using var certificate = X509CertificateLoader.LoadCertificate(bytes);
            roots.Add(new JsonObject
            {
                ["x5c"] = der, ["x5t#S256"] = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(bytes)), ["iss"] = certificate.Issuer,
                ["exp"] = IsoTime.Write(new DateTimeOffset(certificate.NotAfter.ToUniversalTime())),
            });
        }

        return new JsonObject
        {
            ["aaguid"] = row.Aaguid, ["name"] = row.Name,
            ["authenticatorCharacteristics"] = row.CharacteristicsJson is null ? null : JsonNode.Parse(row.CharacteristicsJson),
            ["attestationRootCertificates"] = roots,
            ["_links"] = new JsonObject
            {
                ["self"] = JsonLinks.Link($"{apiBase}/authenticators/{row.AuthenticatorId}/aaguids/{row.Aaguid}", "GET", "PUT", "PATCH", "DELETE"),
            },
        };
    }
}
