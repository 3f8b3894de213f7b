using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests;

/// <summary>
/// The per-client shares of <see cref="ServerLimits"/> on a live node: a client is an IP address,
/// and the loopback network has many (127.0.0.2 is as local as 127.0.0.1), so one greedy client and
/// one other are two source addresses.
/// </summary>
public sealed class PerClientLimitsTests : IAsyncDisposable
{
    private static readonly IPAddress Greedy = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.3");

    private readonly EmbeddedCluster _cluster = new(1);
    private readonly List<IDisposable> _open = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var open in _open)
        {
            open.Dispose();
        }
        await _cluster.DisposeAsync();
    }

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(10);

    /// <summary>A channel to the node whose connections come from <paramref name="source"/>.</summary>
    private GrpcChannel ChannelFrom(IPAddress source)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var channel = GrpcChannel.ForAddress(_cluster.Config.Nodes[0].Url, new GrpcChannelOptions { HttpHandler = handler });
        _open.Add(channel);
        return channel;
    }

    private async Task<TcpClient> ConnectFrom(IPAddress source)
    {
        var socket = new TcpClient(new IPEndPoint(source, 0));
        _open.Add(socket);
        var url = _cluster.Config.Nodes[0].Url;
        await socket.ConnectAsync(url.Host, url.Port);
        return socket;
    }

    [Fact]
    public async Task A_client_with_its_share_of_connections_open_is_closed_and_other_clients_are_served()
    {
        await _cluster.StartAsync(0, options => options with { Limits = new ServerLimits { MaxConnectionsPerClient = 2 } });
        var sockets = new[] { await ConnectFrom(Greedy), await ConnectFrom(Greedy), await ConnectFrom(Greedy) };

        // The node takes connections up in any order (each goes through its middleware on its own),
        // so one of the three, not necessarily the last, is closed at once: it reads the end of the
        // stream, not silence. The other two stay open.
        var reads = sockets.Select(socket => socket.GetStream().ReadAsync(new byte[1]).AsTask()).ToArray();
        var closed = await Task.WhenAny(reads).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await closed);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, reads.Count(read => read.IsCompleted));
        var held = sockets.Where((_, i) => reads[i] != closed).ToArray();
        var refused = await Assert.ThrowsAsync<RpcException>(() => new KeyValueService.KeyValueServiceClient(ChannelFrom(Greedy)).GetLeaderAsync(new GetLeaderRequest(), deadline: Deadline).ResponseAsync);
        Assert.True(refused.StatusCode == StatusCode.Unavailable, $"{refused.Status}");
        Assert.True(await _cluster.MetricAsync(0, "paxos_client_connections_refused_total") >= 2, "the refusals are not counted");
        await new KeyValueService.KeyValueServiceClient(ChannelFrom(Other)).GetLeaderAsync(new GetLeaderRequest(), deadline: Deadline);

        foreach (var socket in held)
        {
            socket.Dispose();
        }
        await RetryAsync(() => new KeyValueService.KeyValueServiceClient(ChannelFrom(Greedy)).GetLeaderAsync(new GetLeaderRequest(), deadline: Deadline).ResponseAsync);
    }

    [Fact]
    public async Task A_client_with_its_share_of_streams_open_is_refused_another_and_other_clients_are_not()
    {
        await _cluster.StartAsync(0, options => options with { Limits = new ServerLimits { MaxClientStreamsPerClient = 2 } });
        await _cluster.PutAsync(0, "k", ByteString.CopyFromUtf8("v"), TimeSpan.FromSeconds(30)); // a leader, so that watches are served
        var greedy = new WatchService.WatchServiceClient(ChannelFrom(Greedy));
        for (int i = 0; i < 2; i++)
        {
            var watch = greedy.Watch(new WatchRequest { Key = "k" });
            _open.Add(watch);
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            Assert.True(watch.ResponseStream.Current.Created);
        }

        using var third = greedy.Watch(new WatchRequest { Key = "k" });
        var refused = await Assert.ThrowsAsync<RpcException>(() => third.ResponseStream.MoveNext(CancellationToken.None));

        Assert.True(refused.StatusCode == StatusCode.ResourceExhausted, $"{refused.Status}");
        Assert.Contains("client 127.0.0.2 is at its limit of 2 client streams open", refused.Status.Detail, StringComparison.Ordinal);
        using var other = new WatchService.WatchServiceClient(ChannelFrom(Other)).Watch(new WatchRequest { Key = "k" });
        Assert.True(await other.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(other.ResponseStream.Current.Created);
    }

    /// <summary>Retries UNAVAILABLE (a node just started has no leader yet; a channel just refused backs off) for 10 s.</summary>
    private static async Task RetryAsync(Func<Task> call)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await call();
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }
}
