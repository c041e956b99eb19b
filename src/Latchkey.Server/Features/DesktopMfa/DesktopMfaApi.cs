using System.Text;
using System.Text.Json.Nodes;
using System.Xml;
using Latchkey.Core.Admin;
using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>
/// The admin side of Desktop MFA (issue 13 items 1 and 2): the configuration profile of a Desktop MFA app
/// (<c>GET /api/v1/apps/{appId}/desktop-mfa/profile</c>, JSON or <c>?format=plist</c>), its client secret rotation, and
/// the org settings of §9 under <c>/device-access/api/v1/desktop-mfa/</c>.
/// </summary>
public static class DesktopMfaApi
{
    /// <summary>The preference domain the profile's keys belong to on a Mac.</summary>
    public const string PreferenceDomain = "com.okta.deviceaccess.servicedaemon";

    public const string RecoveryPinKey = "desktopMFARecoveryPinEnabled";
    public const string NumberMatchingKey = "desktopMFAEnforceNumberMatchingChallengeEnabled";

    public static void MapDesktopMfaApi(this RouteGroupBuilder api)
    {
        api.MapGet("/apps/{appId}/desktop-mfa/profile", Profile).Requires(AdminPermission.AppsManage);
        api.MapPost("/apps/{appId}/desktop-mfa/secret", RotateSecret).Requires(AdminPermission.AppsManage);
    }

    /// <summary>The org settings of okta-api.md §9, outside <c>/api/v1</c> as the real service has them.</summary>
    public static void MapDesktopMfaSettings(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup(SettingsPrefix);
        settings.MapGet("/recovery-pin-settings", (HttpContext c, LatchkeyDbContext db) => GetSetting(RecoveryPinKey, c, db)).Requires(AdminPermission.SecurityRead);
        settings.MapPut("/recovery-pin-settings", (HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l) => PutSetting(RecoveryPinKey, c, db, w, l))
            .Requires(AdminPermission.SecurityManage);
        settings.MapGet("/enforce-number-matching-challenge-settings", (HttpContext c, LatchkeyDbContext db) => GetSetting(NumberMatchingKey, c, db))
            .Requires(AdminPermission.SecurityRead);
        settings.MapPut("/enforce-number-matching-challenge-settings", (HttpContext c, LatchkeyDbContext db, OrgWrite w, SystemLogWriter l) =>
            PutSetting(NumberMatchingKey, c, db, w, l)).Requires(AdminPermission.SecurityManage);
    }

    public const string SettingsPrefix = "/device-access/api/v1/desktop-mfa";

    /// <summary>The app, provided it is a Desktop MFA app of the caller's org; else 404 as for any unknown app.</summary>
    public static async Task<AppEntity> FindAppAsync(LatchkeyDbContext db, ApiCaller caller, string appId, CancellationToken ct) =>
        await db.Apps.FirstOrDefaultAsync(a => a.Id == appId && a.OrgId == caller.OrgId && a.Name == DesktopMfaApp.Name, ct)
            ?? throw new ApiException(ApiErrors.NotFound(appId, "Desktop MFA app"));

    private static async Task<IResult> Profile(string appId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        DesktopMfaSecrets secrets)
    {
        var caller = ApiCaller.Required(context);
        var format = context.Request.Query["format"].ToString();
        if (format is not ("" or "json" or "plist"))
        {
            throw new ApiException(ApiErrors.Validation("format", "Either json (the default) or plist."));
        }

        var (_, profile) = await ReadProfileAsync(caller, appId, ApiUrls.OrgUrl(context.Request), db, write, log, secrets, context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        return format == "plist"
            ? Results.Text(ToPlist(profile), "application/x-plist; charset=utf-8", Encoding.UTF8)
            : ApiResponses.Json(profile);
    }

    /// <summary>
    /// The configuration profile of a Desktop MFA app, with its client secret opened: the download of the API and of the
    /// console. Logged as <c>app.oauth2.client.read_client_secret</c> (it hands out the secret); the caller answers it
    /// with <c>Cache-Control: no-store</c>.
    /// </summary>
    public static async Task<(AppEntity App, JsonObject Profile)> ReadProfileAsync(ApiCaller caller, string appId, string orgUrl, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, DesktopMfaSecrets secrets, CancellationToken ct)
    {
        var app = await FindAppAsync(db, caller, appId, ct);
        var client = await db.AppClients.AsNoTracking().FirstOrDefaultAsync(c => c.AppId == app.Id, ct);
        var secret = (client is null ? null : DesktopMfaApp.OpenSecret(secrets, client))
            ?? throw new ApiException(ApiErrors.Precondition("profile", client is null
                ? "The app has no client secret; rotate it to make one."
                : "The stored client secret cannot be opened on this server (its key ring changed); rotate the secret, then download the profile again."));

        await write.RunAsync(caller.OrgId, () =>
        {
            log.Stage(EventTypes.OAuthClientReadSecret, [AppResources.Target(app)], debugData: new Dictionary<string, object?> { ["reason"] = "desktop_mfa_profile_download" });
            return Task.CompletedTask;
        }, ct);
        return (app, Of(app, orgUrl, secret));
    }

    /// <summary>The configuration profile: the keys of the preference domain, from the app's credentials and settings.</summary>
    public static JsonObject Of(AppEntity app, string orgUrl, string secret)
    {
        var settings = (JsonNode.Parse(app.BodyJson) as JsonObject)?["settings"]?["app"];
        return new JsonObject
        {
            ["DMFAOrgURL"] = orgUrl,
            ["DMFAClientID"] = app.Id,
            ["DMFAClientSecret"] = secret,
            ["AllowedFactors"] = settings?["allowedFactors"]?.DeepClone() ?? new JsonArray(DesktopMfaApp.Factors.Select(f => (JsonNode)f).ToArray()),
            ["LoginPeriodWithOfflineFactor"] = (int?)settings?["loginPeriodWithOfflineFactor"] ?? DesktopMfaApp.DefaultOfflineHours,
            ["LoginPeriodWithNoOfflineFactor"] = (int?)settings?["loginPeriodWithNoOfflineFactor"] ?? DesktopMfaApp.DefaultNoOfflineFactorHours,
        };
    }

    /// <summary>The profile as an XML property list (a dictionary of the preference domain's keys), as an MDM's custom settings payload takes it.</summary>
    public static string ToPlist(JsonObject profile)
    {
        using var stream = new MemoryStream();
        using (var xml = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false) }))
        {
            xml.WriteStartDocument();
            xml.WriteComment($" Desktop MFA configuration for the preference domain {PreferenceDomain} ");
            xml.WriteStartElement("plist");
            xml.WriteAttributeString("version", "1.0");
            xml.WriteStartElement("dict");
            foreach (var (key, value) in profile)
            {
                xml.WriteElementString("key", key);
                switch (value)
                {
                    case JsonArray list:
                        xml.WriteStartElement("array");
                        foreach (var item in list)
                        {
                            xml.WriteElementString("string", (string?)item);
                        }

                        xml.WriteEndElement();
                        break;
                    case JsonValue number when number.TryGetValue<int>(out var n):
                        xml.WriteElementString("integer", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    default:
                        xml.WriteElementString("string", (string?)value);
                        break;
                }
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static async Task<IResult> RotateSecret(string appId, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        DesktopMfaSecrets secrets, TimeProvider time)
    {
        var (app, secret, created) = await RotateSecretAsync(ApiCaller.Required(context), appId, db, write, log, secrets, time, context.RequestAborted);
        return ApiResponses.Json(new JsonObject
        {
            ["client_id"] = app.Id, ["client_secret"] = secret, ["status"] = "ACTIVE", ["created"] = IsoTime.Write(created),
        });
    }

    /// <summary>A new client secret replaces the old one at once (agents with the old profile are refused <c>invalid_client</c> from then on).</summary>
    public static async Task<(AppEntity App, string Secret, DateTimeOffset Created)> RotateSecretAsync(ApiCaller caller, string appId, LatchkeyDbContext db,
        OrgWrite write, SystemLogWriter log, DesktopMfaSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        var secret = DesktopMfaApp.NewSecret();
        var now = IsoTime.Truncate(time.GetUtcNow());
        var app = await write.RunAsync(caller.OrgId, async () =>
        {
            var app = await FindAppAsync(db, caller, appId, ct);
            var client = await db.AppClients.FirstOrDefaultAsync(c => c.AppId == app.Id, ct);
            if (client is null)
            {
                client = new AppClientEntity { AppId = app.Id, OrgId = app.OrgId, SecretHash = "", SealedSecret = "" };
                db.AppClients.Add(client);
            }

            (client.SecretHash, client.SealedSecret, client.SecretCreated) =
                (SecretHasher.Hash(secret), secrets.Seal(app.OrgId, app.Id, Encoding.UTF8.GetBytes(secret)), now);
            log.Stage(EventTypes.OAuthCredentialsCreate, [AppResources.Target(app)]);
            return app;
        }, ct);
        return (app, secret, now);
    }

    private static async Task<IResult> GetSetting(string key, HttpContext context, LatchkeyDbContext db)
    {
        var caller = ApiCaller.Required(context);
        return ApiResponses.Json(new JsonObject { [key] = await OrgSettings.FlagAsync(db, caller.OrgId, key, context.RequestAborted) });
    }

    private static async Task<IResult> PutSetting(string key, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log)
    {
        var caller = ApiCaller.Required(context);
        var body = await JsonBody.ReadObjectAsync(context.Request);
        if (body[key] is not JsonValue v || !v.TryGetValue<bool>(out var enabled))
        {
            throw new ApiException(ApiErrors.Validation(key, "true or false."));
        }

        await SetSettingAsync(caller, key, enabled, db, write, log, context.RequestAborted);
        return ApiResponses.Json(new JsonObject { [key] = enabled });
    }

    /// <summary>
    /// Turns an org setting (<see cref="RecoveryPinKey"/>, <see cref="NumberMatchingKey"/>) on or off, for the API and the
    /// console: a change is logged as <c>device.desktop_mfa.configuration.update</c> with its <c>from</c> and <c>to</c>.
    /// </summary>
    public static async Task SetSettingAsync(ApiCaller caller, string key, bool enabled, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        CancellationToken ct) =>
        await write.RunAsync(caller.OrgId, async () =>
        {
            var org = await db.Orgs.FirstAsync(o => o.Id == caller.OrgId, ct);
            var before = OrgSettings.Flag(org, key);
            OrgSettings.SetFlag(org, key, enabled);
            if (before != enabled)
            {
                log.Stage(EventTypes.DesktopMfaConfigurationUpdate, [new LogTarget(org.Id, "Org", null, org.Name)
                {
                    ChangeDetails = new LogChangeDetails(new Dictionary<string, object?> { [key] = before }, new Dictionary<string, object?> { [key] = enabled }),
                }]);
            }
        }, ct);
}

/// <summary>The org's own settings (<see cref="OrgEntity.SettingsJson"/>): named flags, false until set.</summary>
public static class OrgSettings
{
    public static async Task<bool> FlagAsync(LatchkeyDbContext db, string orgId, string key, CancellationToken ct) =>
        Flag(await db.Orgs.AsNoTracking().Where(o => o.Id == orgId).Select(o => o.SettingsJson).FirstOrDefaultAsync(ct), key);

    public static bool Flag(OrgEntity org, string key) => Flag(org.SettingsJson, key);

    private static bool Flag(string? json, string key) =>
        json is not null && JsonNode.Parse(json)?[key] is JsonValue v && v.TryGetValue<bool>(out var on) && on;

    public static void SetFlag(OrgEntity org, string key, bool value)
    {
        var settings = (org.SettingsJson is null ? null : JsonNode.Parse(org.SettingsJson) as JsonObject) ?? [];
        settings[key] = value;
        org.SettingsJson = settings.ToJsonString();
    }
}
