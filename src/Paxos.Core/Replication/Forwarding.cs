namespace Paxos.Core.Replication;

/// <summary>
/// A node that does not lead hands a client's command to the leader it knows, on the same peer
/// stream as the protocol's messages (raft's forwarded MsgProp). Not a step of Paxos: the driver
/// proposes it on the leader and sends back a <see cref="ForwardResult"/>; the core never sees it.
/// <paramref name="Id"/> is the sender's, unique among its forwards since it started.
/// </summary>
public sealed record ForwardProposal(int From, int To, ulong Id, ReadOnlyMemory<byte> Command) : ReplicaMessage(From, To);

/// <summary>What became of a forwarded command.</summary>
public enum ForwardStatus
{
    /// <summary>Chosen and applied: the result carries its slot, command index and the state machine's answer.</summary>
    Applied = 1,

    /// <summary>The receiver does not lead (the result names the leader it knows, or -1); the command was not proposed.</summary>
    NotLeader = 2,

    /// <summary>Leadership changed and another value was chosen in the command's slot; it was not applied.</summary>
    NotChosen = 3,

    /// <summary>Too many commands were waiting for the pipeline; the command was not proposed.</summary>
    Overloaded = 4,

    /// <summary>The command is larger than a slot's batch may be; it was not proposed.</summary>
    TooLarge = 5,

    /// <summary>The leader cannot tell whether the command was applied (it stopped, or a snapshot covered the slot).</summary>
    OutcomeUnknown = 6,
}

/// <summary>
/// The leader's answer to the <see cref="ForwardProposal"/> numbered <paramref name="Id"/>. For
/// <see cref="ForwardStatus.Applied"/>: the <paramref name="Slot"/> it was chosen in, its
/// <paramref name="CommandIndex"/> and the state machine's <paramref name="Result"/>.
/// <paramref name="LeaderHint"/> is the leader the sender knows (-1: none).
/// </summary>
public sealed record ForwardResult(int From, int To, ulong Id, ForwardStatus Status, ulong Slot, ulong CommandIndex, ReadOnlyMemory<byte> Result, int LeaderHint)
    : ReplicaMessage(From, To);
