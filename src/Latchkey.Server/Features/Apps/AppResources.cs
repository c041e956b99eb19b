using System.Text.Json.Nodes;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Apps;

public static class AppStatus
{
    public const string Active = "ACTIVE";
    public const string Inactive = "INACTIVE";
}

/// <summary>Stored app to the wire Application (a JSON tree: most of an app is free-form settings).</summary>
public static class AppResources
{
    public static JsonObject ToResource(AppEntity app, string apiBase, JsonObject? embeddedUser = null)
    {
        var orgUrl = apiBase[..^"/api/v1".Length];
        var body = JsonNode.Parse(app.BodyJson, documentOptions: ApiJson.DocumentOptions) as JsonObject ?? [];
        var self = $"{apiBase}/apps/{app.Id}";
        var result = new JsonObject
        {
            ["id"] = app.Id,
            ["orn"] = $"orn:okta:idp:{app.OrgId}:apps:{app.Name}:{app.Id}",
            ["name"] = app.Name,
            ["label"] = app.Label,
            ["status"] = app.Status,
            ["lastUpdated"] = IsoTime.Write(app.LastUpdated),
            ["created"] = IsoTime.Write(app.Created),
        };
        foreach (var (key, value) in body)
        {
            result[key] = value?.DeepClone();
        }

        result["signOnMode"] = app.SignOnMode;
        if (result["credentials"]?["oauthClient"] is JsonObject client)
        {
            // An OAuth client's id is its app's id, as the real service's.
            client["client_id"] = app.Id;
        }

        if (embeddedUser is not null)
        {
            result["_embedded"] = new JsonObject { ["user"] = embeddedUser };
        }

        var links = new JsonObject
        {
            ["uploadLogo"] = new JsonObject { ["href"] = $"{self}/logo", ["hints"] = new JsonObject { ["allow"] = new JsonArray("POST") } },
            ["appLinks"] = new JsonArray(new JsonObject
            {
                ["name"] = "login", ["href"] = $"{orgUrl}/home/{app.Name}/{app.Id}/{app.AppLinkId}", ["type"] = "text/html",
            }),
            ["accessPolicy"] = new JsonObject { ["href"] = $"{apiBase}/policies/{app.AccessPolicyId}" },
            ["groups"] = new JsonObject { ["href"] = $"{self}/groups" },
            ["logo"] = new JsonArray(new JsonObject
            {
                ["name"] = "medium", ["href"] = $"{orgUrl}/assets/img/logos/default.png", ["type"] = "image/png",
            }),
            ["users"] = new JsonObject { ["href"] = $"{self}/users" },
        };
        var lifecycle = app.Status == AppStatus.Active ? "deactivate" : "activate";
        links[lifecycle] = new JsonObject { ["href"] = $"{self}/lifecycle/{lifecycle}" };
        links["self"] = new JsonObject { ["href"] = self };
        result["_links"] = links;
        return result;
    }

    public static LogTarget Target(AppEntity app) => new(app.Id, "AppInstance", app.Name, app.Label);
}
