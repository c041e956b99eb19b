using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Verify.Keys;

namespace Latchkey.Verify.Channel;

/// <summary>
/// The authenticator app's side of the app channel (docs/authenticator-app.md) over HTTP: IDX sign-in, enrollment,
/// the pending-push long poll and the signed answer. Every failure becomes a <see cref="VerifyException"/> whose
/// message says what happened and what to do (server unreachable, enrollment removed, clock skew, ...). The handler
/// and the clock are injectable, so tests drive it against an in-process server and a fake clock.
/// </summary>
public sealed class AppChannelClient : IDisposable
{
    /// <summary>The server refuses device tokens more than 5 minutes off its clock (docs section 3).</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private const string IdxMediaType = "application/ion+json; okta-version=1.0.0";

    private readonly HttpClient http;
    private readonly TimeProvider time;

    public AppChannelClient(string orgUrl, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        OrgUrl = NormalizeOrg(orgUrl);
        this.time = time ?? TimeProvider.System;
        http = handler is null ? new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }, disposeHandler: true)
                               : new HttpClient(handler, disposeHandler: false);
        http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>The org URL: scheme, host and port, no path or trailing slash (the <c>aud</c> of every token).</summary>
    public string OrgUrl { get; }

    /// <summary>The server's clock minus ours, from the <c>Date</c> header of the last answer (null before any).</summary>
    public TimeSpan? ClockOffset { get; private set; }

    /// <summary>An http(s) URL reduced to its origin; anything else is refused.</summary>
    public static string NormalizeOrg(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw new VerifyException(ExitCodes.Usage, $"--org must be the org's http(s) URL, e.g. http://127.0.0.1:8080 (got '{url}')");
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>Signs in through IDX (introspect, then identify with the password) and keeps the <c>sid</c> cookie.</summary>
    public async Task<SignedInUser> SignInAsync(string login, string password, CancellationToken cancellationToken)
    {
        var introspectUrl = $"{OrgUrl}/idp/idx/introspect";
        var (introspect, body) = await SendAsync(Idx(introspectUrl, new JsonObject()), RequestTimeout, cancellationToken);
        using (introspect)
        {
            if (introspect.StatusCode == HttpStatusCode.NotFound)
            {
                throw new VerifyException(ExitCodes.Failure, $"{OrgUrl} is not a Latchkey org: POST {introspectUrl} answered 404 Not Found; check --org");
            }

            CheckClock();
            var stateHandle = introspect.IsSuccessStatusCode ? (string?)ParseOrNull(body)?["stateHandle"] : null;
            if (stateHandle is null)
            {
                throw new VerifyException(ExitCodes.Failure, $"{OrgUrl} is not a Latchkey org: POST {introspectUrl} answered {Status(introspect)} without a sign-in transaction");
            }

            var identify = new JsonObject
            {
                ["identifier"] = login, ["credentials"] = new JsonObject { ["passcode"] = password }, ["stateHandle"] = stateHandle,
            };
            var (answer, answerBody) = await SendAsync(Idx($"{OrgUrl}/idp/idx/identify", identify), RequestTimeout, cancellationToken);
            using (answer)
            {
                return SignedIn(login, answer, answerBody);
            }
        }
    }

    /// <summary>Enrolls this device for the signed-in user (docs section 2), proving possession of <paramref name="proofKey"/>.</summary>
    public async Task<EnrollmentResult> EnrollAsync(SignedInUser user, DeviceDescription device, SoftwareKey proofKey, string clientInstanceId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var proof = DeviceBoundJws.Sign(proofKey, Claims(clientInstanceId, now, new JsonObject { ["sub"] = user.UserId }));
        var body = new JsonObject
        {
            ["key"] = "okta_verify",
            ["device"] = device.ToJson(clientInstanceId),
            ["keys"] = new JsonObject { ["proofOfPossession"] = proofKey.PublicJwk() },
            ["proof"] = proof,
        };
        var url = $"{OrgUrl}/idp/authenticators";
        using var request = Json(HttpMethod.Post, url, body);
        if (user.ActivationToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("OTDT", token);
        }
        else
        {
            request.Headers.Add("Cookie", user.SessionCookie);
        }

        var (response, text) = await SendAsync(request, RequestTimeout, cancellationToken);
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var parsed = ParseOrNull(text) ?? throw new VerifyException(ExitCodes.Failure, $"POST {url} answered {Status(response)} without JSON");
                return EnrollmentResult.Parse(parsed, proofKey);
            }

            throw response.StatusCode switch
            {
                HttpStatusCode.NotFound => new VerifyException(ExitCodes.Failure, $"{OrgUrl} has no authenticator-app channel: POST {url} answered 404 Not Found"),
                HttpStatusCode.Forbidden => new VerifyException(ExitCodes.EnrollmentRevoked,
                    $"the org refused this device: {Summary(text)}; it was suspended or deactivated by an admin, who can reactivate it"),
                HttpStatusCode.Unauthorized when user.ActivationToken is not null => new VerifyException(ExitCodes.SignInRefused,
                    $"the activation link was not accepted ({Summary(text)}): it works once, while its sign-in waits; start the set-up again for a new one"),
                HttpStatusCode.Unauthorized => new VerifyException(ExitCodes.SignInRefused, $"the enrollment was refused: the sign-in session was not accepted ({Summary(text)}); try again"),
                _ => new VerifyException(ExitCodes.Failure, $"the enrollment was refused ({Status(response)}): {Summary(text)}"),
            };
        }
    }

    /// <summary>The pushes waiting for this device, oldest first; waits up to <paramref name="waitSeconds"/> (0-30) for one to arrive.</summary>
    public async Task<IReadOnlyList<PendingPush>> PendingAsync(EnrolledDevice device, int waitSeconds, CancellationToken cancellationToken)
    {
        var wait = Math.Clamp(waitSeconds, 0, 30);
        var url = $"{device.PendingHref ?? $"{OrgUrl}/idp/authenticators/{Uri.EscapeDataString(device.EnrollmentId)}/pending"}?wait={wait}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        Authorize(request, device);
        var (response, text) = await SendAsync(request, TimeSpan.FromSeconds(wait) + RequestTimeout, cancellationToken);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new VerifyException(ExitCodes.Failure, $"{OrgUrl} has no pending-push endpoint for this enrollment: GET {url} answered 404 Not Found");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw DeviceRefusal(response, text);
            }

            var items = ParseOrNull(text) as JsonArray ?? throw new VerifyException(ExitCodes.Failure, $"GET {url} answered {Status(response)} without a JSON array");
            return items.Where(i => i is not null).Select(i => PendingPush.Parse(i!)).ToList();
        }
    }

    /// <summary>Answers <paramref name="push"/> (docs section 5) with a signed approval or denial; returns the server's <c>factorResult</c>.</summary>
    public async Task<string> AnswerAsync(EnrolledDevice device, PendingPush push, bool approve, int? number, CancellationToken cancellationToken)
    {
        var context = new JsonObject { ["userConsent"] = approve ? "APPROVED" : "DENIED" };
        if (number is { } n)
        {
            context["numberChallengeAnswer"] = n;
        }

        var claims = Claims(device.EnrollmentId, time.GetUtcNow(), new JsonObject
        {
            ["sub"] = device.UserId, ["tx"] = push.TransactionId, ["nonce"] = push.Nonce, ["methodEnrollmentId"] = push.FactorId,
            ["keyType"] = "proofOfPossession", ["challengeResponseContext"] = context,
        });
        var body = new JsonObject { ["method"] = push.Method, ["challengeResponse"] = DeviceBoundJws.Sign(device.Key, claims) };
        using var request = Json(HttpMethod.Post, push.VerificationUri, body);
        Authorize(request, device);
        var (response, text) = await SendAsync(request, RequestTimeout, cancellationToken);
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return (string?)ParseOrNull(text)?["factorResult"] ?? throw new VerifyException(ExitCodes.Failure, $"the answer was taken ({Status(response)}) but without a factorResult");
            }

            throw response.StatusCode switch
            {
                HttpStatusCode.Forbidden when text.Contains("E0000068", StringComparison.Ordinal) =>
                    new VerifyException(ExitCodes.Failure, "the number was wrong: the server rejected this sign-in (E0000068); sign in again to get a new push"),
                HttpStatusCode.Conflict => new VerifyException(ExitCodes.Failure, "this push was already answered"),
                HttpStatusCode.Gone => new VerifyException(ExitCodes.Failure, "this push expired before the answer reached the server; sign in again to get a new push"),
                HttpStatusCode.NotFound => new VerifyException(ExitCodes.Failure, $"the server knows no such push: POST {push.VerificationUri} answered 404 Not Found"),
                _ => DeviceRefusal(response, text),
            };
        }
    }

    /// <summary>The org's public signing keys (the JWKS at <c>/oauth2/v1/keys</c>, okta-api.md §10.1).</summary>
    public async Task<JsonArray> OrgKeysAsync(CancellationToken cancellationToken)
    {
        var url = $"{OrgUrl}/oauth2/v1/keys";
        var (response, text) = await SendAsync(new HttpRequestMessage(HttpMethod.Get, url), RequestTimeout, cancellationToken);
        using (response)
        {
            return response.IsSuccessStatusCode && ParseOrNull(text)?["keys"] is JsonArray keys ? keys
                : throw new VerifyException(ExitCodes.Failure, $"{OrgUrl} served no signing keys: GET {url} answered {Status(response)}");
        }
    }

    /// <summary>
    /// Answers a FastPass challenge (okta-api.md §10.5): POSTs <c>{"method":"signed_nonce","challengeResponse"}</c> to
    /// <paramref name="verificationUri"/>, the JWS of <paramref name="claims"/> (iss, aud, iat, exp added) by the device key.
    /// A refusal's IDX message becomes the exception's reason.
    /// </summary>
    public async Task AnswerChallengeAsync(EnrolledDevice device, string verificationUri, string audience, JsonObject claims, CancellationToken cancellationToken)
    {
        var signed = Claims(device.EnrollmentId, time.GetUtcNow(), claims);
        signed["aud"] = audience;
        var body = new JsonObject { ["method"] = "signed_nonce", ["challengeResponse"] = DeviceBoundJws.Sign(device.Key, signed) };
        var (response, text) = await SendAsync(Json(HttpMethod.Post, verificationUri, body), RequestTimeout, cancellationToken);
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var messages = ParseOrNull(text)?["messages"]?["value"]?.AsArray().Select(m => (string?)m?["message"]).OfType<string>().ToList() ?? [];
            var reason = messages.Count > 0 ? string.Join("; ", messages) : Summary(text);
            throw response.StatusCode switch
            {
                HttpStatusCode.Forbidden when text.Contains("device_", StringComparison.Ordinal) => new VerifyException(ExitCodes.EnrollmentRevoked, $"FastPass refused: {reason}"),
                HttpStatusCode.Unauthorized when text.Contains("clock_skew", StringComparison.Ordinal) => new VerifyException(ExitCodes.ClockSkew, $"FastPass refused: {reason}"),
                _ => new VerifyException(ExitCodes.SignInRefused, $"FastPass refused ({Status(response)}): {reason}"),
            };
        }
    }

    /// <summary>One IDX request (okta-api.md §10.4): the status, the JSON answer and the <c>sid</c> cookie it set, if any.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body, string? SessionCookie)> IdxAsync(string url, JsonObject body, CancellationToken cancellationToken)
    {
        var (response, text) = await SendAsync(Idx(url, body), RequestTimeout, cancellationToken);
        using (response)
        {
            var sid = response.Headers.TryGetValues("Set-Cookie", out var cookies)
                ? cookies.Select(c => c.Split(';')[0].Trim()).FirstOrDefault(c => c.StartsWith("sid=", StringComparison.Ordinal))
                : null;
            return (response.StatusCode, ParseOrNull(text) as JsonObject
                ?? throw new VerifyException(ExitCodes.Failure, $"{OrgUrl} is not a Latchkey org: POST {url} answered {Status(response)} without IDX JSON"), sid);
        }
    }

    /// <summary>
    /// A GET as a browser would send it with <paramref name="cookies"/> (<c>name=value; ...</c>), following no redirect:
    /// the status, the <c>Location</c>, the response's headers and the cookies it set (<c>name=value</c>), and the body.
    /// </summary>
    public async Task<PageAnswer> GetPageAsync(string url, string? cookies, string accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd(accept);
        if (!string.IsNullOrEmpty(cookies))
        {
            request.Headers.Add("Cookie", cookies);
        }

        var (response, text) = await SendAsync(request, RequestTimeout, cancellationToken);
        using (response)
        {
            var set = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(c => c.Split(';')[0].Trim()).ToList() : [];
            var headers = response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            var location = response.Headers.Location is { } l ? new Uri(new Uri(url), l).ToString() : null;
            return new PageAnswer(response.StatusCode, location, headers, set, text);
        }
    }

    public void Dispose() => http.Dispose();

    private SignedInUser SignedIn(string login, HttpResponseMessage answer, string body)
    {
        var json = ParseOrNull(body);
        var keys = json?["messages"]?["value"]?.AsArray().Select(m => (string?)m?["i18n"]?["key"]).OfType<string>().ToList() ?? [];
        if (answer.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var wait = answer.Headers.RetryAfter?.Delta is { } delta ? $" in {delta.TotalSeconds:0} s" : " later";
            throw new VerifyException(ExitCodes.SignInRefused, $"too many failed sign-ins from this address: {OrgUrl} asks to wait; try again{wait}");
        }

        if (answer.StatusCode == HttpStatusCode.Unauthorized && keys.Contains("errors.E0000004"))
        {
            throw new VerifyException(ExitCodes.SignInRefused,
                $"sign-in refused for {login}: Authentication failed (a wrong password, or the account is locked, suspended or not active)");
        }

        if (answer.StatusCode == HttpStatusCode.Unauthorized && keys.Contains("idx.session.expired"))
        {
            throw new VerifyException(ExitCodes.SignInRefused, "the sign-in transaction expired before the password was sent; try again");
        }

        if (!answer.IsSuccessStatusCode || json is null)
        {
            var messages = json?["messages"]?["value"]?.AsArray().Select(m => (string?)m?["message"]).OfType<string>() ?? [];
            throw new VerifyException(ExitCodes.SignInRefused, $"sign-in refused ({Status(answer)}): {string.Join("; ", messages.DefaultIfEmpty(body.Length > 200 ? body[..200] : body))}");
        }

        if (json["success"] is null || (string?)json["user"]?["value"]?["id"] is not { } userId)
        {
            var next = json["remediation"]?["value"]?.AsArray().Select(r => (string?)r?["name"]).OfType<string>().ToList() ?? [];
            throw new VerifyException(ExitCodes.SignInRefused, next.Contains("reenroll-authenticator")
                ? $"the password of {login} has expired: set a new one by signing in at {OrgUrl}/, then enroll again"
                : $"the org asks for more than a password to sign in ({string.Join(", ", next)}); enroll supports password sign-in only");
        }

        var sid = answer.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.Select(c => c.Split(';')[0].Trim()).FirstOrDefault(c => c.StartsWith("sid=", StringComparison.Ordinal))
            : null;
        return new SignedInUser(userId, login, sid ?? throw new VerifyException(ExitCodes.Failure, $"{OrgUrl} signed {login} in but set no sid session cookie"));
    }

    private VerifyException DeviceRefusal(HttpResponseMessage response, string text)
    {
        var status = response.StatusCode;
        if (text.Contains("enrollment_not_found", StringComparison.Ordinal))
        {
            return new VerifyException(ExitCodes.EnrollmentRevoked,
                $"this device's enrollment was removed from {OrgUrl} (enrollment_not_found): enroll again with `latchkey-verify enroll --org {OrgUrl} --user <login>`");
        }

        if (text.Contains("device_deactivated", StringComparison.Ordinal))
        {
            return new VerifyException(ExitCodes.EnrollmentRevoked,
                $"this device was deactivated in {OrgUrl} (device_deactivated), so its enrollment no longer works: an admin can reactivate it, or enroll again with `latchkey-verify enroll --org {OrgUrl} --user <login>`");
        }

        if (text.Contains("device_suspended", StringComparison.Ordinal))
        {
            return new VerifyException(ExitCodes.EnrollmentRevoked, $"this device is suspended in {OrgUrl} (device_suspended): an admin can unsuspend it");
        }

        if (text.Contains("clock_skew", StringComparison.Ordinal))
        {
            var offset = ClockOffset is { } o ? $" by {Math.Abs(o.TotalSeconds):0} seconds ({(o > TimeSpan.Zero ? "behind" : "ahead of")} the server)" : "";
            return new VerifyException(ExitCodes.ClockSkew,
                $"clock skew detected: {OrgUrl} refused the request because this computer's clock differs from the server's{offset}; set the clock (e.g. enable NTP) and try again");
        }

        if (text.Contains("invalid_signature", StringComparison.Ordinal))
        {
            return new VerifyException(ExitCodes.Failure, $"{OrgUrl} did not accept this device's signature (invalid_signature): the key in this home is not the enrollment's; enroll again");
        }

        return new VerifyException(ExitCodes.Failure, $"{OrgUrl} refused the request ({(int)status} {status}): {Summary(text)}");
    }

    private void CheckClock()
    {
        if (ClockOffset is { } offset && offset.Duration() > AllowedClockSkew)
        {
            throw new VerifyException(ExitCodes.ClockSkew,
                $"clock skew detected: this computer's clock is {Math.Abs(offset.TotalSeconds):0} seconds {(offset > TimeSpan.Zero ? "behind" : "ahead of")} {OrgUrl}'s " +
                $"(more than the {AllowedClockSkew.TotalSeconds:0} s the server accepts); set the clock (e.g. enable NTP) and try again");
        }
    }

    private JsonObject Claims(string issuer, DateTimeOffset now, JsonObject extra)
    {
        var claims = new JsonObject
        {
            ["iss"] = issuer, ["aud"] = OrgUrl, ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = (now + TokenLifetime).ToUnixTimeSeconds(),
            ["jti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
        };
        foreach (var (name, value) in extra.ToList())
        {
            extra.Remove(name);
            claims[name] = value;
        }

        return claims;
    }

    private void Authorize(HttpRequestMessage request, EnrolledDevice device) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("DeviceProof", DeviceBoundJws.Sign(device.Key, Claims(device.EnrollmentId, time.GetUtcNow(), [])));

    private async Task<(HttpResponseMessage Response, string Body)> SendAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var url = request.RequestUri!.GetLeftPart(UriPartial.Authority);
        try
        {
            var response = await http.SendAsync(request, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            if (response.Headers.Date is { } serverTime)
            {
                ClockOffset = serverTime - time.GetUtcNow();
            }

            return (response, body);
        }
        catch (HttpRequestException e)
        {
            throw new VerifyException(ExitCodes.Unreachable, $"cannot reach {url}: {Reason(e)}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VerifyException(ExitCodes.Unreachable, $"cannot reach {url}: no answer within {timeout.TotalSeconds:0} s", e);
        }
    }

    private static string Reason(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused (is the server running?)",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => "the host name was not found (DNS)",
        SocketException s => s.Message,
        _ => e.HttpRequestError == HttpRequestError.NameResolutionError ? "the host name was not found (DNS)" : e.Message,
    };

    private static HttpRequestMessage Idx(string url, JsonObject body)
    {
        var request = Json(HttpMethod.Post, url, body);
        request.Headers.Accept.ParseAdd(IdxMediaType);
        return request;
    }

    private static HttpRequestMessage Json(HttpMethod method, string url, JsonNode body)
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }

    private static JsonNode? ParseOrNull(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Summary(string text)
    {
        var json = ParseOrNull(text);
        var summary = (string?)json?["errorSummary"];
        var causes = json?["errorCauses"] is JsonArray array ? array.Select(c => (string?)c?["errorSummary"]).OfType<string>().ToList() : [];
        if (summary is null)
        {
            return text.Length > 200 ? text[..200] : text;
        }

        var code = (string?)json?["errorCode"];
        return $"{summary}{(causes.Count > 0 ? $" ({string.Join("; ", causes)})" : "")}{(code is null ? "" : $" [{code}]")}";
    }

    private static string Status(HttpResponseMessage response) => string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {response.ReasonPhrase}");
}

/// <summary>What a <see cref="AppChannelClient.GetPageAsync"/> answered.</summary>
public sealed record PageAnswer(HttpStatusCode Status, string? Location, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> SetCookies, string Body);
