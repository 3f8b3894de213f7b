namespace Paxos.Node.Replication;

/// <summary>
/// A command chosen and applied: the log <paramref name="Slot"/> it was chosen in, its
/// <paramref name="Index"/> (the position of the command in the log of all commands: one per
/// command, strictly growing, also when many commands share a slot), and the state machine's result.
/// </summary>
public sealed record ReplicationResult(ulong Slot, ulong Index, byte[] Result);

/// <summary>
/// What a node reports about itself. <paramref name="LeaderCommitIndex"/>: the highest commit index
/// its leader told it of (its own on the leader); <paramref name="LeaderSilence"/>: how long since it
/// last heard from that leader, counted up to an election timeout (zero on the leader);
/// <paramref name="Taken"/>: when the replica's loop took this status (a
/// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), at least once a tick while it runs;
/// <paramref name="Membership"/>: the membership as of its applied index (immutable, so safe to read
/// from any thread); <paramref name="IsRemoved"/>: a membership it applied no longer holds it.
/// </summary>
public sealed record ReplicaStatus(string Role, Paxos.Core.Ballot Ballot, int LeaderId, ulong CommitIndex, ulong AppliedIndex, ulong SnapshotIndex,
    ulong LeaderCommitIndex, TimeSpan LeaderSilence, long Taken, Paxos.Core.Replication.Membership Membership, bool IsRemoved);
