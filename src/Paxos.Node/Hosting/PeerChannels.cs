using Grpc.Net.Client;
using Paxos.Transport;

namespace Paxos.Node.Hosting;

/// <summary>gRPC channels to other nodes: HTTP/2 (cleartext for http:// URLs), quick to notice a dead peer.</summary>
public static class PeerChannels
{
    /// <param name="url">The node's address.</param>
    /// <param name="maxMessageBytes">The largest message sent or received (<see cref="NodeOptions.MaxMessageBytes"/>).</param>
    /// <param name="caller">Who calls, sent with every call (a node's channels to its peers); null for none.</param>
    public static GrpcChannel Create(Uri url, int maxMessageBytes = WireLimits.MaxMessageBytes, PeerHeaders? caller = null)
    {
        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(1),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        return GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = caller is null ? sockets : caller.Around(sockets),
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
        });
    }
}
