using System.Buffers.Text;
using System.Text.Json.Nodes;
using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop.SecurityKeys;

/// <summary>A sign-in with a security key offline: the key that answered and the end of the offline period.</summary>
public sealed record OfflineKeySignIn(string Login, string KeyName, DateTimeOffset OfflineUntil);

/// <summary>
/// The device access key (scenario A4). Online: the server's list of the person's roaming keys is kept sealed for this
/// computer and person (for offline use), a key in the USB slot holding one of them answers the server's challenge, and
/// the server checks it. Offline: the answer to a challenge made here is checked against the kept key and counter, and
/// the attempt journaled (<c>security-key</c>). When no key is visible, the words say to insert one and that macOS may
/// not have allowed it to connect.
/// </summary>
public sealed class SecurityKeySignIn(DesktopAgent agent)
{
    public const string Method = "security-key";

    private string Origin => agent.Profile.OrgUrl.GetLeftPart(UriPartial.Authority);

    public async Task<OnlineSignIn> OnlineAsync(string login, SecurityKeySlot slot, CancellationToken cancellationToken)
    {
        agent.RequireAllowed(DesktopFactor.SecurityKey);
        var lookup = await agent.Server.SecurityKeysAsync(login, cancellationToken);
        var name = KeyFor(login, slot, lookup.Keys, onThisComputer: false);
        var credential = slot.Assert(name, lookup.RequestOptionsJson, Origin);
        var answer = await agent.Server.VerifySecurityKeyAsync(login, lookup, credential, cancellationToken);
        var id = (string?)JsonNode.Parse(credential)?["id"];
        agent.State.Write(writer =>
        {
            // Kept for offline use only once a key answered here (a lookup alone sets up nothing); the server's list
            // replaces the kept one, and the counter it accepted is this key's newest: offline, the next answer must go past it.
            var kept = writer.User(login).SecurityKeys;
            Keep(kept, lookup.Keys);
            var index = kept.FindIndex(k => k.CredentialId == id);
            if (index >= 0)
            {
                kept[index] = kept[index] with { SignCount = Math.Max(kept[index].SignCount, answer.SignCount) };
            }

            return index;
        });
        return agent.Recorded(login, Method, answer.LoginToken);
    }

    public OfflineKeySignIn Offline(string login, SecurityKeySlot slot)
    {
        agent.RequireAllowed(DesktopFactor.SecurityKey);
        var user = agent.State.LoadUser(login);
        var keys = user?.SecurityKeys ?? [];
        if (keys.Count == 0)
        {
            Journal(login, "FAILURE", "no_keys_registered");
            throw new DesktopException(ExitCodes.NotEnrolled,
                $"no security key is registered for offline use by {login} on this computer: sign in online once with --method {Method} (the key inserted); it then works offline here");
        }

        var window = OfflinePeriod.Evaluate(agent.Profile, login, user?.LastOnlineSignIn, agent.Time.GetUtcNow());
        if (!window.Allowed)
        {
            Journal(login, "FAILURE", agent.Profile.OfflinePeriod <= TimeSpan.Zero ? "offline_not_allowed" : "offline_period_expired");
            throw new DesktopException(ExitCodes.OfflinePeriod, window.Message);
        }

        var name = KeyFor(login, slot, keys, onThisComputer: true);
        var rpId = agent.Profile.OrgUrl.Host;
        var challenge = SecurityKeyAssertion.NewChallenge();
        var options = new JsonObject
        {
            ["challenge"] = Base64Url.EncodeToString(challenge), ["rpId"] = rpId, ["userVerification"] = "discouraged",
            ["allowCredentials"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["type"] = "public-key", ["id"] = k.CredentialId })]),
        };
        var credential = slot.Assert(name, options.ToJsonString(), Origin);
        var id = (string?)JsonNode.Parse(credential)?["id"];
        var check = agent.State.Write(writer =>
        {
            // Read the stored counter again under the lock: a concurrent sign-in may have moved it.
            var stored = writer.User(login).SecurityKeys;
            var key = stored.FirstOrDefault(k => k.CredentialId == id);
            var result = key is null
                ? SecurityKeyCheck.Refused("key_not_registered", "the key answered with a credential not registered on this computer")
                : SecurityKeyAssertion.Verify(credential, Base64Url.DecodeFromChars(key.PublicKey), key.SignCount, challenge, Origin, rpId);
            if (result.Accepted)
            {
                stored[stored.IndexOf(key!)] = key! with { SignCount = result.SignCount };
            }

            writer.Record(agent.Event(writer, login, result.Accepted ? "SUCCESS" : "FAILURE", result.Reason, Method));
            return result;
        });
        return check.Accepted
            ? new OfflineKeySignIn(DesktopState.NormalizeLogin(login), name, window.Until!.Value)
            : throw new DesktopException(ExitCodes.Refused, $"the security key {name} was refused: {check.Words}");
    }

    /// <summary>The state of the method for <paramref name="user"/> on this computer now (for <c>status</c>).</summary>
    public MethodStatus Status(string login, OfflineUserRecord? user, DateTimeOffset now)
    {
        if (user is null || user.SecurityKeys.Count == 0)
        {
            return new MethodStatus(DesktopFactor.SecurityKey, false,
                $"online: needs the org's server (latchkey-desktop login --method {Method}); no key registered for offline use on this computer yet (an online sign-in with the key registers it)");
        }

        var window = OfflinePeriod.Evaluate(agent.Profile, login, user.LastOnlineSignIn, now);
        var names = string.Join(", ", user.SecurityKeys.Select(k => $"\"{k.Name ?? k.CredentialId}\""));
        return new MethodStatus(DesktopFactor.SecurityKey, window.Allowed, $"{user.SecurityKeys.Count} key(s) registered for offline use ({names}): {window.Message}");
    }

    /// <summary>The name of a visible key holding one of <paramref name="keys"/>; else the words for no key, a blocked key, or a key not registered.</summary>
    private string KeyFor(string login, SecurityKeySlot slot, IReadOnlyList<RegisteredSecurityKey> keys, bool onThisComputer)
    {
        var (visible, blocked) = slot.Keys();
        if (visible.Count == 0)
        {
            if (onThisComputer)
            {
                Journal(login, "FAILURE", "no_key_visible");
            }

            var notAllowed = blocked.Count == 0 ? "" : $" ({string.Join(", ", blocked)} is plugged in but not allowed to connect)";
            throw new DesktopException(ExitCodes.NoSecurityKey,
                $"insert a security key into this computer's USB slot: no key is visible{notAllowed}. If a key is plugged in, macOS may not have allowed the accessory to connect: " +
                "sign in with another method, allow the key when macOS asks (System Settings > Privacy & Security > Allow accessories to connect), and it works at the next login");
        }

        var ids = keys.Select(k => k.CredentialId).ToHashSet(StringComparer.Ordinal);
        var holder = visible.FirstOrDefault(k => k.Credentials.Any(c => ids.Contains(c.Id)));
        if (holder is null)
        {
            if (onThisComputer)
            {
                Journal(login, "FAILURE", "key_not_registered");
            }

            throw new DesktopException(ExitCodes.Refused,
                $"the security key {string.Join(", ", visible.Select(k => k.Name))} in the USB slot is not registered for {login}{(onThisComputer ? " on this computer" : "")}: " +
                "use a key registered for you, or register this one in your dashboard's settings while online");
        }

        return holder.Name;
    }

    /// <summary>The server's list replaces the kept one (a key removed there stops working offline); a counter never goes back.</summary>
    private static int Keep(List<RegisteredSecurityKey> kept, IReadOnlyList<RegisteredSecurityKey> fromServer)
    {
        var before = kept.ToDictionary(k => k.CredentialId, StringComparer.Ordinal);
        kept.Clear();
        kept.AddRange(fromServer.Select(k => before.TryGetValue(k.CredentialId, out var old)
            ? k with { RegisteredAt = old.RegisteredAt, SignCount = Math.Max(k.SignCount, old.SignCount) }
            : k));
        return kept.Count;
    }

    private void Journal(string login, string result, string reason) =>
        agent.State.Write(writer => writer.Record(agent.Event(writer, login, result, reason, Method)));
}
