using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Storage.Files;

namespace Paxos.Node.Replication;

/// <summary>What a <see cref="ReplicaNode"/> is made of besides its durable state (see <see cref="ReplicaNode.Open"/>).</summary>
public sealed class ReplicaNodeOptions
{
    /// <summary>The core's options: this node's number, the cluster's size, its clock and limits.</summary>
    public required ReplicaOptions Core { get; init; }

    /// <summary>
    /// The membership this node starts from when its data directory holds no snapshot: the founding
    /// one (the cluster file's nodes, numbered by position) for a node that founds a cluster, or
    /// <see cref="Paxos.Core.Replication.Membership.Unknown"/> for one that joins an existing cluster. Null:
    /// <see cref="Paxos.Core.Replication.Membership.OfSize"/> of <see cref="ReplicaOptions.ClusterSize"/>.
    /// Once the data directory has a snapshot (<see cref="ReplicaNode.Open"/> takes one at slot 0 on
    /// the first start), what it holds wins over this option.
    /// </summary>
    public Membership? Membership { get; init; }

    /// <summary>The directory of the replica's write-ahead log.</summary>
    public required string LogDirectory { get; init; }

    /// <summary>The file layer of the log (the real one by default; the simulator's disk in a seed).</summary>
    public IFileSystem FileSystem { get; init; } = PhysicalFileSystem.Instance;

    /// <summary>The application; restored from the latest snapshot by <see cref="ReplicaNode.Open"/>.</summary>
    public required IStateMachine StateMachine { get; init; }

    /// <summary>The election jitter.</summary>
    public required IRandomSource Random { get; init; }

    /// <summary>Take a snapshot (and compact the log) every this many applied slots.</summary>
    public required ulong SnapshotInterval { get; init; }

    /// <summary>How long one core tick lasts: forward deadlines are counted in ticks.</summary>
    public required TimeSpan Tick { get; init; }

    /// <summary>While leading, moves the leadership to the node the writes come in through; null to keep it where elections put it.</summary>
    public LeaderPlacement? Placement { get; init; }

    /// <summary>Where fsync times, leader changes, applied commands and snapshots are counted; null: nowhere.</summary>
    public NodeMetrics? Metrics { get; init; }

    /// <summary>The loggers of the node and its log store.</summary>
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The membership a node without a snapshot starts from (see <see cref="Membership"/>).</summary>
    internal Membership Founding => Membership ?? Membership.OfSize(Core.ClusterSize);

    /// <summary>The log's segment size in bytes; null: the write-ahead log's default. The simulator uses small ones, so that segments roll and are deleted.</summary>
    internal long? LogSegmentBytes { get; init; }

    /// <summary>Where the read tokens and forward ids of this run start counting (<see cref="RunUniqueIds"/>); random in a real node, seeded in the simulator.</summary>
    internal Func<RunUniqueIds> Ids { get; init; } = RunUniqueIds.StartRandom;

    /// <summary>Bugs planted by the simulator; <see cref="ReplicaTestHooks.None"/> otherwise.</summary>
    internal ReplicaTestHooks TestHooks { get; init; } = ReplicaTestHooks.None;
}
