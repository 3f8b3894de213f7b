namespace Paxos.Node.Replication;

/// <summary>
/// A command chosen and applied: the log <paramref name="Slot"/> it was chosen in, its
/// <paramref name="Index"/> (the position of the command in the log of all commands: one per
/// command, strictly growing, also when many commands share a slot), and the state machine's result.
/// </summary>
public sealed record ReplicationResult(ulong Slot, ulong Index, byte[] Result);

/// <summary>What a node reports about itself.</summary>
public sealed record ReplicaStatus(string Role, Paxos.Core.Ballot Ballot, int LeaderId, ulong CommitIndex, ulong AppliedIndex, ulong SnapshotIndex);
