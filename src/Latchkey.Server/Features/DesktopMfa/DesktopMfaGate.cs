using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Policies;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Users;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.AuthenticatorApp;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.NetworkZones;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.DesktopMfa;

/// <summary>
/// One Desktop MFA request's checks, in the order the agent's messages need them: the client (the profile's id and
/// secret, checked in constant time against the stored hash), then the person (known and assigned to the app, active,
/// the method allowed by the profile, the app's access policy allowing them from this network), then the factor. Each
/// refusal after the client is known is logged with its reason.
/// </summary>
public sealed class DesktopMfaGate(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PolicyFacts facts, IHttpContextAccessor requests,
    RateLimits.RateLimiter limiter, Microsoft.Extensions.Options.IOptions<Hosting.LatchkeyOptions> options, TimeProvider time)
{
    private AppEntity? _app;

    public LatchkeyDbContext Db => db;

    public DateTimeOffset Now => time.GetUtcNow();

    public HttpContext Http => requests.HttpContext ?? throw new InvalidOperationException("Desktop MFA outside a request.");

    public AppEntity App => _app ?? throw new InvalidOperationException("Not authenticated.");

    /// <summary>The factors the app's profile allows, in its order (<c>*</c>: all).</summary>
    public IReadOnlyList<string> AllowedFactors
    {
        get
        {
            var listed = ((JsonNode.Parse(App.BodyJson) as JsonObject)?["settings"]?["app"]?["allowedFactors"] as JsonArray)?.Select(f => (string?)f).ToList() ?? [];
            return listed.Count == 0 || listed.Contains("*") ? DesktopMfaApp.Factors : listed.Where(f => f is not null).Select(f => f!).ToList();
        }
    }

    public async Task AuthenticateAsync(HttpContext context)
    {
        var orgId = await ServerOrg.IdAsync(db, context.RequestAborted);
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            throw DesktopMfaException.Of(401, DesktopMfaReasons.InvalidClient,
                "No client credentials: send the profile's DMFAClientID and DMFAClientSecret with HTTP Basic authentication.");
        }

        string clientId, secret;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)).Split(':', 2);
            (clientId, secret) = pair.Length == 2 ? (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1])) : ("", "");
        }
        catch (FormatException)
        {
            (clientId, secret) = ("", "");
        }

        var app = clientId.Length is > 0 and <= 20
            ? await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == clientId && a.OrgId == orgId && a.Name == DesktopMfaApp.Name, context.RequestAborted)
            : null;
        if (app is null)
        {
            await CountInvalidClientAsync(context);
            throw DesktopMfaException.Of(401, DesktopMfaReasons.InvalidClient,
                "DMFAClientID: no Desktop MFA app of this org has this client id; check the profile's DMFAClientID and DMFAOrgURL.");
        }

        var stored = await db.AppClients.AsNoTracking().Where(c => c.AppId == app.Id).Select(c => c.SecretHash).FirstOrDefaultAsync(context.RequestAborted);
        if (stored is null || secret.Length > 200 || !SecretHasher.FixedTimeEquals(SecretHasher.Hash(secret), stored))
        {
            await CountInvalidClientAsync(context);
            _app = app;
            throw Refuse(401, DesktopMfaReasons.InvalidClient,
                "DMFAClientSecret: the client secret is wrong (or was rotated); deploy the current profile of the Desktop MFA app.");
        }

        if (app.Status != AppStatus.Active)
        {
            _app = app;
            throw Refuse(401, DesktopMfaReasons.InvalidClient, $"The Desktop MFA app \"{app.Label}\" is deactivated; an admin can activate it.");
        }

        _app = app;
    }

    /// <summary>
    /// Counts a request with wrong client credentials against its address (<c>Latchkey:RateLimits:DesktopMfaInvalidClient</c>);
    /// past the limit it is answered 429 and, the app left unknown, not logged.
    /// </summary>
    private Task CountInvalidClientAsync(HttpContext context) =>
        CountAsync("desktop-mfa-invalid-client", "", "address:" + RateLimits.FailedAuthenticationLimit.AddressKey(context.Connection.RemoteIpAddress),
            options.Value.RateLimits.DesktopMfaInvalidClient, null, null, null,
            wait => $"Too many requests with wrong Desktop MFA client credentials from this address: wait {wait} seconds, and deploy the current configuration profile (DMFAClientID, DMFAClientSecret).");

    /// <summary>The person, provided they may use <paramref name="method"/> (null: any) of this app from here; else the refusal, logged.</summary>
    public async Task<UserEntity> AdmitAsync(AgentRequest request, string? method)
    {
        var ct = Http.RequestAborted;
        var key = request.Login.ToLowerInvariant();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.OrgId == App.OrgId && u.LoginKey == key, ct);
        var computer = request.Computer.Describe();
        if (user is null || !await AppAssignments.AssignedAppIds(db, user.Id).ContainsAsync(App.Id, ct))
        {
            // An unknown login reads the same as an unassigned one: the agent cannot learn who exists.
            throw Refuse(403, DesktopMfaReasons.UserNotAssigned,
                $"{request.Login} is not assigned to {App.Label}: ask your administrator to assign you (or your group) to the app.", user, method, computer);
        }

        var (reason, words) = user.Status switch
        {
            UserStatus.LockedOut => (DesktopMfaReasons.UserLocked, "Your account is locked after too many failed sign-ins: ask your administrator to unlock it, or wait until it unlocks."),
            UserStatus.Suspended => (DesktopMfaReasons.UserSuspended, "Your account is suspended: ask your administrator."),
            _ when !UserLifecycle.CanSignIn(user.Status) => (DesktopMfaReasons.UserNotActive, $"Your account is not active ({user.Status}): ask your administrator."),
            _ => (null, null),
        };
        if (reason is not null)
        {
            throw Refuse(403, reason, words!, user, method, computer);
        }

        if (method is not null && !AllowedFactors.Contains(method))
        {
            throw Refuse(403, DesktopMfaReasons.MethodNotAllowed,
                $"{method} is not allowed on this computer (the profile's AllowedFactors: {string.Join(", ", AllowedFactors)}).", user, method, computer);
        }

        var decision = await PolicyDecisionAsync(user, ct);
        if (!decision.Allowed)
        {
            throw Refuse(403, DesktopMfaReasons.PolicyDenied, $"The app's access policy does not let you use Desktop MFA here: {decision.Reason}",
                user, method, computer, decision.MatchedRule?.Name);
        }

        return user;
    }

    private async Task<PolicyDecision> PolicyDecisionAsync(UserEntity user, CancellationToken ct)
    {
        var rules = await PolicyRuleMapping.RulesAsync(db, App.AccessPolicyId, ct);
        var context = await facts.ContextAsync(App.OrgId, user.Id, rules.SelectMany(r => r.Conditions), Http, ct);
        return PolicyEngine.Evaluate(rules, context);
    }

    public Task<bool> NumberMatchingAsync() => OrgSettings.FlagAsync(db, App.OrgId, DesktopMfaApi.NumberMatchingKey, Http.RequestAborted);

    /// <summary>The person's push factor, or why a push cannot be sent to them (push off in the org, or not set up).</summary>
    public async Task<(UserFactorEntity? Factor, string? Unavailable)> PushAsync(UserEntity user)
    {
        var authenticator = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == App.OrgId && a.Key == DefaultAuthenticators.OktaVerify, Http.RequestAborted);
        if (!AuthenticatorsApi.MethodActive(authenticator, FactorTypes.Push))
        {
            return (null, DesktopMfaReasons.PushNotEnabled);
        }

        // With the org: the index on factors is (OrgId, UserId); by the user alone SQLite read every factor of every person.
        var factor = await db.UserFactors.AsNoTracking()
            .Where(f => f.OrgId == user.OrgId && f.UserId == user.Id && f.FactorType == FactorTypes.Push && f.Status == FactorStatus.Active)
            .OrderByDescending(f => f.Created).FirstOrDefaultAsync(Http.RequestAborted);
        return (factor, factor is null ? DesktopMfaReasons.FactorNotEnrolled : null);
    }

    /// <summary>The person's active code factors (authenticator app or Google Authenticator), newest first.</summary>
    public Task<List<UserFactorEntity>> CodesAsync(UserEntity user) =>
        db.UserFactors.AsNoTracking()
            .Where(f => f.OrgId == user.OrgId && f.UserId == user.Id && f.FactorType == FactorTypes.Totp && f.Status == FactorStatus.Active)
            .OrderByDescending(f => f.Created).ToListAsync(Http.RequestAborted);

    /// <summary>The person's push factor; refused with the precise reason when push is off in the org or not set up.</summary>
    public async Task<UserFactorEntity> PushFactorAsync(UserEntity user, AgentRequest request)
    {
        var computer = request.Computer.Describe();
        var (factor, unavailable) = await PushAsync(user);
        return unavailable switch
        {
            DesktopMfaReasons.PushNotEnabled => throw Refuse(403, DesktopMfaReasons.PushNotEnabled,
                "Push is turned off for Latchkey Verify in this organization: use a code, or ask your administrator to turn push on.", user, "OV_Push", computer),
            DesktopMfaReasons.FactorNotEnrolled => throw Refuse(403, DesktopMfaReasons.FactorNotEnrolled,
                "Push is not set up for you: enroll Latchkey Verify (latchkey-verify enroll) from your dashboard's settings first.", user, "OV_Push", computer),
            _ => factor!,
        };
    }

    /// <summary>
    /// Counts a push to the person against <c>Latchkey:RateLimits:DesktopMfaPush</c> (push fatigue); past it, refused
    /// <c>rate_limited</c> with the seconds to wait (also <c>Retry-After</c>).
    /// </summary>
    public Task CountPushAsync(UserEntity user, string computer) =>
        CountAsync("desktop-mfa-push", "/push", "user:" + user.Id, options.Value.RateLimits.DesktopMfaPush, user, "OV_Push", computer,
            wait => $"Too many pushes were sent to you in a short time. Wait {wait} seconds, or use a code from the authenticator app.");

    /// <summary>
    /// Counts a security-key lookup for the person on this computer against <c>Latchkey:RateLimits:DesktopMfaKeyLookup</c>
    /// (each press of the login window's button is one); past it, refused <c>rate_limited</c> with the seconds to wait.
    /// </summary>
    public async Task CountKeyLookupAsync(UserEntity user, AgentComputer computer)
    {
        var o = options.Value.RateLimits.DesktopMfaKeyLookup;
        var words = (long wait) => $"Your security keys were looked up too many times in a short time on this computer. Wait {wait} seconds, then try again (your keys are still set up).";
        await CountAsync("desktop-mfa-key-lookup", "/security-keys", $"user:{user.Id}|computer:{SecretHasher.Hash(computer.AgentId ?? computer.Describe())}", o, user,
            DesktopMfaSecurityKeys.Factor, computer.Describe(), words);

        // The computer is what the agent says it is: a person is also limited across all computers (4 computers' worth),
        // so renaming the computer on each request does not lift the limit.
        await CountAsync("desktop-mfa-key-lookup-person", "/security-keys", $"user:{user.Id}", new Hosting.DesktopMfaLimitOptions { Limit = o.Limit * 4, WindowSeconds = o.WindowSeconds }, user,
            DesktopMfaSecurityKeys.Factor, computer.Describe(), words);
    }

    private async Task CountAsync(string name, string path, string scope, Hosting.DesktopMfaLimitOptions o, UserEntity? user, string? method, string? computer,
        Func<long, string> words)
    {
        var bucket = new RateLimits.RateLimitBucket(name, DesktopMfaAgent.Prefix + path, o.Limit, TimeSpan.FromSeconds(o.WindowSeconds));
        var decision = await limiter.AcquireAsync(scope, bucket, Http.RequestServices, Http.RequestAborted);
        if (!decision.Allowed)
        {
            var wait = Math.Max(1, decision.ResetEpochSeconds - time.GetUtcNow().ToUnixTimeSeconds());
            Http.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var refusal = Refuse(429, DesktopMfaReasons.RateLimited, words(wait), user, method, computer);
            throw new DesktopMfaException(refusal.Refusal with { RetryAfterSeconds = wait });
        }
    }

    /// <summary>The person's active code factors (authenticator app or Google Authenticator), newest first; refused when none.</summary>
    public async Task<List<UserFactorEntity>> CodeFactorsAsync(UserEntity user, AgentRequest request)
    {
        var factors = await CodesAsync(user);
        return factors.Count > 0 ? factors
            : throw Refuse(403, DesktopMfaReasons.FactorNotEnrolled,
                "No authenticator-app code is set up for you: enroll Latchkey Verify first, or use another method.", user, "OV_TOTP", request.Computer.Describe());
    }

    /// <summary>A refusal of this app's request, logged by <see cref="DesktopMfaAgent"/> before it answers (an unknown client id is not logged: anyone can send one).</summary>
    public DesktopMfaException Refuse(int status, string reason, string description, UserEntity? user = null, string? method = null, string? computer = null,
        string? rule = null) =>
        new(new DesktopMfaRefusal(status, reason, description) { App = _app, User = user, Method = method, Computer = computer, Rule = rule });

    /// <summary>Writes a refusal to the System Log when it was of a known app.</summary>
    public async Task LogRefusalAsync(DesktopMfaRefusal refusal)
    {
        if (refusal.App is { } app)
        {
            await write.RunAsync(app.OrgId, () =>
            {
                DesktopMfaLog.Stage(log, AppResources.Target(app), refusal.User, refusal.Method, refusal.Computer, refusal.Reason, refusal.Rule, ClientActor(app));
                return Task.CompletedTask;
            }, CancellationToken.None);
        }
    }

    /// <summary>Logs an online sign-in's success and records it on the person's seat on the computer (the offline period starts again).</summary>
    public Task LogSuccessAsync(UserEntity user, string method, AgentComputer computer) =>
        write.RunAsync(App.OrgId, () => StageSuccessAsync(user, method, computer), Http.RequestAborted);

    /// <summary>What <see cref="LogSuccessAsync"/> writes, staged in a write turn the caller already holds.</summary>
    public async Task StageSuccessAsync(UserEntity user, string method, AgentComputer computer)
    {
        DesktopMfaLog.Stage(log, AppResources.Target(App), user, method, computer.Describe(), null, null, ClientActor(App));
        await DesktopMfaComputers.RecordOnlineSignInAsync(db, App.OrgId, App.Id, computer, user.Id, time.GetUtcNow(), reported: true, Http.RequestAborted);
    }

    /// <summary>Runs <paramref name="change"/> in the org's write turn (with whatever it stages in the log).</summary>
    public Task<T> WriteAsync<T>(Func<Task<T>> change) => write.RunAsync(App.OrgId, change, Http.RequestAborted);

    /// <summary>Runs <paramref name="change"/> in the org's write turn (with whatever it stages in the log).</summary>
    public Task WriteAsync(Action change) => write.RunAsync(App.OrgId, () =>
    {
        change();
        return Task.CompletedTask;
    }, Http.RequestAborted);

    private static LogActor ClientActor(AppEntity app) => new(app.Id, "PublicClientApp", app.Name, app.Label);
}

/// <summary>Desktop MFA's System Log entries: <c>user.authentication.auth_via_mfa</c> with the app, the method, the computer and, on failure, the reason.</summary>
public static class DesktopMfaLog
{
    public static void Stage(SystemLogWriter log, LogTarget app, UserEntity? user, string? method, string? computer, string? reason, string? rule,
        LogActor clientActor, string? transactionId = null)
    {
        var targets = new List<LogTarget> { app };
        if (user is not null)
        {
            targets.Insert(0, UserResources.Target(user));
        }

        log.Stage(EventTypes.AuthViaMfa, targets,
            reason is null ? new LogOutcome(LogOutcomeResult.Success) : new LogOutcome(LogOutcomeResult.Failure, reason),
            actor: user is null ? clientActor : SignIn.SignInEvents.Actor(user), displayMessage: "Desktop MFA",
            debugData: new Dictionary<string, object?>
            {
                ["desktopMfa"] = true, ["factor"] = method, ["computer"] = computer, ["rule"] = rule, ["transactionId"] = transactionId,
            });
    }

    /// <summary>A push the Desktop MFA app sent was answered on the phone: logged once, in the answer's own write.</summary>
    public static void PushAnswered(SystemLogWriter log, PushChallengeEntity push, UserEntity user, string? reason)
    {
        var context = JsonNode.Parse(push.ContextJson);
        if ((string?)context?["clientId"] is not { } clientId)
        {
            return;
        }

        var label = (string?)context?["appName"];
        Stage(log, new LogTarget(clientId, "AppInstance", DesktopMfaApp.Name, label), user, "OV_Push", (string?)context?["computer"], reason, null,
            new LogActor(clientId, "PublicClientApp", DesktopMfaApp.Name, label), push.Id);
    }
}
