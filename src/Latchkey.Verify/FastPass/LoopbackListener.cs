using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Verify.FastPass;

/// <summary>
/// The loopback channel of FastPass (okta-api.md §10.5): an HTTP listener on 127.0.0.1 (and <c>localhost</c>) at the
/// first free port of a list, serving <c>GET /probe</c> and <c>POST /challenge</c> (<c>{"challengeRequest": JWT}</c>) to
/// the sign-in page of an org this app is enrolled with, in a browser on the same computer. Cross-origin rules: a
/// request whose <c>Origin</c> is an enrolled org gets CORS headers (and, for Chrome's Private Network Access preflight,
/// <c>Access-Control-Allow-Private-Network: true</c>); any other origin is refused with 403 and no CORS headers, so
/// another site's page cannot even learn that the app runs. The challenge itself is checked by <see cref="FastPassDevice"/>.
/// </summary>
public sealed class LoopbackListener : IDisposable
{
    public static readonly IReadOnlyList<int> DefaultPorts = [6511, 6512, 6513];
    private const int MaxBody = 32 * 1024;

    private readonly HttpListener listener;
    private readonly FastPassDevice device;
    private readonly string? accountName;
    private readonly Action<string>? report;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task serving;

    private LoopbackListener(HttpListener listener, int port, FastPassDevice device, string? accountName, Action<string>? report)
    {
        this.listener = listener;
        this.device = device;
        this.accountName = accountName;
        this.report = report;
        Port = port;
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Starts on the first port of <paramref name="ports"/> that is free; refuses, naming them, when none is.</summary>
    public static LoopbackListener Start(FastPassDevice device, IReadOnlyList<int> ports, string? accountName = null, Action<string>? report = null)
    {
        foreach (var port in ports)
        {
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Prefixes.Add($"http://localhost:{port}/");
            try
            {
                listener.Start();
                return new LoopbackListener(listener, port, device, accountName, report);
            }
            catch (HttpListenerException)
            {
                listener.Close(); // taken: try the next one
            }
        }

        throw new VerifyException(ExitCodes.Failure, $"no loopback port is free for FastPass (tried {string.Join(", ", ports)}); stop what uses them or pass --loopback-port");
    }

    private async Task ServeAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var origin = request.Headers["Origin"];
            if (origin is not null && !device.EnrolledOrgs().Contains(origin, StringComparer.Ordinal))
            {
                await WriteAsync(response, 403, new JsonObject { ["error"] = "origin_not_allowed" });
                return;
            }

            if (origin is not null)
            {
                response.Headers["Access-Control-Allow-Origin"] = origin;
                response.Headers["Vary"] = "Origin";
            }

            var path = request.Url?.AbsolutePath;
            if (request.HttpMethod == "OPTIONS")
            {
                response.Headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS";
                response.Headers["Access-Control-Allow-Headers"] = request.Headers["Access-Control-Request-Headers"] ?? "content-type";
                response.Headers["Access-Control-Max-Age"] = "600";
                if (string.Equals(request.Headers["Access-Control-Request-Private-Network"], "true", StringComparison.OrdinalIgnoreCase))
                {
                    response.Headers["Access-Control-Allow-Private-Network"] = "true";
                }

                response.StatusCode = 204;
                response.Close();
                return;
            }

            if (request.HttpMethod == "GET" && path == "/probe")
            {
                await WriteAsync(response, 200, new JsonObject { ["status"] = "ok" });
                return;
            }

            if (request.HttpMethod == "POST" && path == "/challenge")
            {
                await ChallengeAsync(request, response);
                return;
            }

            await WriteAsync(response, 404, new JsonObject { ["error"] = "not_found" });
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The browser went away; nothing to answer.
        }
    }

    private async Task ChallengeAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        string? challenge;
        try
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var buffer = new char[MaxBody + 1];
            var read = await reader.ReadBlockAsync(buffer, stopping.Token);
            challenge = read > MaxBody ? null : (string?)(JsonNode.Parse(new string(buffer, 0, read))?["challengeRequest"] as JsonValue);
        }
        catch (JsonException)
        {
            challenge = null;
        }

        if (challenge is null)
        {
            await WriteAsync(response, 400, new JsonObject { ["error"] = "the body must be {\"challengeRequest\": \"<JWT>\"}" });
            return;
        }

        try
        {
            var answer = await device.AnswerAsync(challenge, accountName, stopping.Token);
            report?.Invoke($"FastPass: signed in {answer.Login ?? answer.UserId} at {answer.Org} (transaction {answer.TransactionId})");
            await WriteAsync(response, 200, new JsonObject { ["status"] = "SUCCESS" });
        }
        catch (VerifyException e)
        {
            report?.Invoke($"FastPass refused: {e.Message}");
            await WriteAsync(response, 400, new JsonObject { ["error"] = e.Message });
        }
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, JsonObject body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Already reported per request.
        }

        stopping.Dispose();
    }
}
