namespace Paxos.Core.Replication;

/// <summary>
/// A value accepted (or, in catch-up and committed entries, chosen) for a slot in a ballot. This is
/// the unit an acceptor persists: for every slot it keeps only the entry of the highest ballot it
/// accepted, and reports it in promises so a new leader re-proposes it.
/// </summary>
public readonly record struct LogEntry(ulong Slot, Ballot Ballot, SlotValue Value);
