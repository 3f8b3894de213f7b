using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests;

/// <summary>
/// The limits against slow or greedy clients (<see cref="ServerLimits"/>): beyond them a client is
/// refused at once or cut off, and the node goes on serving others.
/// </summary>
public sealed class ServerLimitsTests : IAsyncDisposable
{
    private readonly EmbeddedCluster _cluster = new(3);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    /// <summary>The limiter is on every client call and on no peer call: at a limit of 0, clients are refused and the cluster's own traffic is not.</summary>
    [Fact]
    public async Task Client_calls_beyond_the_in_flight_limit_get_RESOURCE_EXHAUSTED_and_peer_calls_do_not()
    {
        await _cluster.StartAsync(0, options => options with { Limits = new ServerLimits { MaxClientCallsInFlight = 0 } });

        var refused = await Assert.ThrowsAsync<RpcException>(() => _cluster.KeyValue(0).GetLeaderAsync(new GetLeaderRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);

        Assert.True(refused.StatusCode == StatusCode.ResourceExhausted, $"{refused.Status}");
        Assert.Contains("limit of 0 client calls in progress", refused.Status.Detail, StringComparison.Ordinal);
        var peer = new PaxosService.PaxosServiceClient(_cluster.Channel(0, new PeerHeaders(_cluster.Id, "node-1")));
        await peer.LearnAsync(new LearnRequest { InstanceId = "i" }, deadline: DateTime.UtcNow.AddSeconds(5));
        await peer.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_and_freed_slots_serve_again()
    {
        await _cluster.StartAsync(0, options => options with { Limits = new ServerLimits { MaxConnections = 3 } });
        var url = _cluster.Config.Nodes[0].Url;
        var held = new List<TcpClient>();
        for (int i = 0; i < 3; i++)
        {
            var socket = new TcpClient();
            await socket.ConnectAsync(url.Host, url.Port);
            held.Add(socket);
        }
        await Task.Delay(500);

        var refused = await Assert.ThrowsAsync<RpcException>(() => _cluster.KeyValue(0).GetLeaderAsync(new GetLeaderRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);
        Assert.True(refused.StatusCode == StatusCode.Unavailable, $"{refused.Status}");

        foreach (var socket in held)
        {
            socket.Dispose();
        }
        await Task.Delay(500);
        await _cluster.KeyValue(0).GetLeaderAsync(new GetLeaderRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
    }
}
