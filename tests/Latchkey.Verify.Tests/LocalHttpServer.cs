using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Latchkey.Verify.Tests;

/// <summary>
/// A real HTTP listener on 127.0.0.1 (a free port) that answers each request with <paramref name="answer"/> and
/// records what it received; it stops when disposed. It stands for servers that are not a Latchkey org, or for the
/// documented refusals of one, until the lead's end-to-end tests run the client against the real server.
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<string, string, (int Status, string Body, Action<HttpListenerResponse>? Headers)> answer;

    public LocalHttpServer(Func<string, string, (int Status, string Body, Action<HttpListenerResponse>? Headers)> answer)
    {
        this.answer = answer;
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Each request as "METHOD path" and its body.</summary>
    public ConcurrentQueue<(string Request, string Body)> Received { get; } = new();

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose() => listener.Close();

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = $"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath}";
            Received.Enqueue((request, body));
            var (status, text, headers) = answer(request, body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            headers?.Invoke(context.Response);
            var bytes = Encoding.UTF8.GetBytes(text);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
