using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Core.Policies;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
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

/// <summary>Why the server refused a Desktop MFA request: a reason code the agent maps to plain words, the words, and the HTTP status.</summary>
public sealed record DesktopMfaRefusal(int Status, string Reason, string Description)
{
    public long? RetryAfterSeconds { get; init; }
    public string? Rule { get; init; }

    /// <summary>The app whose request it was (null: the client was not recognised), and what is known of the attempt, for the log.</summary>
    public AppEntity? App { get; init; }
    public UserEntity? User { get; init; }
    public string? Method { get; init; }
    public string? Computer { get; init; }

    public IResult ToResult()
    {
        var body = new JsonObject { ["error"] = Reason, ["error_description"] = Description };
        if (RetryAfterSeconds is { } wait)
        {
            body["retryAfterSeconds"] = wait;
        }

        if (Rule is not null)
        {
            body["rule"] = Rule;
        }

        return Results.Json(body, statusCode: Status);
    }
}

/// <summary>Carries a <see cref="DesktopMfaRefusal"/> out of the checks to the endpoint, which logs and answers it.</summary>
public sealed class DesktopMfaException(DesktopMfaRefusal refusal) : Exception(refusal.Description)
{
    public DesktopMfaRefusal Refusal { get; } = refusal;

    /// <summary>A refusal before the client is known (nothing to log it against).</summary>
    public static DesktopMfaException Of(int status, string reason, string description) => new(new DesktopMfaRefusal(status, reason, description));
}

/// <summary>The refusal reasons of the Desktop MFA protocol (docs/desktop-mfa.md lists them with what the agent says).</summary>
public static class DesktopMfaReasons
{
    public const string InvalidClient = "invalid_client";
    public const string InvalidRequest = "invalid_request";
    public const string UserNotAssigned = "user_not_assigned";
    public const string UserLocked = "user_locked";
    public const string UserSuspended = "user_suspended";
    public const string UserNotActive = "user_not_active";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string PolicyDenied = "policy_denied";
    public const string FactorNotEnrolled = "factor_not_enrolled";
    public const string PushNotEnabled = "push_not_enabled";
    public const string InvalidCode = "invalid_code";
    public const string CodeAlreadyUsed = "code_already_used";
    public const string FactorLocked = "factor_locked";
    public const string PushRejected = "push_rejected";
    public const string PushExpired = "push_expired";
    public const string WrongNumber = "wrong_number";
    public const string DeviceAccessCode = "device_access_code_used_online";
    public const string LoginRequired = "login_required";
    public const string EnrollmentExpired = "enrollment_expired";
    public const string RateLimited = "rate_limited";
    public const string ComputerKeyMismatch = "computer_key_mismatch";
    public const string ComputerNotRegistered = "computer_not_registered";
    public const string NoRoamingKeys = "no_roaming_keys";
    public const string KeyNotRegistered = "key_not_registered";
    public const string InvalidChallenge = "invalid_challenge";
    public const string InvalidAssertion = "invalid_assertion";
}

/// <summary>
/// The online side of Desktop MFA (issue 13 item 3, docs/desktop-mfa.md "The protocol"): the agent authenticates as
/// the Desktop MFA app with HTTP Basic (the profile's client id and secret) and asks for a user on a computer which
/// methods work, sends a push (number matching when the org enforces it) and follows it, or checks a code from the
/// authenticator app's org account. Every refusal carries a precise reason and is logged as
/// <c>user.authentication.auth_via_mfa</c> FAILURE with it; a success is logged as SUCCESS.
/// </summary>
public static class DesktopMfaAgent
{
    public const string Prefix = "/device-access/desktop-mfa/v1";

    public static void MapDesktopMfaAgent(this IEndpointRouteBuilder app)
    {
        var agent = app.MapGroup(Prefix);
        agent.MapPost("/methods", (HttpContext c, DesktopMfaGate gate) => Handle(c, gate, Methods));
        agent.MapPost("/push", (HttpContext c, DesktopMfaGate gate, PushChallenges pushes) => Handle(c, gate, (r, g) => SendPush(r, g, pushes)));
        agent.MapGet("/push/{challengeId}", (string challengeId, HttpContext c, DesktopMfaGate gate, PushChallenges pushes, DesktopMfaLoginTokens tokens) =>
            HandleWithoutBody(c, gate, g => PollPush(challengeId, g, pushes, tokens)));
        agent.MapPost("/code", (HttpContext c, DesktopMfaGate gate, TotpFactors totp, DesktopMfaSecrets secrets, DesktopMfaLoginTokens tokens, TimeProvider time) =>
            Handle(c, gate, (r, g) => CheckCode(r, g, totp, secrets, tokens, time)));
        agent.MapDesktopMfaOffline();
        agent.MapDesktopMfaSync();
        agent.MapDesktopMfaSecurityKeys();
    }

    public static bool IsAgent(PathString path) => path.StartsWithSegments(Prefix);

    public static async Task<IResult> Handle(HttpContext context, DesktopMfaGate gate, Func<AgentRequest, DesktopMfaGate, Task<IResult>> handler)
    {
        try
        {
            await gate.AuthenticateAsync(context);
            var request = await AgentRequest.ReadAsync(context);
            return await handler(request, gate);
        }
        catch (DesktopMfaException e)
        {
            await gate.LogRefusalAsync(e.Refusal);
            return e.Refusal.ToResult();
        }
    }

    /// <summary>Authenticates the client, then runs <paramref name="handler"/>, which reads the request itself (or has none); a refusal is logged and answered.</summary>
    internal static async Task<IResult> HandleWithoutBody(HttpContext context, DesktopMfaGate gate, Func<DesktopMfaGate, Task<IResult>> handler)
    {
        try
        {
            await gate.AuthenticateAsync(context);
            return await handler(gate);
        }
        catch (DesktopMfaException e)
        {
            await gate.LogRefusalAsync(e.Refusal);
            return e.Refusal.ToResult();
        }
    }

    /// <summary>Which methods the person can use now on this computer, in the profile's order, each with why not when it cannot.</summary>
    private static async Task<IResult> Methods(AgentRequest request, DesktopMfaGate gate)
    {
        var user = await gate.AdmitAsync(request, method: null);
        var methods = new JsonArray();
        foreach (var factor in gate.AllowedFactors)
        {
            // The offline methods are set up on the computer and checked by the agent: the server cannot say.
            var unavailable = factor switch
            {
                "OV_Push" => (await gate.PushAsync(user)).Unavailable,
                "OV_TOTP" => (await gate.CodesAsync(user)).Count == 0 ? DesktopMfaReasons.FactorNotEnrolled : null,
                DesktopMfaSecurityKeys.Factor => DesktopMfaSecurityKeys.Unavailable(await DesktopMfaSecurityKeys.CredentialsAsync(gate, user)),
                _ => null,
            };
            var entry = new JsonObject { ["factor"] = factor, ["available"] = unavailable is null };
            if (unavailable is not null)
            {
                entry["reason"] = unavailable;
            }

            methods.Add(entry);
        }

        return Results.Json(new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = user.Id, ["login"] = user.Login },
            ["numberMatching"] = await gate.NumberMatchingAsync(),
            ["methods"] = methods,
        });
    }

    private static async Task<IResult> SendPush(AgentRequest request, DesktopMfaGate gate, PushChallenges pushes)
    {
        var user = await gate.AdmitAsync(request, "OV_Push");
        var factor = await gate.PushFactorAsync(user, request);
        await gate.CountPushAsync(user, request.Computer.Describe());
        if (request.Computer.AgentId is not null)
        {
            // The computer as the agent reports it (name, serial, platform), so that the approved push, followed by its id
            // alone, counts as an online sign-in on a computer known by its real name.
            await gate.WriteAsync(async () => await DesktopMfaComputers.TouchAsync(gate.Db, gate.App.OrgId, gate.App.Id, request.Computer,
                gate.Now, reported: true, gate.Http.RequestAborted) is not null);
        }

        var push = await pushes.SendAsync(user, factor, await gate.NumberMatchingAsync(),
            new PushOrigin(gate.Http.Connection.RemoteIpAddress?.ToString(), gate.Http.Request.Headers.UserAgent.ToString(), gate.App.Label)
            {
                ClientId = gate.App.Id, Computer = request.Computer.Describe(), ComputerId = request.Computer.AgentId,
            }, SignInEventsActor(user), gate.Http.RequestAborted);
        var body = new JsonObject
        {
            ["challengeId"] = push.Id, ["status"] = pushes.StatusOf(push), ["expiresAt"] = IsoTime.Write(push.ExpiresAt),
        };
        if (push.CorrectAnswer is { } number)
        {
            body["correctAnswer"] = number;
        }

        return Results.Json(body, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> PollPush(string challengeId, DesktopMfaGate gate, PushChallenges pushes, DesktopMfaLoginTokens tokens)
    {
        var push = challengeId.Length > 20 ? null
            : await gate.Db.PushChallenges.AsNoTracking().FirstOrDefaultAsync(p => p.Id == challengeId && p.OrgId == gate.App.OrgId, gate.Http.RequestAborted);
        if (push is null || (string?)JsonNode.Parse(push.ContextJson)?["clientId"] != gate.App.Id)
        {
            throw DesktopMfaException.Of(404, DesktopMfaReasons.InvalidRequest, $"No push {challengeId} was sent for this Desktop MFA app.");
        }

        var status = pushes.StatusOf(push);
        var body = new JsonObject { ["challengeId"] = push.Id, ["status"] = status };
        if (status == PushStatus.Success)
        {
            var context = JsonNode.Parse(push.ContextJson);
            var computer = (string?)context?["computer"] ?? "";
            body["loginToken"] = tokens.Issue(gate.App.Id, push.UserId, AgentComputer.TokenKeyOf(computer, (string?)context?["computerId"]));
            var answered = push.AnsweredAt ?? push.Created;
            if ((string?)context?["computerId"] is { } agentId
                && !await gate.Db.DesktopMfaSeats.AnyAsync(s => s.OrgId == gate.App.OrgId && s.UserId == push.UserId && s.LastOnlineSignIn >= IsoTime.Truncate(answered)
                    && gate.Db.DesktopMfaComputers.Any(c => c.Id == s.ComputerId && c.OrgId == gate.App.OrgId && c.AgentId == agentId), gate.Http.RequestAborted))
            {
                // Once, at the first poll that sees the approval.
                await gate.WriteAsync(async () =>
                {
                    await DesktopMfaComputers.RecordOnlineSignInAsync(gate.Db, gate.App.OrgId, gate.App.Id, new AgentComputer(computer, null, null) { AgentId = agentId },
                        push.UserId, answered, reported: false, gate.Http.RequestAborted);
                    return true;
                });
            }
        }
        else if (status == PushStatus.Rejected)
        {
            body["error"] = DesktopMfaReasons.PushRejected;
            body["error_description"] = "The push was denied on the phone (or the wrong number was chosen).";
        }
        else if (status is PushStatus.Timeout or PushStatus.Cancelled)
        {
            body["error"] = DesktopMfaReasons.PushExpired;
            body["error_description"] = "Nobody answered the push in time; send a new one.";
        }

        return Results.Json(body);
    }

    private static async Task<IResult> CheckCode(AgentRequest request, DesktopMfaGate gate, TotpFactors totp, DesktopMfaSecrets secrets,
        DesktopMfaLoginTokens tokens, TimeProvider time)
    {
        if (request.Code is not { } code)
        {
            throw gate.Refuse(400, DesktopMfaReasons.InvalidRequest, "code: the six digits from the authenticator app's org account.");
        }

        var user = await gate.AdmitAsync(request, "OV_TOTP");
        var factors = await gate.CodeFactorsAsync(user, request);
        TotpAnswer? last = null;
        foreach (var factor in factors)
        {
            // The success (its event, the person's seat on the computer) is written in the code's own write: one commit a sign-in.
            last = await totp.AnswerAsync(user, factor.Id, code, activating: false, SignInEventsActor(user), gate.Http.RequestAborted,
                () => gate.StageSuccessAsync(user, "OV_TOTP", request.Computer));
            if (last.Outcome is TotpOutcome.Accepted)
            {
                return Results.Json(new JsonObject
                {
                    ["status"] = "SUCCESS", ["user"] = new JsonObject { ["id"] = user.Id, ["login"] = user.Login },
                    ["loginToken"] = tokens.Issue(gate.App.Id, user.Id, request.Computer.TokenKey),
                });
            }

            if (last.Outcome is TotpOutcome.Replayed or TotpOutcome.Locked)
            {
                break;
            }
        }

        if (last?.Outcome == TotpOutcome.Invalid
            && await DesktopMfaOffline.DeviceAccessCodeOfAsync(gate.Db, secrets, user, code, time.GetUtcNow(), gate.Http.RequestAborted) is { } computer)
        {
            throw gate.Refuse(401, DesktopMfaReasons.DeviceAccessCode,
                $"This is the device access code of {computer}, which works only offline on that computer. Use the code of your org account in the authenticator app.",
                user, "OV_TOTP", request.Computer.Describe());
        }

        var (reason, words) = last?.Outcome switch
        {
            TotpOutcome.Replayed => (DesktopMfaReasons.CodeAlreadyUsed, "This code was already used; wait for the next one in the authenticator app."),
            TotpOutcome.Locked => (DesktopMfaReasons.FactorLocked, "Too many wrong codes: the code factor is locked for a while. Use a push, or wait and try again."),
            _ => (DesktopMfaReasons.InvalidCode, "The code is not right. Use the code of your org account in the authenticator app (not a device access code)."),
        };
        throw gate.Refuse(401, reason, words, user, "OV_TOTP", request.Computer.Describe());
    }

    private static LogActor SignInEventsActor(UserEntity user) => SignIn.SignInEvents.Actor(user);
}

/// <summary>What the agent sent: the person's login, the computer, and a code when it checks one.</summary>
public sealed record AgentRequest(string Login, AgentComputer Computer, string? Code)
{
    public string? LoginToken { get; init; }
    public string? Secret { get; init; }

    /// <summary>A security key's assertion: the <c>PublicKeyCredential</c> JSON of <c>navigator.credentials.get()</c>.</summary>
    public JsonObject? Credential { get; init; }

    /// <summary>The ticket that binds the security-key challenge to the app, person and computer it was given to.</summary>
    public string? ChallengeTicket { get; init; }

    public static async Task<AgentRequest> ReadAsync(HttpContext context)
    {
        JsonObject body;
        try
        {
            body = await JsonBody.ReadObjectAsync(context.Request);
        }
        catch (Core.Errors.ApiException e)
        {
            throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, e.Error.Summary);
        }

        string? Text(JsonNode? node, string field, bool required)
        {
            if (node is null)
            {
                return required ? throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, $"{field}: missing.") : null;
            }

            return node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 255
                ? s : throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, $"{field}: a string of 1 to 255 characters.");
        }

        var login = Text(body["login"], "login", required: true)!;
        var computer = body["computer"] as JsonObject ?? throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, "computer: an object with its name (and serial number).");
        var code = Text(body["code"], "code", required: false);
        if (code is not null && (code.Length > 10 || !code.All(char.IsAsciiDigit)))
        {
            throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, "code: the digits of the code, nothing else.");
        }

        return new AgentRequest(login.Trim(), AgentComputer.Read(computer), code)
        {
            LoginToken = body["loginToken"] is JsonValue t && t.TryGetValue<string>(out var token) ? token : null,
            Secret = Text(body["secret"], "secret", required: false),
            Credential = body["credential"] as JsonObject,
            ChallengeTicket = body["challengeTicket"] is JsonValue c && c.TryGetValue<string>(out var ticket) ? ticket : null,
        };
    }
}

public sealed record AgentComputer(string Name, string? SerialNumber, string? Platform)
{
    /// <summary>The agent's own id for the computer (its state's), when it sends one: what ties offline events and readiness to it.</summary>
    public string? AgentId { get; init; }

    /// <summary>The public key that signs the computer's offline events (SubjectPublicKeyInfo, DER), when the agent sends it.</summary>
    public byte[]? PublicKey { get; init; }

    public string Describe() => SerialNumber is null ? Name : $"{Name} ({SerialNumber})";

    /// <summary>What a login token or key challenge is bound to: the computer as described and, when the agent sent it, its id.</summary>
    public string TokenKey => TokenKeyOf(Describe(), AgentId);

    public static string TokenKeyOf(string described, string? agentId) => agentId is null ? described : $"{described}#{agentId}";

    /// <summary>The <c>computer</c> object of an agent request: <c>name</c>, and optionally <c>serialNumber</c>, <c>platform</c>, <c>id</c>, <c>publicKey</c>.</summary>
    public static AgentComputer Read(JsonObject computer)
    {
        string? Text(string field, bool required, int max = 255)
        {
            var node = computer[field];
            if (node is null)
            {
                return required ? throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, $"computer.{field}: missing.") : null;
            }

            return node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 && s.Length <= max
                ? s : throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, $"computer.{field}: a string of 1 to {max} characters.");
        }

        var id = Text("id", required: false, max: 64);
        if (id is not null && !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, "computer.id: letters, digits, '-' and '_' only (the agent's id for this computer).");
        }

        byte[]? key = null;
        if (Text("publicKey", required: false, max: 512) is { } encoded)
        {
            try
            {
                key = Convert.FromBase64String(encoded);
                using var ecdsa = System.Security.Cryptography.ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(key, out _);
                if (ecdsa.KeySize != 256)
                {
                    throw new System.Security.Cryptography.CryptographicException();
                }
            }
            catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw DesktopMfaException.Of(400, DesktopMfaReasons.InvalidRequest, "computer.publicKey: a P-256 public key, SubjectPublicKeyInfo DER in base64.");
            }
        }

        return new AgentComputer(Text("name", required: true)!, Text("serialNumber", required: false), Text("platform", required: false, max: 20))
        {
            AgentId = id, PublicKey = key,
        };
    }
}
