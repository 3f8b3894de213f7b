using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Configuration;
using Paxos.Transport;

namespace Paxos.Node.Hosting;

/// <summary>How to run one node: its cluster, its id in it, and where it keeps its data.</summary>
public sealed record NodeOptions(ClusterConfig Cluster, string NodeId, string DataDirectory)
{
    /// <summary>How long a single-decree proposer waits for one round's replies before it retries.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether a node with an empty data directory joins an existing cluster (CONTRACT.md section 4,
    /// <c>--join</c>) instead of founding one: it waits until a member of the cluster file lists it in
    /// the membership, then starts with the number it was given and catches up. Ignored once the data
    /// directory has state.
    /// </summary>
    public bool Join { get; init; }

    /// <summary>One tick of the replicated log's clock: the leader's heartbeat interval.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Ticks without a leader's heartbeat before a follower stands for election (randomized up to
    /// twice this): 20 ticks of 50 ms, etcd's 1 s. At 10, a loaded 2-core machine carrying 1 MiB
    /// writes saw heartbeats late by that much and the leadership changed every few seconds.
    /// </summary>
    public int ElectionTicks { get; init; } = 20;

    /// <summary>
    /// Whether the leader hands its leadership to a follower that nearly all writes come in through
    /// (<see cref="Paxos.Core.Replication.LeaderPlacement"/>: at least 90% of at least 200 writes in
    /// a 2 s window), so that those writes skip the forwarding hops.
    /// </summary>
    public bool LeaderFollowsWrites { get; init; } = true;

    /// <summary>
    /// Whether a node whose election timer runs out first asks the others whether they lost the
    /// leader too (<see cref="Paxos.Core.Replication.ReplicaOptions.PreVote"/>), so that a node that
    /// alone lost touch with a healthy leader never deposes it.
    /// </summary>
    public bool PreVote { get; init; } = true;

    /// <summary>
    /// Whether the leader sends a new slot at once only to as many responsive followers as a quorum
    /// needs, and to the others with its next heartbeat (<see cref="Paxos.Core.Replication.ReplicaOptions.Thrifty"/>).
    /// </summary>
    public bool Thrifty { get; init; } = true;

    /// <summary>
    /// The port on which the node serves its Prometheus metrics at <c>/metrics</c> (HTTP/1.1, on all
    /// interfaces, as the node's own port); null: no metrics endpoint.
    /// </summary>
    public int? MetricsPort { get; init; }

    /// <summary>Take a snapshot of the state machine, and delete the log before it, every this many applied slots.</summary>
    public ulong SnapshotInterval { get; init; } = 10_000;

    /// <summary>
    /// The application replicated by the log. Null: the key-value store of the client API. A
    /// program that brings its own state machine gets the log through <see cref="PaxosNodeHost.Log"/>.
    /// </summary>
    public IStateMachine? StateMachine { get; init; }

    /// <summary>
    /// Connections, streams, client calls in progress and slow readers: what the server gives
    /// clients at most. By default the cluster file's <c>limits</c>, or the defaults of <see cref="ServerLimits"/>.
    /// </summary>
    public ServerLimits Limits { get; init; } = Cluster.Limits ?? new();

    /// <summary>Faults planted by the test-only host; <see cref="TestHooks.None"/> otherwise.</summary>
    internal TestHooks TestHooks { get; init; } = TestHooks.None;

    /// <summary>
    /// The largest gRPC message the node sends or receives, in bytes: the server's and the peer
    /// channels' limit, and what the outboxes pack deliveries up to. Every node of a cluster must
    /// use the same. <see cref="Validate"/> checks that the largest command fits (<see cref="MessageBudget"/>).
    /// </summary>
    public int MaxMessageBytes { get; init; } = WireLimits.MaxMessageBytes;

    /// <summary>
    /// The replicated log's options for node <paramref name="self"/>: the one place the core's
    /// limits are derived from the node's.
    /// </summary>
    internal ReplicaOptions ReplicaOptionsFor(int self) => new()
    {
        NodeId = self,
        ClusterSize = Cluster.Size,
        ElectionTicks = ElectionTicks,
        PreVote = PreVote,
        Thrifty = Thrifty,
        MaxBatchBytes = MessageBudget.MaxBatchBytes,
        MaxCommandBytes = MessageBudget.LargestCommandBytes,
        MaxMessageBytes = MaxMessageBytes,
    };

    /// <summary>
    /// Throws <see cref="ConfigException"/> naming the first setting that cannot work: a node id not
    /// in the cluster, a snapshot interval of zero, clock settings that are not positive or leave no
    /// room between heartbeat and election timeout, a metrics port that is no port or the node's own,
    /// or a maximum message size that cannot carry the largest command the client API accepts.
    /// </summary>
    public void Validate()
    {
        int self = Cluster.IndexOf(NodeId);
        if (SnapshotInterval == 0)
        {
            throw new ConfigException("the snapshot interval (--snapshot-interval) must be at least 1 slot");
        }
        if (Tick <= TimeSpan.Zero || RoundTimeout <= TimeSpan.Zero)
        {
            throw new ConfigException($"the tick ({Tick}) and the round timeout ({RoundTimeout}) must be positive");
        }
        if (ElectionTicks < 2)
        {
            throw new ConfigException($"the election timeout must be at least 2 ticks (one more than the heartbeat interval), not {ElectionTicks}");
        }
        int own = Cluster.Nodes[self].Port;
        if (MetricsPort is int port && (port is < 1 or > 65535 || port == own))
        {
            throw new ConfigException($"the metrics port (--metrics-port {port}) must be 1 to 65535 and not the node's own port ({own})");
        }
        if (MessageBudget.Problem(MaxMessageBytes, ReplicaOptionsFor(self).MaxBatchCommands) is { } problem)
        {
            throw new ConfigException(problem);
        }
    }
}
