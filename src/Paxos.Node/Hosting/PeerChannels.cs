using Grpc.Net.Client;
using Paxos.Transport;

namespace Paxos.Node.Hosting;

/// <summary>gRPC channels to other nodes: HTTP/2 (cleartext for http:// URLs), quick to notice a dead peer.</summary>
public static class PeerChannels
{
    /// <param name="url">The node's address.</param>
    /// <param name="maxMessageBytes">The largest message sent or received (<see cref="NodeOptions.MaxMessageBytes"/>).</param>
    /// <param name="secure">
    /// Sets up TLS on the connection handler (certificates, trust) and returns the handler the
    /// channel uses: it, or one wrapping it (to add a token to every call). Null: as the URL says, with the machine's trust.
    /// </param>
    /// <param name="caller">Who calls, sent with every call (a node's channels to its peers); null for none.</param>
    /// <param name="connectTimeout">How long a connection (its TLS handshake included) may take; null: 1 s, quick to notice a dead peer.</param>
    public static GrpcChannel Create(Uri url, int maxMessageBytes = WireLimits.MaxMessageBytes, Func<SocketsHttpHandler, HttpMessageHandler>? secure = null, PeerHeaders? caller = null,
        TimeSpan? connectTimeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(1),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        return GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = caller is null ? Secured(handler, secure) : caller.Around(Secured(handler, secure)),
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
        });
    }

    private static HttpMessageHandler Secured(SocketsHttpHandler handler, Func<SocketsHttpHandler, HttpMessageHandler>? secure) =>
        secure?.Invoke(handler) ?? handler;
}
