using System.Net;
using System.Net.Sockets;

namespace Latchkey.Server.Hosting;

/// <summary>
/// Checks the addresses to listen on before anything is created: a malformed URL or a port another process holds
/// would otherwise fail only after a new org (and its secrets) had been written. The bind is tried and released at
/// once; a port taken between this check and the real bind is still reported, one line, by the command line.
/// </summary>
public static class ListenAddresses
{
    public static void Check(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException e)
            {
                throw new StartupException($"Urls '{url}' is not a URL to listen on ({e.Message}); e.g. --urls=http://127.0.0.1:8080", LatchkeyCommandLine.UsageError);
            }

            if (address.IsUnixPipe || address.Port is 0 || Endpoint(address.Host) is not { } ip)
            {
                continue; // a pipe, a free port chosen at start, or a host name resolved by Kestrel
            }

            if (address.Port is < 0 or > IPEndPoint.MaxPort)
            {
                throw new StartupException($"Urls '{url}': the port must be between 0 and {IPEndPoint.MaxPort}", LatchkeyCommandLine.UsageError);
            }

            using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(ip, address.Port));
            }
            catch (SocketException e)
            {
                throw new StartupException($"cannot listen on {url}: {e.Message} (choose another address with --urls=...)", LatchkeyCommandLine.UsageError);
            }
        }
    }

    private static IPAddress? Endpoint(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "+" => IPAddress.Any,
        _ when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
        _ => null,
    };
}
