using System.Buffers.Text;
using System.Security.Cryptography;
using Latchkey.Verify.Channel;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;
using Latchkey.Verify.Totp;
using Latchkey.Verify.WebAuthn;

namespace Latchkey.Verify;

/// <summary>
/// <c>latchkey-verify</c> as a library: its home (<see cref="VerifyHome"/>), the app channel (<see cref="AppChannelClient"/>)
/// and the software security keys, with the operations of the commands. The command line is a thin layer over it;
/// tests and benchmarks call it directly with their own HTTP handler and clock.
/// </summary>
public sealed class AuthenticatorApp(VerifyHome home, TimeProvider? time = null, HttpMessageHandler? handler = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public VerifyHome Home => home;

    public TimeProvider Time => clock;

    /// <summary>A client for the org at <paramref name="orgUrl"/> through this app's handler and clock.</summary>
    public AppChannelClient Channel(string orgUrl) => new(orgUrl, handler, clock);

    /// <summary>
    /// Signs in, makes a new software proof-of-possession key, enrolls this device and saves the account (replacing
    /// an earlier enrollment of the same user in the same org).
    /// </summary>
    public async Task<AccountRecord> EnrollAsync(string orgUrl, string login, string password, DeviceDescription device, CancellationToken cancellationToken)
    {
        using var channel = Channel(orgUrl);
        var user = await channel.SignInAsync(login, password, cancellationToken);
        return await EnrollAsync(channel, user, login, device, cancellationToken);
    }

    /// <summary>
    /// Enrolls with the activation link a sign-in shows at its authenticator-app set-up step
    /// (<c>latchkey-verify://enroll?s=ORG&amp;t=TOKEN&amp;u=USERID</c>): no password, the link's one-time token authorizes it.
    /// </summary>
    public async Task<AccountRecord> EnrollWithLinkAsync(string link, DeviceDescription device, CancellationToken cancellationToken)
    {
        var (org, token, userId) = ParseActivationLink(link);
        using var channel = Channel(org);
        return await EnrollAsync(channel, new SignedInUser(userId, "", "") { ActivationToken = token }, null, device, cancellationToken);
    }

    /// <summary>The org URL, token and user id of an activation link; a clear refusal when it is not one.</summary>
    public static (string Org, string Token, string UserId) ParseActivationLink(string link)
    {
        const string prefix = "latchkey-verify://enroll?";
        if (!link.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new VerifyException(ExitCodes.Usage, $"--link: not an activation link (it starts with {prefix}); copy it from the sign-in page's set-up step");
        }

        var parts = link[prefix.Length..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => Uri.UnescapeDataString(g.First()[1]));
        if (!parts.TryGetValue("s", out var org) || !parts.TryGetValue("t", out var token) || !parts.TryGetValue("u", out var userId)
            || token.Length is 0 or > 100 || userId.Length is 0 or > 40 || !Uri.TryCreate(org, UriKind.Absolute, out var orgUri)
            || orgUri.Scheme is not ("http" or "https"))
        {
            throw new VerifyException(ExitCodes.Usage, "--link: the activation link is incomplete (it needs s=, t= and u=); copy all of it");
        }

        return (org, token, userId);
    }

    private async Task<AccountRecord> EnrollAsync(AppChannelClient channel, SignedInUser user, string? login, DeviceDescription device, CancellationToken cancellationToken)
    {
        var clientInstanceId = home.Update(state => state.ClientInstanceId ??= "lkv" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18)));
        using var proofKey = SoftwareKey.Create();
        var result = await channel.EnrollAsync(user, device, proofKey, clientInstanceId, cancellationToken);
        return home.Update(state =>
        {
            var enrolled = result.Login ?? login ?? user.UserId;
            state.Accounts.RemoveAll(a => a.Kind == AccountRecord.OktaVerifyKind && a.Org == channel.OrgUrl && string.Equals(a.Login, enrolled, StringComparison.OrdinalIgnoreCase));
            var name = state.Accounts.Any(a => a.Name == enrolled) ? $"{enrolled}@{new Uri(channel.OrgUrl).Authority}" : enrolled;
            var account = new AccountRecord
            {
                Name = name,
                Kind = AccountRecord.OktaVerifyKind,
                Issuer = new Uri(channel.OrgUrl).Authority,
                Org = channel.OrgUrl,
                Login = enrolled,
                UserId = string.IsNullOrEmpty(result.UserId) ? user.UserId : result.UserId,
                Totp = result.Totp,
                Enrollment = result.Enrollment,
                Created = clock.GetUtcNow(),
            };
            state.Accounts.Add(account);
            return account;
        });
    }

    /// <summary>Adds the account of an <c>otpauth://totp/</c> URI (refused, with the reason, when the URI is not usable or the name is taken).</summary>
    public AccountRecord Import(string uri)
    {
        var parsed = OtpAuthUri.Parse(uri);
        return home.Update(state =>
        {
            if (state.Accounts.Any(a => a.Name == parsed.Label))
            {
                throw new VerifyException(ExitCodes.Failure, $"an account named '{parsed.Label}' exists already");
            }

            var account = new AccountRecord
            {
                Name = parsed.Label, Kind = AccountRecord.TotpKind, Issuer = parsed.Issuer, Login = parsed.AccountName, Totp = parsed.Settings, Created = clock.GetUtcNow(),
            };
            state.Accounts.Add(account);
            return account;
        });
    }

    /// <summary>
    /// The account named <paramref name="name"/>, or the only one there is (of enrollments only when
    /// <paramref name="enrolledOnly"/>; of <paramref name="org"/> only when given); otherwise a refusal naming the choices.
    /// </summary>
    public AccountRecord FindAccount(string? name, string? org = null, bool enrolledOnly = false)
    {
        var accounts = home.Load().Accounts
            .Where(a => !enrolledOnly || a.Enrollment is not null)
            .Where(a => org is null || a.Org == AppChannelClient.NormalizeOrg(org))
            .ToList();
        var kind = enrolledOnly ? "enrolled account" : "account";
        if (name is not null)
        {
            return accounts.FirstOrDefault(a => a.Name == name)
                ?? accounts.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new VerifyException(ExitCodes.Failure, $"no {kind} named '{name}' in {home.Directory}{Choices(accounts)}");
        }

        return accounts.Count switch
        {
            1 => accounts[0],
            0 => throw new VerifyException(ExitCodes.Failure, $"no {kind} in {home.Directory}: {(enrolledOnly ? "run `latchkey-verify enroll --org URL --user LOGIN`" : "run `latchkey-verify enroll` or `latchkey-verify import URI`")}"),
            _ => throw new VerifyException(ExitCodes.Usage, $"there are {accounts.Count} {kind}s: choose one with --account NAME{Choices(accounts)}"),
        };
    }

    /// <summary>The code <paramref name="account"/> shows now.</summary>
    public TotpCode Code(AccountRecord account) =>
        TotpCode.At(account.Totp ?? throw new VerifyException(ExitCodes.Failure, $"the account '{account.Name}' has no time-based code"), clock.GetUtcNow());

    /// <summary>The pushes waiting for <paramref name="account"/>, waiting up to <paramref name="waitSeconds"/> for one.</summary>
    public async Task<IReadOnlyList<PendingPush>> PendingAsync(AccountRecord account, int waitSeconds, CancellationToken cancellationToken)
    {
        using var channel = Channel(OrgOf(account));
        var device = EnrolledDevice.From(account);
        using (device.Key)
        {
            return await channel.PendingAsync(device, waitSeconds, cancellationToken);
        }
    }

    /// <summary>Signs and sends the answer to <paramref name="push"/>; returns the server's <c>factorResult</c> (<c>SUCCESS</c> or <c>REJECTED</c>).</summary>
    public async Task<string> AnswerAsync(AccountRecord account, PendingPush push, bool approve, int? number, CancellationToken cancellationToken)
    {
        using var channel = Channel(OrgOf(account));
        var device = EnrolledDevice.From(account);
        using (device.Key)
        {
            return await channel.AnswerAsync(device, push, approve, number, cancellationToken);
        }
    }

    /// <summary>Answers the newest pending push of <paramref name="account"/> (no waiting); refused when none is pending.</summary>
    public async Task<(PendingPush Push, string FactorResult)> RespondToNewestAsync(AccountRecord account, bool approve, int? number, CancellationToken cancellationToken)
    {
        var pending = await PendingAsync(account, 0, cancellationToken);
        var newest = pending.OrderBy(p => p.Created ?? DateTimeOffset.MinValue).LastOrDefault()
            ?? throw new VerifyException(ExitCodes.Failure, $"no push is waiting for {account.Name} in {account.Org}");
        return (newest, await AnswerAsync(account, newest, approve, number, cancellationToken));
    }

    /// <summary>Creates a software security key named <paramref name="name"/> with a random AAGUID.</summary>
    public SecurityKeyRecord CreateSecurityKey(string name) => home.Update(state =>
    {
        if (state.SecurityKeys.Any(k => k.Name == name))
        {
            throw new VerifyException(ExitCodes.Failure, $"a security key named '{name}' exists already");
        }

        var key = new SecurityKeyRecord { Name = name, Aaguid = Guid.NewGuid(), Created = clock.GetUtcNow() };
        state.SecurityKeys.Add(key);
        return key;
    });

    /// <summary>Removes the security key named <paramref name="name"/> with its credentials.</summary>
    public void RemoveSecurityKey(string name) => home.Update(state =>
    {
        if (state.SecurityKeys.RemoveAll(k => k.Name == name) == 0)
        {
            throw new VerifyException(ExitCodes.Failure, $"no security key named '{name}' in {home.Directory}");
        }
    });

    /// <summary>A registration response (<c>PublicKeyCredential</c> JSON) by the key <paramref name="keyName"/>; the new credential is saved.</summary>
    public string RegisterWithSecurityKey(string keyName, string optionsJson, string origin) =>
        home.Update(state => new SoftwareSecurityKey(SecurityKey(state, keyName), clock).Register(optionsJson, origin).ToJsonString());

    /// <summary>An assertion response (<c>PublicKeyCredential</c> JSON) by the key <paramref name="keyName"/>; the incremented counter is saved.</summary>
    public string AssertWithSecurityKey(string keyName, string optionsJson, string origin) =>
        home.Update(state => new SoftwareSecurityKey(SecurityKey(state, keyName), clock).Assert(optionsJson, origin).ToJsonString());

    private SecurityKeyRecord SecurityKey(VerifyState state, string name) =>
        state.SecurityKeys.FirstOrDefault(k => k.Name == name)
        ?? throw new VerifyException(ExitCodes.Failure, $"no security key named '{name}' in {home.Directory}: create one with `latchkey-verify key create {name}`");

    private static string OrgOf(AccountRecord account) =>
        account.Org ?? throw new VerifyException(ExitCodes.Usage, $"the account '{account.Name}' is an imported code, not an authenticator-app enrollment");

    private static string Choices(List<AccountRecord> accounts) =>
        accounts.Count == 0 ? "" : $" (accounts: {string.Join(", ", accounts.Select(a => a.Name))})";
}
