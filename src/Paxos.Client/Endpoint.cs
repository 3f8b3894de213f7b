using Grpc.Core;
using Paxos.Transport.V1;

namespace Paxos.Client;

/// <summary>One node: its URL and the one channel to it, opened on first use and shared by every call.</summary>
internal sealed class Endpoint(Uri url, Func<Uri, ChannelBase> connect) : IDisposable
{
    private readonly Lazy<(ChannelBase Channel, KeyValueService.KeyValueServiceClient Client, LeaseService.LeaseServiceClient Leases, WatchService.WatchServiceClient Watches,
        MembershipService.MembershipServiceClient Members, PaxosService.PaxosServiceClient Node)> _connection =
        new(() =>
        {
            var channel = connect(url);
            return (channel, new KeyValueService.KeyValueServiceClient(channel), new LeaseService.LeaseServiceClient(channel), new WatchService.WatchServiceClient(channel),
                new MembershipService.MembershipServiceClient(channel), new PaxosService.PaxosServiceClient(channel));
        }, LazyThreadSafetyMode.ExecutionAndPublication);

    public Uri Url { get; } = url;

    /// <summary>The URL's scheme, host and port, as the nodes name the leader.</summary>
    public string Authority { get; } = url.GetLeftPart(UriPartial.Authority);

    public KeyValueService.KeyValueServiceClient Client => _connection.Value.Client;

    public LeaseService.LeaseServiceClient Leases => _connection.Value.Leases;

    /// <summary>The node's WatchService.</summary>
    public WatchService.WatchServiceClient Watches => _connection.Value.Watches;

    /// <summary>The node's MembershipService.</summary>
    public MembershipService.MembershipServiceClient Members => _connection.Value.Members;

    /// <summary>The node's PaxosService, for its status.</summary>
    public PaxosService.PaxosServiceClient Node => _connection.Value.Node;

    /// <summary>Closes the channel if it was opened (a GrpcChannel is closed by Dispose; its ShutdownAsync does nothing).</summary>
    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.Channel is IDisposable channel)
        {
            channel.Dispose();
        }
    }
}
