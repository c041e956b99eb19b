using System.Net;
using System.Net.Sockets;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// HTTP clients that connect from a chosen loopback address. The server trusts only the connection's own address
/// (never a forwarded header), so a test that needs two clients the server tells apart binds one of them to
/// 127.0.0.2 (or .3, ...): on Linux all of 127.0.0.0/8 is loopback, and the server listens on 127.0.0.1.
/// </summary>
public static class ClientAddresses
{
    public static HttpClient From(string localAddress, Uri baseAddress) => new(Handler(localAddress)) { BaseAddress = baseAddress };

    /// <summary>A handler whose connections come from <paramref name="localAddress"/>.</summary>
    public static SocketsHttpHandler Handler(string localAddress)
    {
        var local = IPAddress.Parse(localAddress);
        return new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    /// <summary>An API client for <paramref name="server"/> that connects from <paramref name="localAddress"/>.</summary>
    public static ApiClient Api(ServerFixture server, string localAddress, string token) =>
        new(From(localAddress, server.Api.BaseAddress), token);
}
