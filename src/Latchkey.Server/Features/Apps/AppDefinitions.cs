using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Server.Api;
using Latchkey.Server.Features.DesktopMfa;

namespace Latchkey.Server.Features.Apps;

/// <summary>
/// Validates an Application body by sign-on mode and fills the defaults the real service returns. Only
/// the fields an app can configure are kept; read-only fields in the body (id, status, _links...) are ignored.
/// </summary>
public static class AppDefinitions
{
    public const string Bookmark = "BOOKMARK";
    private static readonly string[] Configurable = ["accessibility", "visibility", "credentials", "settings", "profile", "licensing"];

    public sealed record Definition(string Name, string Label, string SignOnMode, JsonObject Body);

    public static Definition Read(JsonObject input, string? existingName = null)
    {
        var failures = new List<(string, string)>();
        var signOnMode = JsonBody.String(input, "signOnMode", "signOnMode");
        var label = JsonBody.String(input, "label", "label");
        var name = JsonBody.String(input, "name", "name");
        if (string.IsNullOrWhiteSpace(label))
        {
            failures.Add(("label", "The field cannot be left blank"));
        }
        else if (label.Length > 100)
        {
            failures.Add(("label", "The field is too long (maximum 100 characters)"));
        }

        name ??= existingName ?? "bookmark";
        var desktopMfa = name == DesktopMfaApp.Name;
        if (desktopMfa)
        {
            // A catalog app: its sign-on mode follows from its name.
            signOnMode ??= DesktopMfaApp.SignOnMode;
            if (signOnMode != DesktopMfaApp.SignOnMode)
            {
                failures.Add(("signOnMode", $"The Desktop MFA app ({DesktopMfaApp.Name}) signs on with {DesktopMfaApp.SignOnMode}."));
            }
        }
        else if (string.IsNullOrWhiteSpace(signOnMode))
        {
            failures.Add(("signOnMode", "The field cannot be left blank"));
        }
        else if (signOnMode != Bookmark)
        {
            failures.Add(("signOnMode", $"The sign-on mode {signOnMode} is not supported yet; supported: {Bookmark}, and the catalog app {DesktopMfaApp.Name}."));
        }

        if (signOnMode == Bookmark && name != "bookmark")
        {
            failures.Add(("name", "A BOOKMARK app has the catalog name \"bookmark\"."));
        }

        if (existingName is not null && name != existingName)
        {
            failures.Add(("name", "The name of an app cannot be changed."));
        }

        var settings = JsonBody.Object(input, "settings", "settings");
        var appSettings = settings is null ? null : JsonBody.Object(settings, "app", "settings.app");
        var url = appSettings is null ? null : JsonBody.String(appSettings, "url", "url");
        if (signOnMode == Bookmark)
        {
            if (string.IsNullOrWhiteSpace(url))
            {
                failures.Add(("url", "The field cannot be left blank"));
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || url.Length > 1024)
            {
                failures.Add(("url", "The URL must be an absolute http or https URL of at most 1024 characters."));
            }

            if (appSettings is not null && appSettings["requestIntegration"] is not null)
            {
                JsonBody.Bool(appSettings, "requestIntegration", "requestIntegration");
            }
        }

        var body = Defaults();
        if (desktopMfa)
        {
            DesktopMfaApp.Defaults(body);
        }

        if (failures.Count > 0)
        {
            throw new ApiException(ApiErrors.Validation(failures));
        }

        foreach (var key in Configurable)
        {
            if (input[key] is JsonObject given)
            {
                body[key] = Merge(body[key] as JsonObject ?? [], given);
            }
            else if (input[key] is not null)
            {
                throw new ApiException(ApiErrors.Validation(key, "The value must be an object."));
            }
        }

        var app = (JsonObject)((JsonObject)body["settings"]!)["app"]!;
        if (desktopMfa)
        {
            DesktopMfaApp.ReadSettings(app, failures);
            if (failures.Count > 0)
            {
                throw new ApiException(ApiErrors.Validation(failures.Select(f => ($"settings.app.{f.Item1}", f.Item2)).ToList()));
            }
        }
        else
        {
            app["requestIntegration"] ??= false;
        }

        return new Definition(name, label!, signOnMode!, body);
    }

    private static JsonObject Defaults() => new()
    {
        ["accessibility"] = new JsonObject { ["selfService"] = false, ["errorRedirectUrl"] = null, ["loginRedirectUrl"] = null },
        ["visibility"] = new JsonObject
        {
            ["autoLaunch"] = false, ["autoSubmitToolbar"] = false,
            ["hide"] = new JsonObject { ["iOS"] = false, ["web"] = false },
            ["appLinks"] = new JsonObject { ["login"] = true },
        },
        ["features"] = new JsonArray(),
        ["credentials"] = new JsonObject
        {
            ["userNameTemplate"] = new JsonObject { ["template"] = "${source.login}", ["type"] = "BUILT_IN" },
            ["signing"] = new JsonObject(),
        },
        ["settings"] = new JsonObject
        {
            ["app"] = new JsonObject(),
            ["notifications"] = new JsonObject
            {
                ["vpn"] = new JsonObject { ["network"] = new JsonObject { ["connection"] = "DISABLED" }, ["message"] = null, ["helpUrl"] = null },
            },
            ["manualProvisioning"] = false,
            ["implicitAssignment"] = false,
            ["notes"] = new JsonObject { ["admin"] = null, ["enduser"] = null },
        },
    };

    private static JsonObject Merge(JsonObject defaults, JsonObject given)
    {
        var merged = (JsonObject)defaults.DeepClone();
        foreach (var (key, value) in given)
        {
            merged[key] = value is JsonObject o && merged[key] is JsonObject d ? Merge(d, o) : value?.DeepClone();
        }

        return merged;
    }
}
