using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;

namespace Paxos.Bench;

/// <summary>
/// The gRPC channels of a run, <see cref="BenchSettings.ChannelCount"/> of them dealt round-robin over
/// the endpoints, and the per-worker clients on them (worker <c>i</c> uses channel <c>i mod count</c>).
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
                HttpHandler = new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    ConnectTimeout = settings.RequestTimeout,
                },
                MaxReceiveMessageSize = 2 * BenchSettings.MaxValueSize,
            });
            invokers[i] = channels[i].CreateCallInvoker();
        }
    }

    /// <summary>The endpoint that channel <paramref name="channel"/> talks to.</summary>
    public Uri EndpointOf(int channel) => settings.Endpoints[channel % settings.Endpoints.Count];

    /// <summary>A new client for worker <paramref name="worker"/>, on its channel.</summary>
    public IBenchClient CreateClient(int worker)
    {
        var invoker = invokers[worker % invokers.Length];
        return settings.Target switch
        {
            BenchTarget.Paxos => new PaxosBenchClient(invoker, data,
                string.Create(CultureInfo.InvariantCulture, $"bench-{Environment.ProcessId}-{DateTime.UtcNow.Ticks:x}-{worker}"),
                settings.Consistency is ReadConsistency.Serializable ? Transport.V1.ReadConsistency.Serializable : Transport.V1.ReadConsistency.Linearizable),
            BenchTarget.Etcd => new EtcdBenchClient(invoker, data, settings.Consistency is ReadConsistency.Serializable),
            _ => throw new ArgumentOutOfRangeException(nameof(worker), settings.Target, "unknown target"),
        };
    }

    public void Dispose()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
