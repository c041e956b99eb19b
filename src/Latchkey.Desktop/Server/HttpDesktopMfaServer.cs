using System.Buffers.Text;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Server;

/// <summary>
/// The Desktop MFA protocol over HTTP (docs/desktop-mfa.md, "The protocol (agent to server)"), under
/// <c>{DMFAOrgURL}/device-access/desktop-mfa/v1</c>: every request authenticated as the Desktop MFA app with HTTP Basic
/// (the profile's <c>DMFAClientID</c> and <c>DMFAClientSecret</c>), bodies <c>{login, computer: {name, serialNumber,
/// platform}}</c>. A refusal <c>{error, error_description, rule?}</c> becomes a <see cref="DesktopException"/> with its
/// words and exit code (<see cref="ServerRefusals"/>); a network, DNS or TLS failure becomes
/// <see cref="ExitCodes.Unreachable"/> naming the URL and the cause.
/// </summary>
public sealed class HttpDesktopMfaServer : IDesktopMfaServer, IDisposable
{
    public const string Prefix = "/device-access/desktop-mfa/v1";

    /// <summary>How long one request may take before the server counts as unreachable.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient http;
    private readonly Uri orgUrl;
    private readonly DesktopComputer computer;
    private readonly TimeProvider time;

    public HttpDesktopMfaServer(DesktopProfile profile, DesktopComputer computer, TimeProvider? time = null, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        this.time = time ?? TimeProvider.System;
        orgUrl = profile.OrgUrl;
        this.computer = computer;
        http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = timeout ?? DefaultTimeout;
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(profile.ClientId)}:{Uri.EscapeDataString(profile.ClientSecret)}"));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("latchkey-desktop/1.0");
    }

    /// <summary>
    /// This computer's id and signing key in the machine state (made on first use), sent as <c>computer.id</c> (and
    /// <c>computer.publicKey</c> where the server pins it) so the server can tie sign-ins and offline events to this
    /// computer; null: neither is sent.
    /// </summary>
    public Func<ComputerRecord>? Identity { get; init; }

    public async Task<OnlineMethods> MethodsAsync(string login, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Post, "/methods", Body(login), cancellationToken);
        var methods = (answer["methods"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(m => new OnlineMethod((string?)m["factor"] ?? "", m["available"] is JsonValue v && v.TryGetValue<bool>(out var b) && b, (string?)m["reason"]))
            .ToList();
        return new OnlineMethods((string?)answer["user"]?["id"] ?? "", answer["numberMatching"] is JsonValue n && n.TryGetValue<bool>(out var nm) && nm, methods);
    }

    public async Task<PushSent> SendPushAsync(string login, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Post, "/push", Body(login), cancellationToken);
        var id = (string?)answer["challengeId"] ?? throw Malformed("/push", "no challengeId");
        DateTimeOffset? expires = DateTimeOffset.TryParse((string?)answer["expiresAt"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        int? number = answer["correctAnswer"] is JsonValue c && c.TryGetValue<int>(out var value) ? value : null;
        return new PushSent(id, expires, number);
    }

    public async Task<PushPoll> PollPushAsync(string challengeId, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Get, $"/push/{Uri.EscapeDataString(challengeId)}", null, cancellationToken);
        if ((string?)answer["error"] is { } reason)
        {
            throw Refusal(answer, reason);
        }

        return new PushPoll((string?)answer["status"] ?? "", (string?)answer["loginToken"]);
    }

    public async Task<string> CheckCodeAsync(string login, string code, CancellationToken cancellationToken)
    {
        var body = Body(login);
        body["code"] = code;
        var answer = await SendAsync(HttpMethod.Post, "/code", body, cancellationToken);
        return (string?)answer["loginToken"] ?? throw Malformed("/code", "no loginToken");
    }

    public async Task<OfflineEnrollmentRegistration> RegisterOfflineEnrollmentAsync(OfflineEnrollmentRequest request, CancellationToken cancellationToken)
    {
        var body = Body(request.Login);
        ((JsonObject)body["computer"]!)["publicKey"] = Convert.ToBase64String(request.ComputerPublicKey);
        body["loginToken"] = request.LoginToken;
        body["secret"] = request.Secret;
        var answer = await SendAsync(HttpMethod.Post, "/offline-enrollments", body, cancellationToken);
        return new OfflineEnrollmentRegistration((string?)answer["id"] ?? throw Malformed("/offline-enrollments", "no id"), (string?)answer["label"]);
    }

    public async Task<DateTimeOffset> ConfirmOfflineEnrollmentAsync(string login, string enrollmentId, string code, CancellationToken cancellationToken)
    {
        var body = Body(login);
        body["code"] = code;
        var answer = await SendAsync(HttpMethod.Post, $"/offline-enrollments/{Uri.EscapeDataString(enrollmentId)}/confirm", body, cancellationToken);
        return (string?)answer["status"] == "ACTIVE" ? time.GetUtcNow() : throw Malformed("/offline-enrollments/{id}/confirm", "status is not ACTIVE");
    }

    public async Task<SecurityKeyLookup> SecurityKeysAsync(string login, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Post, "/security-keys", Body(login), cancellationToken);
        var options = answer["options"] as JsonObject ?? throw Malformed("/security-keys", "no options");
        var now = time.GetUtcNow();
        var keys = (answer["keys"] as JsonArray ?? []).OfType<JsonObject>().Select(k => new RegisteredSecurityKey
        {
            CredentialId = (string?)k["credentialId"] ?? throw Malformed("/security-keys", "a key without credentialId"),
            PublicKey = (string?)k["publicKey"] ?? throw Malformed("/security-keys", "a key without publicKey"),
            Name = (string?)k["name"],
            RegisteredAt = now,
            SignCount = k["signCount"] is JsonValue c && c.TryGetValue<long>(out var count) ? count : 0,
        }).ToList();
        return new SecurityKeyLookup(options.ToJsonString(), keys, (string?)answer["challengeTicket"]);
    }

    public async Task<SecurityKeyVerified> VerifySecurityKeyAsync(string login, SecurityKeyLookup lookup, string credentialJson, CancellationToken cancellationToken)
    {
        var body = Body(login);
        body["credential"] = JsonNode.Parse(credentialJson);
        body["challengeTicket"] = lookup.ChallengeTicket;
        var answer = await SendAsync(HttpMethod.Post, "/security-keys/assertion", body, cancellationToken);
        return new SecurityKeyVerified((string?)answer["loginToken"] ?? throw Malformed("/security-keys/assertion", "no loginToken"),
            answer["signCount"] is JsonValue c && c.TryGetValue<long>(out var count) ? count : 0);
    }

    public async Task<OfflineUpload> UploadOfflineEventsAsync(IReadOnlyList<SignedOfflineEvent> events, CancellationToken cancellationToken)
    {
        var body = Body(null);
        body["events"] = new JsonArray(events.Select(e => (JsonNode)new JsonObject
        {
            ["payload"] = Base64Url.EncodeToString(OfflineJournal.SignedBytes(e.Event)), ["signature"] = e.Signature,
        }).ToArray());
        var answer = await SendAsync(HttpMethod.Post, "/offline-events", body, cancellationToken);
        static List<string> Ids(JsonNode? list) => (list as JsonArray ?? []).Select(i => (string?)i).OfType<string>().ToList();
        var rejected = (answer["rejected"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(r => new RejectedOfflineEvent((string?)r["id"], r["index"] is JsonValue i && i.TryGetValue<int>(out var index) ? index : -1, (string?)r["reason"] ?? "unknown"))
            .ToList();
        return new OfflineUpload(Ids(answer["accepted"]), Ids(answer["duplicates"]), rejected);
    }

    public void Dispose() => http.Dispose();

    private DesktopException NotSupported(string what) => new(ExitCodes.Failure,
        $"{what} is not supported by this server yet ({orgUrl}): the Desktop MFA protocol has no endpoint for it; nothing was changed");

    private JsonObject Body(string? login)
    {
        var body = new JsonObject
        {
            ["computer"] = new JsonObject
            {
                ["id"] = Identity?.Invoke().Id, ["name"] = computer.Name, ["serialNumber"] = computer.SerialNumber, ["platform"] = computer.Platform,
            },
        };
        if (login is not null)
        {
            body["login"] = login;
        }

        return body;
    }

    private Uri Url(string path) => new(orgUrl, Prefix + path);

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var url = Url(path);
        if (body is not null)
        {
            // Unknown fields are left out rather than sent as null.
            foreach (var key in ((JsonObject)body["computer"]!).Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                ((JsonObject)body["computer"]!).Remove(key);
            }
        }

        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        string text;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(url, Cause(e), e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable(url, $"no answer within {http.Timeout.TotalSeconds:0} seconds", e);
        }

        using (response)
        {
            JsonObject? answer;
            try
            {
                answer = JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException)
            {
                answer = null;
            }

            if (answer is null)
            {
                throw new DesktopException(ExitCodes.Configuration,
                    $"configuration error in DMFAOrgURL: {url} did not answer as a Latchkey Desktop MFA server (HTTP {(int)response.StatusCode}, not JSON); check the profile's DMFAOrgURL ({orgUrl})");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw (string?)answer["error"] is { } reason ? Refusal(answer, reason)
                    : new DesktopException(ExitCodes.Failure, $"the server at {url} refused with HTTP {(int)response.StatusCode} and no reason");
            }

            return answer;
        }
    }

    private static DesktopException Refusal(JsonObject answer, string reason) => ServerRefusals.ToException(reason, (string?)answer["error_description"],
        (string?)answer["rule"], answer["retryAfterSeconds"] is JsonValue w && w.TryGetValue<long>(out var wait) ? wait : null, "the configuration profile");

    private DesktopException Malformed(string path, string what) =>
        new(ExitCodes.Failure, $"the server at {orgUrl} answered {Prefix}{path} in an unexpected shape ({what}); is DMFAOrgURL a Latchkey server?");

    private DesktopException Unreachable(Uri url, string cause, Exception inner) => new(ExitCodes.Unreachable,
        $"cannot reach the server at {url}: {cause}. Check the network and the profile's DMFAOrgURL ({orgUrl}); offline, use --offline with --method offline-code or security-key", inner);

    private static string Cause(HttpRequestException e)
    {
        const string tls = "the TLS handshake failed: the server's certificate is not trusted or does not match the host, or it does not speak https there";
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException handshake:
                    return $"{tls} ({handshake.Message})";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return "the host name does not resolve (DNS)";
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "the connection was refused (nothing listens there)";
                case SocketException socket:
                    return $"network error ({socket.SocketErrorCode}: {socket.Message})";
            }
        }

        return e.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => tls,
            HttpRequestError.NameResolutionError => "the host name does not resolve (DNS)",
            HttpRequestError.ConnectionError => $"the connection failed ({e.Message})",
            _ => e.Message,
        };
    }
}
