using Grpc.Net.Client;
using Paxos.Transport;

namespace Paxos.Node.Hosting;

/// <summary>gRPC channels to other nodes: HTTP/2 (cleartext for http:// URLs), quick to notice a dead peer.</summary>
public static class PeerChannels
{
    public static GrpcChannel Create(Uri url) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(1),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        },
        MaxReceiveMessageSize = WireLimits.MaxMessageBytes,
        MaxSendMessageSize = WireLimits.MaxMessageBytes,
    });
}
