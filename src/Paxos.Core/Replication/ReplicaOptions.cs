namespace Paxos.Core.Replication;

/// <summary>
/// Static configuration of one replica. Every node of a cluster must use the same
/// <see cref="MaxInflightSlots"/>: the acceptor's window rule (accept a
/// slot only if it is at most <see cref="MaxInflightSlots"/> above the acceptor's commit index) is
/// what bounds the number of accepted-but-unchosen slots a promise has to report.
/// </summary>
public sealed record ReplicaOptions
{
    /// <summary>This node's number, 0..<see cref="Membership.MaxNumbers"/>-1 (in a founding membership, its position).</summary>
    public required int NodeId { get; init; }

    /// <summary>
    /// The founding membership's size, for a node whose recovered state names no membership
    /// (<see cref="DurableState.Membership"/> null): voters 0..N-1. Every later membership is chosen
    /// through the log.
    /// </summary>
    public int ClusterSize { get; init; }

    /// <summary>The leader sends heartbeats (and retransmits unacknowledged accepts) every this many ticks.</summary>
    public int HeartbeatTicks { get; init; } = 1;

    /// <summary>E: a follower that hears nothing from a leader for a random time in [E, 2E) ticks becomes a candidate.</summary>
    public int ElectionTicks { get; init; } = 10;

    /// <summary>
    /// Whether a node whose election timer runs out asks its peers first (<see cref="PreVote"/>) and
    /// runs phase 1 only if a quorum would join: a node that alone lost touch with a healthy leader
    /// then cannot depose it. On by default (as in etcd); off, the timer starts phase 1 at once.
    /// </summary>
    public bool PreVote { get; init; } = true;

    /// <summary>
    /// Whether the leader sends a new slot's Accept at once only to as many responsive followers as
    /// it needs for a quorum, and to the others once per heartbeat (<c>ReplicaCore.Thrifty.cs</c>). On by
    /// default; off, every follower is sent every Accept at once.
    /// </summary>
    public bool Thrifty { get; init; } = true;

    /// <summary>Pipelining window: at most this many slots above the commit index may be in flight.</summary>
    public int MaxInflightSlots { get; init; } = 64;

    /// <summary>
    /// How many of its slots a leader keeps in flight before it holds new commands back: a slot opens
    /// only while fewer than this many slots above the commit index are in flight. Commands that come
    /// meanwhile are refused as busy, which the node queues and proposes again after each round, so
    /// they share the next slot once one is chosen. A loaded leader thus proposes fewer, larger
    /// batches (one fsync, one Accept and one reply per follower for many commands), while a command
    /// that finds nothing in flight is proposed at once. Leader-only, so nodes may differ; at most
    /// <see cref="MaxInflightSlots"/>, the window every acceptor shares.
    /// </summary>
    public int PipelineDepth { get; init; } = DefaultPipelineDepth;

    /// <summary>The default of <see cref="PipelineDepth"/>.</summary>
    public const int DefaultPipelineDepth = 2;

    /// <summary>
    /// Pipelining window in bytes: a new slot opens only while the commands of the slots above the
    /// commit index (the open batch's included) stay within this many bytes, or when none is in
    /// flight (so the largest command always goes); at most this plus one batch
    /// (<see cref="MaxBatchBytes"/>) is in flight. Everything in flight is queued to the eager
    /// followers ahead of the next heartbeat, so this bounds how long a heartbeat can wait behind
    /// Accepts on a peer stream (raft's <c>MaxInflightBytes</c>): 64 slots of 2 MiB made heartbeats
    /// late by more than an election timeout.
    /// </summary>
    public long MaxInflightBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// The transport's largest message (gRPC's 4 MiB), the default of <see cref="MaxMessageBytes"/>:
    /// the one constant every message and batch bound derives from.
    /// </summary>
    public const int DefaultMaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Largest encoded message between replicas, delivery envelope included. Every message the core
    /// sends fits, by <see cref="WireSize"/>'s bounds: Accepts and CatchUps carry as many slots as fit,
    /// a Promise is split into parts, and <see cref="Validate"/> checks that the largest slot fits alone.
    /// </summary>
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>Largest single client command; a longer one is refused as too large.</summary>
    public int MaxCommandBytes { get; init; } = 1 << 20;

    /// <summary>
    /// A slot's batch takes another command only while its command bytes stay within this; a
    /// command that does not fit opens the next slot, where it may exceed this alone (up to
    /// <see cref="MaxCommandBytes"/>).
    /// </summary>
    public int MaxBatchBytes { get; init; } = 1 << 20;

    /// <summary>Maximum number of client commands batched into one slot.</summary>
    public int MaxBatchCommands { get; init; } = 1024;

    /// <summary>Maximum number of slots carried by one Accept or CatchUp message (fewer when their bytes would not fit in one message).</summary>
    public int MaxEntriesPerMessage { get; init; } = 64;

    /// <summary>Maximum number of committed entries handed to the driver in one <see cref="Ready"/>.</summary>
    public int MaxCommittedEntriesPerReady { get; init; } = 256;

    /// <summary>Maximum number of read-index requests waiting for confirmation.</summary>
    public int MaxPendingReads { get; init; } = 1024;

    /// <summary>Ticks before the same snapshot is offered again to a node that still asks for it.</summary>
    public int SnapshotRetryTicks { get; init; } = 100;

    /// <summary>
    /// Planted bug for the simulator only (tests/Paxos.Simulation, <c>--plant ignore-accepted</c>): a
    /// candidate ignores the accepted values its peers report in promises. Never set in production.
    /// </summary>
    internal bool PlantIgnoreAccepted { get; init; }

    /// <summary>
    /// Planted bug for the simulator only (tests/Paxos.Simulation, <c>--plant skip-recovery</c>): a new
    /// leader fills the slots it learned of in phase 1 with no-ops instead of re-proposing their
    /// values. Never set in production.
    /// </summary>
    internal bool PlantSkipRecovery { get; init; }

    /// <summary>
    /// Planted bug for the simulator only (tests/Paxos.Simulation, <c>--plant leave-stranded</c>): a
    /// leader leaves undecided the slots above its own that a follower reports accepted. Never set in
    /// production.
    /// </summary>
    internal bool PlantLeaveStranded { get; init; }

    /// <summary>
    /// Planted bug for the simulator only (<c>--plant stale-membership</c>): a candidate ignores that a
    /// promiser knows a newer chosen membership, and may run phase 1 in a membership it no longer has.
    /// Never set in production.
    /// </summary>
    internal bool PlantStaleMembership { get; init; }

    /// <summary>Bound on the encoded size of one slot's entry: a full batch, or one command of the largest size alone.</summary>
    internal long MaxSlotBytes => WireSize.EntryBound(MaxBatchCommands, Math.Max(MaxBatchBytes, MaxCommandBytes));

    /// <summary>The bytes of entries one message may carry: the message size less its fixed part.</summary>
    internal long EntryBudgetBytes => (long)MaxMessageBytes - WireSize.MessageOverheadBytes;

    internal void Validate()
    {
        Invariant.Check(ClusterSize is >= 0 and <= Membership.MaxNumbers, "a founding cluster has 0..32 nodes");
        Invariant.Check(NodeId is >= 0 and < Membership.MaxNumbers, "node number must be in 0..31");
        Invariant.Check(HeartbeatTicks >= 1, "heartbeat interval must be at least one tick");
        Invariant.Check(ElectionTicks > HeartbeatTicks, "election timeout must exceed the heartbeat interval");
        Invariant.Check(MaxInflightSlots >= 1, "window must allow at least one slot");
        Invariant.Check(PipelineDepth >= 1, "the pipeline must allow at least one slot");
        Invariant.Check(MaxInflightBytes >= 1, "window must allow at least one byte");
        Invariant.Check(MaxBatchBytes >= 1 && MaxBatchCommands >= 1, "a batch must hold at least one command");
        Invariant.Check(MaxCommandBytes >= 1, "a command of at least one byte must be allowed");
        Invariant.Check(MaxSlotBytes <= EntryBudgetBytes, "the largest slot (a full batch, or the largest command alone) must fit in one message");
        Invariant.Check(MaxEntriesPerMessage >= 1, "a message must carry at least one entry");
        Invariant.Check(MaxCommittedEntriesPerReady >= 1, "a ready must carry at least one committed entry");
        Invariant.Check(MaxPendingReads >= 1, "at least one read must be allowed to wait");
        Invariant.Check(SnapshotRetryTicks >= 1, "snapshot retry interval must be positive");
    }
}
