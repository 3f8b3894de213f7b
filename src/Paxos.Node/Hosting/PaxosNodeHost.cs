using System.Text;
using Grpc.AspNetCore.Server.Model;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Node.Configuration;
using Paxos.Node.Leases;
using Paxos.Node.Replication;
using Paxos.Node.Security;
using Paxos.Node.Services;
using Paxos.Node.SingleDecree;
using Paxos.Storage.SingleDecree;
using Paxos.Storage.Snapshots;
using Paxos.Transport.SingleDecree;
using Paxos.Transport.V1;

namespace Paxos.Node.Hosting;

/// <summary>
/// A running Paxos node: its durable state, its gRPC server (PaxosService for peers,
/// KeyValueService, WatchService, LeaseService and ConsensusService for clients, on the one port of the cluster file) and its
/// clients to the other nodes. Start it with <see cref="StartAsync(NodeOptions, CancellationToken)"/>, stop it with <see cref="DisposeAsync"/>.
/// </summary>
public sealed partial class PaxosNodeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AcceptorLoop _acceptor;
    private readonly ReplicaDriver _replica;
    private readonly IReadOnlyList<GrpcChannel?> _channels;
    private readonly SingleDecreeEngine _engine;
    private readonly ILoggerFactory _nodeLoggers;
    private readonly LeaseKeeper? _leases;
    private readonly NodeDeparture _departure;
    private readonly CancellationTokenSource _checking;
    private readonly Task _taking;

    private PaxosNodeHost(WebApplication app, AcceptorLoop acceptor, ReplicaDriver replica, IReadOnlyList<GrpcChannel?> channels, SingleDecreeEngine engine, NodeIdentity identity,
        ClusterId clusterId, ILoggerFactory nodeLoggers, LeaseKeeper? leases, NodeDeparture departure, CancellationTokenSource checking, Task taking)
    {
        _departure = departure;
        _checking = checking;
        _taking = taking;
        _leases = leases;
        _app = app;
        _nodeLoggers = nodeLoggers;
        _acceptor = acceptor;
        _replica = replica;
        _channels = channels;
        _engine = engine;
        Identity = identity;
        ClusterId = clusterId;
    }

    /// <summary>This node's id and index, and every node's id.</summary>
    public NodeIdentity Identity { get; }

    /// <summary>The id of the cluster this node belongs to, kept in its data directory (<see cref="ClusterIdFile"/>).</summary>
    public ClusterId ClusterId { get; }

    /// <summary>Why this node stopped by itself because it must not take part (it lost the data of an earlier part in the cluster), or null.</summary>
    public string? RefusedBecause => _departure.Refusal;

    /// <summary>The replicated log (Multi-Paxos): replicate commands to the state machine, read-index barriers, status.</summary>
    public ReplicaDriver Log => _replica;

    /// <summary>A single-decree Paxos instance by id (1 to 100 UTF-8 bytes).</summary>
    public ConsensusInstance Instance(string id) => new(_engine, SingleDecreeWire.ParseInstanceId(id));

    /// <summary>
    /// Recovers the node's state from <see cref="NodeOptions.DataDirectory"/> (refusing to start on
    /// a corrupt file) and starts serving. Logs go to stdout, one line per event.
    /// </summary>
    public static async Task<PaxosNodeHost> StartAsync(NodeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // The loggers of what lives as long as the node (log store, driver, peer outboxes, snapshot sender): these are
        // made before the application exists, and they log until the driver has stopped, which is after the application
        // (and its logger factory) is disposed. So they have a factory of their own, disposed last, with the node.
        var nodeLoggers = LoggerFactory.Create(logging => AddNodeLogging(logging, options.NodeId));
        try
        {
            return await StartAsync(options, nodeLoggers, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            nodeLoggers.Dispose();
            throw;
        }
    }

    private static async Task<PaxosNodeHost> StartAsync(NodeOptions options, ILoggerFactory nodeLoggers, CancellationToken cancellationToken)
    {
        int position = options.Cluster.IndexOf(options.NodeId);
        var identity = new NodeIdentity(options.NodeId, position, [.. options.Cluster.Nodes.Select(n => n.Id)]);
        // The tls and auth files first: a node that cannot use them stops before it opens its data.
        var credentials = options.Cluster.Tls is { } tls ? NodeCredentials.Load(tls, options.NodeId, nodeLoggers.CreateLogger<NodeCredentials>()) : null;
        var metrics = new NodeMetrics();
        var tokens = options.Cluster.Auth is { } auth ? ClientTokenInterceptor.Load(auth, metrics, nodeLoggers.CreateLogger<ClientTokenInterceptor>()) : null;
        Func<SocketsHttpHandler, HttpMessageHandler>? Secure(string peerId) =>
            credentials is null ? null : handler => { credentials.UseForPeer(handler, peerId); return handler; };
        // What a new node asks the others with (a client call: a client token of the cluster's, if it has them).
        string? token = options.Cluster.Auth is { } clientAuth ? ClientTokens.First(await File.ReadAllTextAsync(clientAuth.Tokens, cancellationToken).ConfigureAwait(false)) : null;
        var start = await StartingPoint.FindAsync(options, Secure, token, nodeLoggers.CreateLogger<StartingPoint>(), cancellationToken).ConfigureAwait(false);
        var heard = PeersHeard.Load(options.DataDirectory);
        var clusterId = start.ClusterId;
        int self = start.Number;
        var members = new MemberDirectory(self, options.NodeId, start.Start);
        var caller = new PeerHeaders(clusterId, options.NodeId, self);
        // No configuration files and no file watching: a node's settings are its cluster file and its
        // command line, and the default watcher on the working directory (recursive) would wake on
        // every write of every data directory under it.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        AddNodeLogging(builder.Logging, options.NodeId);
        var connectionsPerClient = new ConnectionsPerClient(options.Limits.MaxConnectionsPerClient, metrics.ClientConnectionsRefused);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenAnyIP(options.Cluster.Nodes[position].Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(connectionsPerClient.Use);
                UseTls(listen, credentials);
            });
            if (options.MetricsPort is int metricsPort)
            {
                kestrel.ListenAnyIP(metricsPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1; // what Prometheus scrapes with
                    UseTls(listen, credentials);
                });
            }
            kestrel.Limits.MaxRequestBodySize = options.MaxMessageBytes;
            options.Limits.Apply(kestrel);
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.MaxMessageBytes;
            // A request that does not even parse (for example a string field that is not UTF-8)
            // fails before any handler runs; its status then says why instead of "Exception was thrown by handler".
            grpc.EnableDetailedErrors = true;
            grpc.Interceptors.Add<ClientCallLimiter>();
            if (tokens is not null)
            {
                grpc.Interceptors.Add<ClientTokenInterceptor>();
            }
        });
        builder.Services.AddSingleton(new ClientCallLimiter(options.Limits));
        builder.Services.AddSingleton<IServiceMethodProvider<KeyValueGrpcService>, KeyValueMethodProvider>();
        // Single-decree instances.
        var store = SingleDecreeStore.Open(Path.Combine(options.DataDirectory, "single-decree"));
        var acceptor = new AcceptorLoop(store);

        // Single-decree instances run among the cluster file's nodes.
        GrpcChannel Connect(string url, string peerId) => PeerChannels.Create(new Uri(url), options.MaxMessageBytes, Secure(peerId), caller);
        var channels = new GrpcChannel?[options.Cluster.Size];
        var acceptors = new IAcceptorPeer[options.Cluster.Size];
        for (int i = 0; i < acceptors.Length; i++)
        {
            if (i == position)
            {
                acceptors[i] = acceptor;
                continue;
            }
            channels[i] = Connect(options.Cluster.Nodes[i].Url.GetLeftPart(UriPartial.Authority), options.Cluster.Nodes[i].Id);
            acceptors[i] = new GrpcAcceptorPeer(new PaxosService.PaxosServiceClient(channels[i]));
        }

        // The replicated log and its state machine: restore the latest snapshot, then replay the log above it.
        var stateMachine = options.StateMachine ?? new KeyValueStateMachine();
        var snapshots = new ReplicaSnapshots(new SnapshotStore(Path.Combine(options.DataDirectory, "snapshots")));
        var departure = new NodeDeparture(nodeLoggers.CreateLogger<NodeDeparture>());
        // The replicated log's peers: the members of the applied membership, by number.
        var peerLinks = new PeerLinks(members, snapshots, member => Connect(member.Url, member.Name),
            // Half the shortest election timeout: what waited longer is resent by the protocol if it still matters.
            (peer, client) => new PeerOutbox(self, peer, client, nodeLoggers.CreateLogger<PeerOutbox>(), options.Tick * options.ElectionTicks / 2, options.MaxMessageBytes,
                removed: detail => departure.Leave($"node {options.NodeId} was removed from the cluster (node {members.NameOf(peer)} refused it: {detail})")),
            nodeLoggers.CreateLogger<SnapshotSender>());
        var replicaNode = ReplicaNode.Open(new ReplicaNodeOptions
        {
            Core = options.ReplicaOptionsFor(self),
            Membership = start.ReplicaStart,
            LogDirectory = Path.Combine(options.DataDirectory, "log"),
            StateMachine = stateMachine,
            Random = new SystemRandomSource(),
            SnapshotInterval = options.SnapshotInterval,
            Tick = options.Tick,
            Placement = Placement(options, self),
            Metrics = metrics,
            Loggers = nodeLoggers,
        }, snapshots, peerLinks);
        var replica = new ReplicaDriver(replicaNode, peerLinks, options.Tick, nodeLoggers.CreateLogger<ReplicaDriver>(), removed: departure.Leave);
        var recovered = replica.Status;
        metrics.Observe(() => replica.Status, () => peerLinks.Outboxes().Select(link => (members.NameOf(link.Node), link.Outbox)));
        var health = new NodeHealth(() => replica.Status, members.NameOf, options.Tick * options.ElectionTicks);
        bool keyValueService = stateMachine is KeyValueStateMachine;
        builder.Services.AddGrpcHealthChecks(grpc =>
            {
                // The node as a whole ("") and its client API serve exactly when the node is ready.
                grpc.Services.Clear();
                grpc.Services.Map("", check => check.Tags.Contains(NodeHealth.ReadyTag));
                if (keyValueService)
                {
                    grpc.Services.Map(KeyValueService.Descriptor.FullName, check => check.Tags.Contains(NodeHealth.ReadyTag));
                }
            })
            .AddCheck("live", health.CheckLive, [NodeHealth.LiveTag])
            .AddCheck("ready", health.CheckReady, [NodeHealth.ReadyTag]);

        builder.Services.AddSingleton(identity);
        if (tokens is not null)
        {
            builder.Services.AddSingleton(tokens);
        }
        builder.Services.AddSingleton(options.TestHooks);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(members);
        builder.Services.AddSingleton(heard);
        builder.Services.AddSingleton(provider => new MembershipGrpcService(replica, provider.GetRequiredService<LeaderDirectory>(), clusterId));
        builder.Services.AddSingleton(provider => new PeerGate(identity, members, clusterId, credentials is not null, metrics, provider.GetRequiredService<ILogger<PeerGate>>()));
        builder.Services.AddSingleton(acceptor);
        builder.Services.AddSingleton(replica);
        builder.Services.AddSingleton(snapshots);
        builder.Services.AddSingleton(new LeaderDirectory(members, replica, peerLinks));
        LeaseKeeper? leases = null;
        if (stateMachine is KeyValueStateMachine keyValue)
        {
            leases = new LeaseKeeper(new DriverLeaseLog(replica), keyValue, TimeProvider.System, nodeLoggers.CreateLogger<LeaseKeeper>());
            builder.Services.AddSingleton(keyValue);
            builder.Services.AddSingleton(leases);
            builder.Services.AddSingleton<KeyValueGrpcService>(); // also LeaseGrpcService's way into the log
        }
        builder.Services.AddSingleton(provider => new SingleDecreeEngine(
            position, acceptors, acceptor, options.TestHooks, provider.GetRequiredService<ILoggerFactory>().CreateLogger<SingleDecreeEngine>(), options.RoundTimeout));

        var app = builder.Build();
        app.UseMiddleware<ResponseWriteDeadline>(options.Limits, TimeProvider.System);
        app.MapGrpcService<PaxosGrpcService>();
        app.MapGrpcService<ConsensusGrpcService>();
        app.MapGrpcService<MembershipGrpcService>();
        if (keyValueService)
        {
            app.MapGrpcService<KeyValueGrpcService>();
            app.MapGrpcService<WatchGrpcService>();
            app.MapGrpcService<LeaseGrpcService>();
        }
        app.MapGrpcHealthChecksService();
        if (options.MetricsPort is int port)
        {
            app.MapMetrics("/metrics", metrics.Registry).RequireHost($"*:{port}");
            app.MapHealthChecks("/healthz", HealthEndpoint(NodeHealth.LiveTag)).RequireHost($"*:{port}");
            app.MapHealthChecks("/readyz", HealthEndpoint(NodeHealth.ReadyTag)).RequireHost($"*:{port}");
        }
        departure.Stopping.Register(app.Lifetime.StopApplication);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        leases?.Start();
        // The replica takes part at once, or, for a node founding from an empty data directory, once no other node has heard from it before.
        var checking = new CancellationTokenSource();
        var taking = start.MustCheck ? TakePartAfterCheckAsync() : Task.CompletedTask;
        if (!start.MustCheck)
        {
            replica.Start();
        }

        async Task TakePartAfterCheckAsync()
        {
            string? refusal;
            try
            {
                refusal = await FreshStartCheck.RunAsync(options, self, Secure, token, nodeLoggers.CreateLogger<StartingPoint>(), checking.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (checking.IsCancellationRequested)
            {
                return; // the node stopped first
            }
            if (refusal is not null)
            {
                departure.Refuse(refusal);
                return;
            }
            start.Store(options.DataDirectory);
            replica.Start();
        }

        var engine = app.Services.GetRequiredService<SingleDecreeEngine>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<PaxosNodeHost>();
        string dataDirectory = Path.GetFullPath(options.DataDirectory);
        LogStarted(logger, options.NodeId, self, options.Cluster.Nodes[position].Port, dataDirectory, store.Instances.Count, recovered.SnapshotIndex, recovered.CommitIndex, clusterId, replica.Membership);
        if (credentials is null)
        {
            LogNoTls(logger, options.Cluster.Nodes[position].Port, options.Cluster.Auth is null ? "" : "; the client tokens travel in the clear");
        }
        return new PaxosNodeHost(app, acceptor, replica, channels, engine, identity, clusterId, nodeLoggers, leases, departure, checking, taking);
    }

    /// <summary>With <paramref name="credentials"/>, the port speaks only TLS 1.2+ and demands a client certificate from the cluster's CA.</summary>
    private static void UseTls(ListenOptions listen, NodeCredentials? credentials)
    {
        if (credentials is not null)
        {
            listen.UseHttps(credentials.ServerOptions());
        }
    }

    /// <summary>One line per event on stdout, prefixed with the node's id; ASP.NET Core and gRPC only from warnings up.</summary>
    private static void AddNodeLogging(ILoggingBuilder logging, string nodeId)
    {
        logging.AddConsole(console => console.FormatterName = NodeLogFormatter.Name)
            .AddConsoleFormatter<NodeLogFormatter, NodeLogFormatterOptions>(format => format.NodeId = nodeId);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
    }

    /// <summary>An HTTP health endpoint of the checks tagged <paramref name="tag"/>: 200 "ok" or 503 and the reason, one line.</summary>
    private static HealthCheckOptions HealthEndpoint(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = NodeHealth.WriteOneLine,
    };

    /// <summary>Leader placement as <see cref="NodeOptions.LeaderFollowsWrites"/> describes it: 2 s windows, 200 writes, 90%.</summary>
    private static LeaderPlacement? Placement(NodeOptions options, int self) => options.LeaderFollowsWrites
        ? new LeaderPlacement(Membership.MaxNumbers, self, Math.Max(1, (int)Math.Ceiling(TimeSpan.FromSeconds(2) / options.Tick)), minCommands: 200, sharePercent: 90)
        : null;

    /// <summary>The membership a cluster founded from <paramref name="cluster"/> starts with: its nodes, numbered in file order, all voters.</summary>
    internal static Membership FoundingMembership(ClusterConfig cluster) =>
        Membership.Founding([.. cluster.Nodes.Select(node => (node.Id, node.Url.GetLeftPart(UriPartial.Authority)))]);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {NodeId} (number {Number}) listening on port {Port}; data in {DataDirectory}; recovered {Instances} single-decree instance(s), a snapshot at slot {Snapshot} and a log committed to slot {Commit}; cluster {ClusterId}, {Membership}")]
    private static partial void LogStarted(ILogger logger, string nodeId, int number, int port, string dataDirectory, int instances, ulong snapshot, ulong commit, ClusterId clusterId, Membership membership);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no tls in the cluster file: port {Port} listens on all interfaces in plain HTTP/2, so anyone who can reach it can read and write every key and speak to the node as a peer{Tokens}; see the tls block (CONTRACT.md section 5, 'paxos certs')")]
    private static partial void LogNoTls(ILogger logger, int port, string tokens);

    /// <summary>Completes when the host is asked to stop (SIGTERM, SIGINT).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the node gracefully: its server, its replica's loop (everything acknowledged is on disk already) and its peer channels.</summary>
    public async ValueTask DisposeAsync()
    {
        await _checking.CancelAsync().ConfigureAwait(false);
        await _taking.ConfigureAwait(false);
        _checking.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_leases is not null)
        {
            await _leases.DisposeAsync().ConfigureAwait(false);
        }
        await _replica.DisposeAsync().ConfigureAwait(false);
        await _acceptor.DisposeAsync().ConfigureAwait(false);
        foreach (var channel in _channels)
        {
            channel?.Dispose();
        }
        _departure.Dispose();
        _nodeLoggers.Dispose();
    }
}
