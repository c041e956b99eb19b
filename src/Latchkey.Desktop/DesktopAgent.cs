using Latchkey.Core.Security;
using Latchkey.Desktop.Offline;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.SecurityKeys;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop;

/// <summary>One method's state for a user now: whether it can be used, and why or until when.</summary>
public sealed record MethodStatus(DesktopFactor Factor, bool UsableNow, string Detail)
{
    public string Name => DesktopProfile.NameOf(Factor);
}

/// <summary>A successful offline sign-in: the step of the code (now used) and the end of the offline period.</summary>
public sealed record OfflineSignIn(string Login, long Step, DateTimeOffset OfflineUntil);

/// <summary>Whether a person must set up an offline factor on this computer now (<see cref="Deadline"/> passed), and by when.</summary>
public sealed record OfflineFactorDue(bool Now, DateTimeOffset? Deadline);

/// <summary>A sign-in with a recovery PIN, and until when that PIN would have worked.</summary>
public sealed record RecoverySignIn(string Login, DateTimeOffset PinExpiresAt);

/// <summary>What an upload of the offline journal did: events stored, events the server already had, and events it refused with why.</summary>
public sealed record SyncResult(int Stored, int AlreadyThere, IReadOnlyList<(SignedOfflineEvent Event, string Reason)> Rejected);

/// <summary>An online sign-in the server accepted: the method, and the login token that proves it for 5 minutes (offline enrollment takes it).</summary>
public sealed record OnlineSignIn(string Login, string Method, string LoginToken, DateTimeOffset At);

/// <summary>
/// The desktop MFA agent as a login-window plug-in uses it: the validated profile, the machine state, the clock and
/// the server, with the decisions of scenario A3 (offline device access code) and the local part of offline
/// enrollment. Refusals are <see cref="DesktopException"/>s whose message is what the person at the screen reads;
/// offline attempts, accepted or refused, are signed into the journal for the System Log.
/// </summary>
public sealed class DesktopAgent(DesktopProfile profile, DesktopState state, TimeProvider time, IDesktopMfaServer server, string computerName)
{
    public const string OfflineCodeMethod = "offline-code";
    public const string RecoveryPinMethod = "recovery-pin";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Secret, ClockSkewTable Table)> skewTables = new(StringComparer.Ordinal);

    public DesktopProfile Profile => profile;

    public DesktopState State => state;

    public string ComputerName => computerName;

    /// <summary>The label of the account the authenticator app shows for this computer's device access code.</summary>
    public string AccountLabel => $"Device access code {computerName}";

    /// <summary>
    /// Checks, before asking for a code, that <paramref name="login"/> can sign in offline with a device access code
    /// now (allowed by the profile, set up on this computer, inside the offline period); throws the reason otherwise.
    /// </summary>
    public OfflineWindow CheckOfflineCodeReady(string login)
    {
        var user = OfflineCodeUser(login);
        var window = OfflinePeriod.Evaluate(profile, login, user.LastOnlineSignIn, time.GetUtcNow());
        if (!window.Allowed)
        {
            state.Write(writer => writer.Record(Event(writer, login, "FAILURE", profile.OfflinePeriod <= TimeSpan.Zero ? "offline_not_allowed" : "offline_period_expired")));
            throw new DesktopException(ExitCodes.OfflinePeriod, window.Message);
        }

        Prepare(login, user.DeviceAccessCode!.Secret);
        return window;
    }

    /// <summary>Verifies a device access code with no network and, when it is right, marks its step used.</summary>
    public OfflineSignIn SignInWithOfflineCode(string login, string? code)
    {
        var window = CheckOfflineCodeReady(login);
        var check = state.Write(writer =>
        {
            var user = writer.User(login);
            var secret = DeviceAccessCodes.FromBase32(user.DeviceAccessCode!.Secret);
            var result = OfflineCodeVerifier.Check(secret, code, time.GetUtcNow(), user.UsedSteps, Prepare(login, user.DeviceAccessCode.Secret));
            if (result.IsAccepted)
            {
                user.MarkUsed(result.Step!.Value);
            }

            writer.Record(Event(writer, login, result.IsAccepted ? "SUCCESS" : "FAILURE", Reason(result.Result)));
            return result;
        });
        return check.Result switch
        {
            OfflineCodeResult.Accepted => new OfflineSignIn(DesktopState.NormalizeLogin(login), check.Step!.Value, window.Until!.Value),
            OfflineCodeResult.ClockSkew => throw new DesktopException(ExitCodes.ClockSkew, check.Message),
            OfflineCodeResult.Wrong => throw new DesktopException(ExitCodes.Refused,
                $"wrong device access code: use the code of the \"{AccountLabel}\" account in the authenticator app, not the org account's code or another computer's"),
            _ => throw new DesktopException(ExitCodes.Refused, check.Message),
        };
    }

    /// <summary>
    /// Checks a recovery PIN an admin generated for <paramref name="login"/> on this computer, with no network: it is
    /// made from the person's device access code here (<see cref="RecoveryPins"/>), works for 2 minutes and once, and
    /// is accepted outside the offline period too (an admin vouched for the person just now). A PIN that would be right
    /// at another time is told apart: expired, or this computer's clock is off.
    /// </summary>
    public RecoverySignIn SignInWithRecoveryPin(string login, string? pin)
    {
        if (state.LoadUser(login) is not { DeviceAccessCode: not null })
        {
            throw new DesktopException(ExitCodes.NotEnrolled,
                $"no device access code is set up for {login} on this computer, and a recovery PIN works only with one (the PIN is made from it): use another method, or ask your administrator");
        }

        var digits = string.Concat((pin ?? "").Where(c => !char.IsWhiteSpace(c) && c != '-'));
        if (digits.Length != RecoveryPins.Digits || !digits.All(char.IsAsciiDigit))
        {
            throw new DesktopException(ExitCodes.Refused, $"a recovery PIN is {RecoveryPins.Digits} digits: type the PIN your administrator gave you");
        }

        var now = time.GetUtcNow();
        var (step, failure, exit) = state.Write(writer =>
        {
            var user = writer.User(login);
            user.RecoveryPinFailures.RemoveAll(t => t <= now - RecoveryPinLockout);
            (long? Step, string? Failure, int Exit) outcome;
            if (user.RecoveryPinFailures.Count >= MaxRecoveryPinFailures)
            {
                outcome = (null, "pin_locked", ExitCodes.TryLater);
            }
            else
            {
                var key = RecoveryPins.Key(DeviceAccessCodes.FromBase32(user.DeviceAccessCode!.Secret));
                var newestUsed = user.UsedRecoverySteps.Count > 0 ? user.UsedRecoverySteps.Max() : long.MinValue;
                outcome = RecoveryPins.Match(key, digits, now) is { } matched
                    ? matched <= newestUsed ? (matched, "pin_replayed", ExitCodes.Refused) : (matched, null, ExitCodes.Ok)
                    : RecoveryPins.MatchExpired(key, digits, now, TimeSpan.FromHours(1)) is { } old
                        ? (old, "pin_expired", ExitCodes.Refused)
                        : (null, "wrong_pin", ExitCodes.Refused);
            }

            if (outcome.Failure is null)
            {
                // Once a PIN is used, it and every PIN made before it are refused here.
                user.UsedRecoverySteps.Clear();
                user.UsedRecoverySteps.Add(outcome.Step!.Value);
            }
            else if (outcome.Failure is "wrong_pin" or "pin_expired")
            {
                user.RecoveryPinFailures.Add(now);
            }

            writer.Record(Event(writer, login, outcome.Failure is null ? "SUCCESS" : "FAILURE", outcome.Failure, RecoveryPinMethod));
            return outcome;
        });

        if (failure is null)
        {
            return new RecoverySignIn(DesktopState.NormalizeLogin(login), RecoveryPins.ExpiresAt(step!.Value));
        }

        var expiredMinutes = step is { } s ? Math.Max(1, (long)Math.Round((now - RecoveryPins.ExpiresAt(s)).TotalMinutes)) : 0;
        throw new DesktopException(exit, failure switch
        {
            "pin_locked" => $"too many wrong recovery PINs on this computer: wait {RecoveryPinLockout.TotalMinutes:0} minutes, then type the PIN again (or ask for a new one)",
            "pin_replayed" => "this recovery PIN was already used on this computer (or a newer one was); a PIN works once: ask your administrator for a new one",
            "pin_expired" => $"this recovery PIN expired about {expiredMinutes} minute(s) ago (a PIN works for 2 minutes): ask your administrator for a new one. " +
                "If it was generated just now, this computer's clock is ahead: set the correct time",
            _ => "wrong recovery PIN: check the digits your administrator gave you (a PIN is for one person on one computer, for 2 minutes). " +
                "If they are right, this computer's clock may be off: set the correct time",
        });
    }

    /// <summary>Wrong recovery PINs allowed within <see cref="RecoveryPinLockout"/> before the agent makes the person wait.</summary>
    public const int MaxRecoveryPinFailures = 5;

    public static readonly TimeSpan RecoveryPinLockout = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Uploads the offline journal to the server's System Log (at most <see cref="OfflineUpload.MaxEvents"/> events a
    /// request) and removes from it every event the server answered for: stored, already there, or refused (which are
    /// returned, to be shown).
    /// </summary>
    public async Task<SyncResult> SyncAsync(CancellationToken cancellationToken)
    {
        var journal = state.LoadJournal();
        var (stored, duplicates, rejected) = (0, 0, new List<(SignedOfflineEvent Event, string Reason)>());
        foreach (var chunk in journal.Chunk(OfflineUpload.MaxEvents))
        {
            var answer = await server.UploadOfflineEventsAsync(chunk, cancellationToken);
            var refused = answer.Rejected.Select(r => (Event: r.Index >= 0 && r.Index < chunk.Length ? chunk[r.Index] : chunk.FirstOrDefault(e => e.Event.Id == r.Id), r.Reason))
                .Where(r => r.Event is not null).Select(r => (r.Event!, r.Reason)).ToList();
            state.Write(writer => writer.RemoveFromJournal([.. answer.Accepted, .. answer.Duplicates, .. refused.Select(r => r.Item1.Event.Id)]));
            (stored, duplicates) = (stored + answer.Accepted.Count, duplicates + answer.Duplicates.Count);
            rejected.AddRange(refused);
        }

        return new SyncResult(stored, duplicates, rejected);
    }

    /// <summary>The profile's methods for <paramref name="login"/> as the server sees them now (available or not, and why).</summary>
    public Task<OnlineMethods> OnlineMethodsAsync(string login, CancellationToken cancellationToken) => server.MethodsAsync(login, cancellationToken);

    /// <summary>Sends a push to the person's authenticator app; <see cref="PushSent.CorrectAnswer"/> is the number to show when the org enforces number matching.</summary>
    public Task<PushSent> SendPushAsync(string login, CancellationToken cancellationToken)
    {
        RequireAllowed(DesktopFactor.Push);
        return server.SendPushAsync(login, cancellationToken);
    }

    /// <summary>
    /// Follows a push until the person answers it: approved is an online sign-in (recorded, so the offline period starts
    /// again); denied or unanswered is the server's refusal.
    /// </summary>
    public async Task<OnlineSignIn> WaitForPushAsync(string login, PushSent push, TimeSpan? interval, CancellationToken cancellationToken)
    {
        while (true)
        {
            var poll = await server.PollPushAsync(push.ChallengeId, cancellationToken);
            if (poll.Succeeded)
            {
                return Recorded(login, "push", poll.LoginToken!);
            }

            if (poll.Status != "WAITING")
            {
                throw new DesktopException(ExitCodes.Failure, $"the server answered the push with status \"{poll.Status}\" and no reason; send a new push");
            }

            await Task.Delay(interval ?? TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Checks a code of the person's org account with the server; accepted is an online sign-in (recorded).</summary>
    public async Task<OnlineSignIn> SignInWithCodeAsync(string login, string? code, CancellationToken cancellationToken)
    {
        RequireAllowed(DesktopFactor.Totp);
        var digits = string.Concat((code ?? "").Where(c => !char.IsWhiteSpace(c)));
        if (digits.Length == 0)
        {
            throw new DesktopException(ExitCodes.Refused, "no code was given: type the code of your org account in the authenticator app");
        }

        var token = await server.CheckCodeAsync(login, digits, cancellationToken);
        return Recorded(login, "code", token);
    }

    /// <summary>
    /// Signs in with a security key in <paramref name="slot"/> online: the server's list of the person's keys is kept for
    /// offline use on this computer, the key answers the server's challenge, and the server checks it (recorded).
    /// </summary>
    public Task<OnlineSignIn> SignInWithSecurityKeyAsync(string login, SecurityKeySlot slot, CancellationToken cancellationToken) =>
        new SecurityKeySignIn(this).OnlineAsync(login, slot, cancellationToken);

    /// <summary>Signs in with a security key in <paramref name="slot"/> with no network, against the keys kept for this person on this computer.</summary>
    public OfflineKeySignIn SignInWithSecurityKeyOffline(string login, SecurityKeySlot slot) => new SecurityKeySignIn(this).Offline(login, slot);

    internal OnlineSignIn Recorded(string login, string method, string token)
    {
        var at = time.GetUtcNow();
        RecordOnlineSignIn(login, at);
        return new OnlineSignIn(DesktopState.NormalizeLogin(login), method, token, at);
    }

    internal void RequireAllowed(DesktopFactor factor)
    {
        if (!profile.Allows(factor))
        {
            throw new DesktopException(ExitCodes.Refused,
                $"{DesktopProfile.NameOf(factor)} is not allowed on this computer (the configuration profile's {ProfileReader.AllowedFactorsKey}: " +
                $"{string.Join(", ", profile.AllowedFactors.Select(DesktopProfile.NameOf))}); use one of those methods");
        }
    }

    /// <summary>Records an online sign-in of <paramref name="login"/> on this computer: the offline period starts again from it.</summary>
    public void RecordOnlineSignIn(string login, DateTimeOffset at) => state.Write(writer =>
    {
        var user = writer.User(login);
        user.LastOnlineSignIn = at;
        user.FirstOnlineSignIn ??= at;
        return user;
    });

    /// <summary>
    /// Whether <paramref name="login"/> must set up an offline factor on this computer now: the profile allows one and
    /// an offline period, the person has none here, and <c>LoginPeriodWithNoOfflineFactor</c> hours have passed since
    /// their first online sign-in here (0 hours: at once). The deadline is returned either way when one applies.
    /// </summary>
    public OfflineFactorDue OfflineFactorDue(string login)
    {
        var user = state.LoadUser(login);
        var offlineAllowed = profile.OfflinePeriod > TimeSpan.Zero && (profile.Allows(DesktopFactor.OfflineTotp) || profile.Allows(DesktopFactor.SecurityKey));
        if (!offlineAllowed || user?.DeviceAccessCode is not null || user?.SecurityKeys.Count > 0 || user?.FirstOnlineSignIn is not { } first)
        {
            return new OfflineFactorDue(false, null);
        }

        var deadline = first + profile.NoOfflineFactorPeriod;
        return new OfflineFactorDue(time.GetUtcNow() >= deadline, deadline);
    }

    /// <summary>The allowed methods in the profile's order, each with whether it works now and why or until when.</summary>
    /// <remarks>
    /// The online methods (push, the org account's code) are as <paramref name="online"/> says when the server answered
    /// (<see cref="OnlineMethodsAsync"/>), else "online only" with <paramref name="offlineBecause"/>, the reason it could not be asked.
    /// </remarks>
    public IReadOnlyList<MethodStatus> Status(string login, OnlineMethods? online = null, string? offlineBecause = null)
    {
        var user = state.LoadUser(login);
        var now = time.GetUtcNow();
        return [.. profile.AllowedFactors.Select(factor => factor switch
        {
            DesktopFactor.OfflineTotp => OfflineCodeStatus(login, user, now),
            DesktopFactor.SecurityKey => new SecurityKeySignIn(this).Status(login, user, now),
            _ => OnlineStatus(factor, online, offlineBecause),
        })];
    }

    private static MethodStatus OnlineStatus(DesktopFactor factor, OnlineMethods? online, string? offlineBecause)
    {
        var name = DesktopProfile.NameOf(factor);
        if (online?.Methods.FirstOrDefault(m => m.Factor == name) is not { } method)
        {
            return new MethodStatus(factor, false, $"online only: needs the org's server{(offlineBecause is null ? "" : $", which cannot be asked now ({offlineBecause})")}");
        }

        return method.Available
            ? new MethodStatus(factor, true, "online: the org's server says it is set up for this person")
            : new MethodStatus(factor, false, $"the org's server says it cannot be used now: {method.Reason ?? "not available"}");
    }

    public OfflineEnrollment BeginOfflineEnrollment(string login) => OfflineEnrollment.Begin(this, login, time);

    internal IDesktopMfaServer Server => server;

    internal TimeProvider Time => time;

    private MethodStatus OfflineCodeStatus(string login, OfflineUserRecord? user, DateTimeOffset now)
    {
        if (user?.DeviceAccessCode is null)
        {
            return new MethodStatus(DesktopFactor.OfflineTotp, false, $"not set up on this computer: sign in online, then run latchkey-desktop enroll-offline --user {login}");
        }

        var window = OfflinePeriod.Evaluate(profile, login, user.LastOnlineSignIn, now);
        return new MethodStatus(DesktopFactor.OfflineTotp, window.Allowed, $"\"{user.DeviceAccessCode.Label}\": {window.Message}");
    }

    /// <summary>
    /// The user's clock-skew table, built on first use (a few milliseconds) and kept, so that each code check after it
    /// takes microseconds; a login window calls <see cref="CheckOfflineCodeReady"/> when the user is chosen.
    /// </summary>
    private ClockSkewTable Prepare(string login, string secret)
    {
        var key = DesktopState.NormalizeLogin(login);
        var current = DeviceAccessCodes.StepAt(time.GetUtcNow());
        var reach = (long)OfflineCodeVerifier.SkewSearch.TotalSeconds / DeviceAccessCodes.StepSeconds;
        if (skewTables.TryGetValue(key, out var kept) && kept.Secret == secret && kept.Table.Covers(current - reach, current + reach))
        {
            return kept.Table;
        }

        var table = OfflineCodeVerifier.PrepareSkewTable(DeviceAccessCodes.FromBase32(secret), time.GetUtcNow());
        skewTables[key] = (secret, table);
        return table;
    }

    private OfflineUserRecord OfflineCodeUser(string login)
    {
        if (!profile.Allows(DesktopFactor.OfflineTotp))
        {
            throw new DesktopException(ExitCodes.Refused,
                $"the device access code is not allowed on this computer (the configuration profile's {ProfileReader.AllowedFactorsKey}: " +
                $"{string.Join(", ", profile.AllowedFactors.Select(DesktopProfile.NameOf))}); use one of those methods");
        }

        return state.LoadUser(login) is { DeviceAccessCode: not null } user
            ? user
            : throw new DesktopException(ExitCodes.NotEnrolled,
                $"no device access code is set up for {login} on this computer: sign in online, then run latchkey-desktop enroll-offline --user {login}");
    }

    internal OfflineEvent Event(StateWriter writer, string login, string result, string? reason, string method = OfflineCodeMethod) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Time = time.GetUtcNow(),
        ComputerId = writer.Computer.Id,
        Login = DesktopState.NormalizeLogin(login),
        Method = method,
        Result = result,
        Reason = reason,
    };

    private static string? Reason(OfflineCodeResult result) => result switch
    {
        OfflineCodeResult.Accepted => null,
        OfflineCodeResult.Malformed => "malformed_code",
        OfflineCodeResult.Replayed => "code_replayed",
        OfflineCodeResult.ClockSkew => "clock_skew",
        _ => "wrong_code",
    };
}
