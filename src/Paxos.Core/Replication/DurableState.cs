namespace Paxos.Core.Replication;

/// <summary>
/// The part of the acceptor/learner state that must survive a crash: the promised ballot (never
/// lower after a restart, or the node could break a promise) and the commit index (every slot up to
/// it is chosen). Carried by <see cref="Ready.HardState"/> when it changes.
/// </summary>
public readonly record struct HardState(Ballot Promised, ulong CommitIndex);

/// <summary>
/// Everything a replica recovers after a crash: the last persisted <see cref="HardState"/>, the
/// index of the application's latest snapshot and the membership chosen as of it (null: a founding
/// node's, <see cref="ReplicaOptions.ClusterSize"/> voters), and the persisted log entries above it
/// (each slot holding the last entry written for it). Everything else is forgotten, exactly as after a crash.
/// </summary>
public sealed record DurableState(HardState HardState, ulong SnapshotIndex, IReadOnlyList<LogEntry> Entries, Membership? Membership = null)
{
    /// <summary>The state of a node that has never run.</summary>
    public static DurableState Empty { get; } = new(new HardState(Ballot.Zero, 0), 0, []);
}
