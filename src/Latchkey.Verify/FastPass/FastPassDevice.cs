using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.Security;
using Latchkey.Verify.Channel;
using Latchkey.Verify.State;

namespace Latchkey.Verify.FastPass;

/// <summary>
/// Produces the management proof for a FastPass answer (SCENARIOS.md B): given the challenge's nonce, transaction id and
/// audience (the org), a compact JWS by the device's management credential, or null when it has none.
/// </summary>
public delegate string? ManagementProof(string nonce, string transactionId, string audience);

/// <summary>A challenge this device answered: for which org, user and transaction.</summary>
public sealed record FastPassAnswer(string Org, string UserId, string? Login, string TransactionId);

/// <summary>
/// The device side of FastPass (okta-api.md §10.5, docs/fastpass.md): takes a <c>challengeRequest</c>, checks it is
/// the org's (signature against the org's JWKS, <c>typ okta-devicebind+jwt</c>, <c>iss</c> = the org the app is enrolled
/// with, not expired), finds the enrollment (of the user it names, when it names one), signs the answer with the device
/// key and POSTs it to <c>verificationUri</c>, which must be on the enrolled org's origin. Fails closed, with the reason.
/// </summary>
public sealed class FastPassDevice(AuthenticatorApp app, ManagementProof? managementProof = null)
{
    /// <summary>The management credential's proof (<c>mdm install</c>), unless the caller gives another: null while none is installed.</summary>
    private readonly ManagementProof _managementProof = managementProof
        ?? ((nonce, tx, audience) => new Mdm.ManagementCredential(app.Home).SignProof(nonce, tx, audience, app.Time.GetUtcNow()));

    /// <summary>How far the org's clock may be from this one when the challenge's times are checked.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(1);

    public const string TokenType = "okta-devicebind+jwt";

    /// <summary>How long the org's keys are reused before they are fetched again (a challenge by an unknown key fetches them at once).</summary>
    public static readonly TimeSpan KeysLifetime = TimeSpan.FromMinutes(10);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (JsonArray Keys, DateTimeOffset Fetched)> orgKeys = new(StringComparer.Ordinal);

    /// <summary>The orgs this app is enrolled with (their origins): the only ones a loopback caller may come from.</summary>
    public IReadOnlyList<string> EnrolledOrgs() =>
        app.Home.Load().Accounts.Where(a => a.Enrollment is not null && a.Org is not null).Select(a => a.Org!).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Answers <paramref name="challengeRequest"/>; <paramref name="accountName"/> picks the account when several are enrolled with the org.</summary>
    public async Task<FastPassAnswer> AnswerAsync(string challengeRequest, string? accountName, CancellationToken cancellationToken)
    {
        // The claims are read untrusted only to learn which org to ask for keys; nothing else is used before the check.
        var claimed = UntrustedClaims(challengeRequest);
        var issuer = (string?)(claimed?["iss"] as JsonValue);
        var accounts = app.Home.Load().Accounts.Where(a => a.Enrollment is not null && a.Org is not null && a.Org == issuer).ToList();
        if (issuer is null || accounts.Count == 0)
        {
            throw new VerifyException(ExitCodes.Failure, $"the challenge is from '{issuer ?? "(no issuer)"}', an org this app is not enrolled with; enroll there first");
        }

        using var channel = app.Channel(issuer);
        var check = OrgJwt.Verify(challengeRequest, await KeysAsync(channel, refresh: false, cancellationToken), TokenType, app.Time.GetUtcNow(), AllowedSkew);
        if (check.Reason?.StartsWith("unknown_key", StringComparison.Ordinal) == true)
        {
            // The org may have a new key since they were fetched: fetch once more.
            check = OrgJwt.Verify(challengeRequest, await KeysAsync(channel, refresh: true, cancellationToken), TokenType, app.Time.GetUtcNow(), AllowedSkew);
        }

        if (!check.Valid)
        {
            throw new VerifyException(ExitCodes.Failure, $"the challenge was refused: {check.Reason}; it was not issued by {issuer}");
        }

        var claims = check.Claims!;
        string? Text(string name) => (string?)(claims[name] as JsonValue);
        if (Text("iss") != channel.OrgUrl)
        {
            throw new VerifyException(ExitCodes.Failure, $"the challenge's iss '{Text("iss")}' is not the enrolled org {channel.OrgUrl}");
        }

        if (Text("method") != "signed_nonce" || Text("nonce") is not { Length: > 0 } nonce || Text("transactionId") is not { Length: > 0 } tx
            || Text("verificationUri") is not { } verificationUri)
        {
            throw new VerifyException(ExitCodes.Failure, "the challenge is not a signed_nonce challenge (method, nonce, transactionId and verificationUri are required)");
        }

        if (!Uri.TryCreate(verificationUri, UriKind.Absolute, out var uri) || uri.GetLeftPart(UriPartial.Authority) != channel.OrgUrl)
        {
            throw new VerifyException(ExitCodes.Failure, $"the challenge's verificationUri '{verificationUri}' is not on the enrolled org {channel.OrgUrl}; not answering");
        }

        var userId = Text("userId");
        var login = Text("loginHint");
        var candidates = accounts.Where(a => (userId is null || a.UserId == userId)
            && (login is null || string.Equals(a.Login, login, StringComparison.OrdinalIgnoreCase))
            && (accountName is null || a.Name == accountName)).ToList();
        var account = candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new VerifyException(ExitCodes.Failure, $"no enrollment here for {login ?? userId ?? accountName ?? "this challenge"} in {channel.OrgUrl}"),
            _ => throw new VerifyException(ExitCodes.Usage, $"{candidates.Count} accounts here are enrolled with {channel.OrgUrl}: choose one with --account NAME"),
        };

        if (Text("userVerification") == "required")
        {
            throw new VerifyException(ExitCodes.SignInRefused,
                "the org requires user verification (biometrics or a PIN), and this app's keys are software keys without a user-verification key");
        }

        var answer = new JsonObject
        {
            ["sub"] = account.UserId, ["tx"] = tx, ["nonce"] = nonce, ["methodEnrollmentId"] = account.Enrollment!.SignedNonceMethodId,
            ["keyType"] = "proofOfPossession", ["amr"] = new JsonArray(),
        };
        var integrations = (claims["integrations"] as JsonArray ?? []).OfType<JsonObject>().Select(i => (string?)(i["id"] as JsonValue)).OfType<string>().ToList();
        if (integrations.Count > 0)
        {
            // Only when the challenge asks: the proof of each integration's management credential (SCENARIOS.md B).
            var proofs = new JsonArray();
            foreach (var id in integrations)
            {
                if (_managementProof(nonce, tx, channel.OrgUrl) is { } proof)
                {
                    proofs.Add(new JsonObject { ["id"] = id, ["proof"] = proof });
                }
            }

            answer["integrations"] = proofs;
        }

        var device = EnrolledDevice.From(account);
        using (device.Key)
        {
            await channel.AnswerChallengeAsync(device, verificationUri, channel.OrgUrl, answer, cancellationToken);
        }

        return new FastPassAnswer(channel.OrgUrl, account.UserId!, account.Login, tx);
    }

    /// <summary>The org's JWKS, fetched when unknown, older than <see cref="KeysLifetime"/>, or <paramref name="refresh"/>.</summary>
    private async Task<JsonArray> KeysAsync(Channel.AppChannelClient channel, bool refresh, CancellationToken cancellationToken)
    {
        // Two answers at once may both fetch: harmless, the keys are the same.
        var now = app.Time.GetUtcNow();
        if (refresh || !orgKeys.TryGetValue(channel.OrgUrl, out var known) || now - known.Fetched > KeysLifetime)
        {
            known = (await channel.OrgKeysAsync(cancellationToken), now);
            orgKeys[channel.OrgUrl] = known;
        }

        // Each check reads its own copy: a JsonArray is not safe to share across threads.
        return (JsonArray)known.Keys.DeepClone();
    }

    private static JsonObject? UntrustedClaims(string? jwt)
    {
        var parts = jwt?.Split('.');
        if (parts is not { Length: 3 } || parts[1].Length > 16 * 1024)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
