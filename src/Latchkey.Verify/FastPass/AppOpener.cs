using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;

namespace Latchkey.Verify.FastPass;

/// <summary>What opening an app came to: allowed, with the URL it sends to, or denied, with the org's reason.</summary>
public sealed record OpenResult(bool Allowed, string Text);

/// <summary>
/// <c>latchkey-verify open APP</c> (issue 12 item 6): opens an app of the org as the dashboard does, from this device.
/// It signs in with FastPass (or reuses the saved session), finds the app among the person's app links (by id or label),
/// and follows its link: the org evaluates the app's access policy against the session and this device. When the
/// policy asks for a factor proven for this very launch (a <c>CHALLENGE</c>, such as a rule that prompts every time), it
/// signs in with FastPass again and retries once, as the browser's "Verify it's you" does.
/// </summary>
public sealed class AppOpener(AuthenticatorApp app, FastPassSignIn signIn)
{
    public async Task<OpenResult> OpenAsync(string org, string? accountName, string appRef, CancellationToken cancellationToken)
    {
        using var channel = app.Channel(org);
        var session = signIn.SessionFor(org) ?? await signIn.SignInAsync(org, accountName, cancellationToken);
        var links = await channel.GetPageAsync($"{channel.OrgUrl}/api/v1/users/me/appLinks", session.Cookie, "application/json", cancellationToken);
        if (links.Status != HttpStatusCode.OK)
        {
            // The saved session ended: a new one.
            session = await signIn.SignInAsync(org, accountName, cancellationToken);
            links = await channel.GetPageAsync($"{channel.OrgUrl}/api/v1/users/me/appLinks", session.Cookie, "application/json", cancellationToken);
        }

        var link = Find(links, appRef, channel.OrgUrl);
        var launchCookie = (string?)null;
        for (var attempt = 0; ; attempt++)
        {
            var cookies = launchCookie is null ? session.Cookie : $"{session.Cookie}; {launchCookie}";
            var answer = await channel.GetPageAsync(link, cookies, "text/html", cancellationToken);
            launchCookie = answer.SetCookies.FirstOrDefault(c => c.StartsWith("lk_launch=", StringComparison.Ordinal)) ?? launchCookie;
            var access = answer.Headers.GetValueOrDefault("Latchkey-Access");
            var reason = answer.Headers.TryGetValue("Latchkey-Access-Reason", out var r) ? Uri.UnescapeDataString(r) : null;
            if (answer.Status is HttpStatusCode.Redirect or HttpStatusCode.Found && answer.Location is { } target)
            {
                if (!target.StartsWith(channel.OrgUrl + "/?", StringComparison.Ordinal) || attempt > 1)
                {
                    return new OpenResult(true, target);
                }

                session = await signIn.SignInAsync(org, accountName, cancellationToken); // the session ended between the two requests
                continue;
            }

            if (access == "CHALLENGE" && attempt == 0 && launchCookie is not null)
            {
                session = await signIn.SignInAsync(org, accountName, cancellationToken);
                continue;
            }

            return new OpenResult(false, reason ?? $"{channel.OrgUrl} refused to open the app ({(int)answer.Status})");
        }
    }

    private static string Find(PageAnswer links, string appRef, string org)
    {
        if (links.Status != HttpStatusCode.OK || JsonNode.Parse(links.Body) is not JsonArray list)
        {
            throw new VerifyException(ExitCodes.Failure, $"{org} did not list your apps ({(int)links.Status})");
        }

        var matches = list.OfType<JsonObject>().Where(l => (string?)l["appInstanceId"] == appRef
            || string.Equals((string?)l["label"], appRef, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => (string?)matches[0]["linkUrl"] ?? throw new VerifyException(ExitCodes.Failure, $"{org} gave no link for {appRef}"),
            0 => throw new VerifyException(ExitCodes.AccessDenied, $"no app '{appRef}' is assigned to you at {org} (by id or label); yours: "
                + string.Join(", ", list.OfType<JsonObject>().Select(l => $"{(string?)l["label"]} ({(string?)l["appInstanceId"]})"))),
            _ => throw new VerifyException(ExitCodes.Usage, $"more than one app is labelled '{appRef}': give its id"),
        };
    }
}
