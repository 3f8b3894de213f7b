using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;

namespace Paxos.Bench;

/// <summary>
/// The gRPC channels of a run, <see cref="BenchSettings.ChannelCount"/> of them dealt round-robin over
/// the endpoints (channel <c>c</c> talks to endpoint <c>c mod E</c>), and the per-worker clients on
/// them. With <see cref="BenchBalance.Client"/>, worker <c>w</c> uses channel <c>w mod count</c> for
/// every request; with <see cref="BenchBalance.Request"/>, it has one channel to every endpoint and
/// sends each request to the next endpoint in turn, starting at endpoint <c>w mod E</c>.
/// </summary>
internal sealed class BenchConnections : IDisposable
{
    private readonly BenchSettings settings;
    private readonly BenchDataset data;
    private readonly GrpcChannel[] channels;
    private readonly CallInvoker[] invokers;

    public BenchConnections(BenchSettings settings, BenchDataset data)
    {
        this.settings = settings;
        this.data = data;
        channels = new GrpcChannel[settings.ChannelCount];
        invokers = new CallInvoker[channels.Length];
        for (int i = 0; i < channels.Length; i++)
        {
            channels[i] = GrpcChannel.ForAddress(EndpointOf(i), new GrpcChannelOptions
            {
                HttpHandler = settings.Security.Apply(new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    ConnectTimeout = settings.RequestTimeout,
                }),
                MaxReceiveMessageSize = 2 * BenchSettings.MaxValueSize,
            });
            invokers[i] = channels[i].CreateCallInvoker();
        }
    }

    /// <summary>The endpoint that channel <paramref name="channel"/> talks to.</summary>
    public Uri EndpointOf(int channel) => settings.Endpoints[channel % settings.Endpoints.Count];

    /// <summary>A new client for worker <paramref name="worker"/>, on its channels.</summary>
    public IBenchClient CreateClient(int worker) =>
        Create(new BenchRoute(RouteOf(worker)), string.Create(CultureInfo.InvariantCulture, $"bench-{Environment.ProcessId}-{DateTime.UtcNow.Ticks:x}-{worker}"));

    /// <summary>A client that sends every request through channel <paramref name="channel"/> (to check that channel's endpoint).</summary>
    public IBenchClient CreateClientOn(int channel) =>
        Create(new BenchRoute([invokers[channel]]), string.Create(CultureInfo.InvariantCulture, $"bench-{Environment.ProcessId}-check-{channel}"));

    private IBenchClient Create(BenchRoute route, string clientId) => settings.Target switch
    {
        BenchTarget.Paxos => new PaxosBenchClient(route, data, clientId,
            settings.Consistency is ReadConsistency.Serializable ? Transport.V1.ReadConsistency.Serializable : Transport.V1.ReadConsistency.Linearizable),
        BenchTarget.Etcd => new EtcdBenchClient(route, data, settings.Consistency is ReadConsistency.Serializable),
        _ => throw new InvalidOperationException($"unknown target {settings.Target}"),
    };

    /// <summary>The channels worker <paramref name="worker"/> sends through, in the order it takes them.</summary>
    private CallInvoker[] RouteOf(int worker)
    {
        if (settings.Balance is BenchBalance.Client)
        {
            return [invokers[worker % invokers.Length]];
        }

        int endpoints = settings.Endpoints.Count;
        int perEndpoint = invokers.Length / endpoints;
        int lane = worker / endpoints % perEndpoint;
        return [.. Enumerable.Range(0, endpoints).Select(k => invokers[((worker + k) % endpoints) + (endpoints * lane)])];
    }

    public void Dispose()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
