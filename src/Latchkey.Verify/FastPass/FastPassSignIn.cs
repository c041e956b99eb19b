using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Verify.State;

namespace Latchkey.Verify.FastPass;

/// <summary>
/// A passwordless FastPass sign-in from this computer over IDX (okta-api.md §10.4-10.5, docs/fastpass.md): introspect,
/// <c>launch-authenticator</c>, answer the <c>device-challenge-poll</c> challenge with the device key, poll to success.
/// The session (the <c>sid</c> cookie) is saved in the app's state, replacing an older one for the org, for the next
/// command (e.g. opening an app) to use.
/// </summary>
public sealed class FastPassSignIn(AuthenticatorApp app, FastPassDevice device)
{
    private const int MaxPolls = 30;

    /// <summary>
    /// Signs in at <paramref name="org"/> with the account <paramref name="accountName"/> (null: the only one enrolled there);
    /// with <paramref name="keepSession"/> (the default) the session is saved in the app's state (written durably).
    /// </summary>
    public async Task<SessionRecord> SignInAsync(string org, string? accountName, CancellationToken cancellationToken, bool keepSession = true)
    {
        using var channel = app.Channel(org);
        var (_, start, _) = await channel.IdxAsync($"{channel.OrgUrl}/idp/idx/introspect", new JsonObject(), cancellationToken);
        var handle = (string?)start["stateHandle"] ?? throw new VerifyException(ExitCodes.Failure, $"{channel.OrgUrl} started no sign-in transaction");
        var launch = Remediation(start, "launch-authenticator")
            ?? throw new VerifyException(ExitCodes.SignInRefused, $"{channel.OrgUrl} offers no FastPass sign-in (no launch-authenticator)");
        var (launchStatus, launched, _) = await channel.IdxAsync(launch, new JsonObject { ["stateHandle"] = handle }, cancellationToken);
        var poll = Remediation(launched, "device-challenge-poll");
        var challenge = (string?)launched["authenticatorChallenge"]?["value"]?["challengeRequest"];
        if (launchStatus != HttpStatusCode.OK || poll is null || challenge is null)
        {
            throw new VerifyException(ExitCodes.SignInRefused, $"{channel.OrgUrl} gave no FastPass challenge: {Messages(launched)}");
        }

        await device.AnswerAsync(challenge, accountName, cancellationToken);
        var wait = TimeSpan.FromMilliseconds(Math.Clamp((int?)launched["remediation"]?["value"]?[0]?["refresh"] ?? 1000, 100, 5000));
        for (var i = 0; i < MaxPolls; i++)
        {
            var (status, answer, sid) = await channel.IdxAsync(poll, new JsonObject { ["stateHandle"] = handle }, cancellationToken);
            if (answer["success"] is not null && sid is not null)
            {
                var user = answer["user"]?["value"];
                var session = new SessionRecord
                {
                    Org = channel.OrgUrl, UserId = (string?)user?["id"] ?? "", Login = (string?)user?["identifier"], Cookie = sid,
                    Created = app.Time.GetUtcNow(), ExpiresAt = DateTimeOffset.TryParse((string?)answer["expiresAt"], out var e) ? e : null,
                };
                if (keepSession)
                {
                    app.Home.Update(state =>
                    {
                        state.Sessions.RemoveAll(s => s.Org == session.Org);
                        state.Sessions.Add(session);
                    });
                }

                return session;
            }

            if (status != HttpStatusCode.OK)
            {
                throw new VerifyException(ExitCodes.SignInRefused, $"the FastPass sign-in did not complete: {Messages(answer)}");
            }

            await Task.Delay(wait, app.Time, cancellationToken);
        }

        throw new VerifyException(ExitCodes.Failure, "the FastPass sign-in did not complete in time; try again");
    }

    /// <summary>The session saved for <paramref name="org"/> by the last sign-in, or null.</summary>
    public SessionRecord? SessionFor(string org) =>
        app.Home.Load().Sessions.FirstOrDefault(s => s.Org == Channel.AppChannelClient.NormalizeOrg(org));

    private static string? Remediation(JsonObject idx, string name) =>
        (string?)idx["remediation"]?["value"]?.AsArray().FirstOrDefault(r => (string?)r?["name"] == name)?["href"];

    private static string Messages(JsonObject idx) =>
        string.Join("; ", idx["messages"]?["value"]?.AsArray().Select(m => (string?)m?["message"]).OfType<string>() ?? ["(no message)"]);
}
