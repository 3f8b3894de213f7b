using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Client;

namespace Paxos.Bench;

/// <summary>
/// The connections of a run, <see cref="BenchSettings.ChannelCount"/> gRPC channels dealt
/// round-robin over the endpoints (channel <c>c</c> talks to endpoint <c>c mod E</c>), and the
/// per-worker clients on them.
/// <para>Paxos: one <see cref="PaxosClient"/> per lane of channels. With <see cref="BenchBalance.Client"/>,
/// a client of one endpoint per channel, worker <c>w</c> using client <c>w mod count</c> for every
/// request; with <see cref="BenchBalance.Request"/>, clients of every endpoint with
/// <see cref="EndpointSelection.RoundRobin"/> (each request to the next endpoint in turn, the leader
/// never learned); with <see cref="BenchBalance.Leader"/>, the same with
/// <see cref="EndpointSelection.Leader"/>. Worker <c>w</c> then uses client <c>(w / E) mod lanes</c>.</para>
/// <para>etcd: worker <c>w</c> uses channel <c>w mod count</c> (client balance) or one channel to
/// every endpoint, each request to the next one in turn, starting at endpoint <c>w mod E</c>.</para>
/// </summary>
internal sealed class BenchConnections : IAsyncDisposable
{
    private readonly BenchSettings settings;
    private readonly BenchDataset data;
    private readonly GrpcChannel[] channels;
    private readonly CallInvoker[] invokers;
    private readonly PaxosClient[] paxosClients;
    private readonly List<IAsyncDisposable> checkClients = [];
    private readonly List<IDisposable> workers = [];

    public BenchConnections(BenchSettings settings, BenchDataset data)
    {
        this.settings = settings;
        this.data = data;
        if (settings.Target is BenchTarget.Paxos)
        {
            channels = [];
            invokers = [];
            paxosClients = settings.Balance is BenchBalance.Client
                ? [.. Enumerable.Range(0, settings.ChannelCount).Select(c => Paxos([EndpointOf(c)], EndpointSelection.RoundRobin, $"bench-{Run}-{c}"))]
                : [.. Enumerable.Range(0, settings.ChannelCount / settings.Endpoints.Count).Select(lane => Paxos(settings.Endpoints,
                    settings.Balance is BenchBalance.Leader ? EndpointSelection.Leader : EndpointSelection.RoundRobin, $"bench-{Run}-{lane}"))];
            return;
        }
        paxosClients = [];
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

    /// <summary>Tells this run's client ids from another's.</summary>
    private static string Run { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{DateTime.UtcNow.Ticks:x}");

    /// <summary>The endpoint that channel <paramref name="channel"/> talks to.</summary>
    public Uri EndpointOf(int channel) => settings.Endpoints[channel % settings.Endpoints.Count];

    /// <summary>A new client for worker <paramref name="worker"/>, on its channels.</summary>
    public IBenchClient CreateClient(int worker)
    {
        if (settings.Target is BenchTarget.Paxos)
        {
            var client = settings.Balance is BenchBalance.Client
                ? paxosClients[worker % paxosClients.Length]
                : paxosClients[worker / settings.Endpoints.Count % paxosClients.Length];
            return new PaxosBenchClient(client, data, PaxosConsistency);
        }
        var etcd = new EtcdBenchClient(new BenchRoute(RouteOf(worker)), data, settings.Consistency is ReadConsistency.Serializable);
        workers.Add(etcd);
        return etcd;
    }

    /// <summary>A client that sends every request to the endpoint of channel <paramref name="channel"/> (to check that endpoint).</summary>
    public IBenchClient CreateClientOn(int channel)
    {
        if (settings.Target is BenchTarget.Paxos)
        {
            var client = Paxos([EndpointOf(channel)], EndpointSelection.RoundRobin, $"bench-{Run}-check-{channel}", failFast: true);
            lock (checkClients)
            {
                checkClients.Add(client);
            }
            return new PaxosBenchClient(client, data, PaxosConsistency);
        }
        return new EtcdBenchClient(new BenchRoute([invokers[channel]]), data, settings.Consistency is ReadConsistency.Serializable);
    }

    private Client.ReadConsistency PaxosConsistency =>
        settings.Consistency is ReadConsistency.Serializable ? Client.ReadConsistency.Serializable : Client.ReadConsistency.Linearizable;

    /// <summary>
    /// A client of <paramref name="endpoints"/>: one channel to each, every call within the request
    /// timeout (one attempt may take all of it); <paramref name="failFast"/>: a node that cannot be
    /// connected to fails the call at once.
    /// </summary>
    private PaxosClient Paxos(IReadOnlyList<Uri> endpoints, EndpointSelection selection, string clientId, bool failFast = false) => new(new PaxosClientOptions
    {
        FailFastWhenUnreachable = failFast,
        Endpoints = endpoints,
        EndpointSelection = selection,
        ClientId = clientId,
        Timeout = settings.RequestTimeout,
        AttemptTimeout = settings.RequestTimeout,
        ConnectTimeout = settings.RequestTimeout,
        CaCertificate = settings.CaCertificate,
        ClientCertificate = settings.ClientCertificate,
        Token = settings.Security.Token,
    });

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

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in workers)
        {
            worker.Dispose();
        }
        foreach (var client in paxosClients.Concat(checkClients))
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
