namespace Paxos.Core.Replication;

/// <summary>Outcome of <see cref="ReplicaCore.Propose"/>.</summary>
public enum ProposeStatus
{
    /// <summary>Batched into <see cref="ProposeResult.Slot"/> at <see cref="ProposeResult.Position"/>; not yet chosen.</summary>
    Accepted,

    /// <summary>This node is not the leader; try <see cref="ProposeResult.LeaderHint"/> (-1 if unknown).</summary>
    NotLeader,

    /// <summary>
    /// Backpressure: the pipeline is full (<see cref="ReplicaOptions.PipelineDepth"/> slots, or the
    /// window's bytes, in flight), or the leader is handing its leadership over
    /// (<see cref="ReplicaCore.TransferLeadership"/>); retry after the next Ready.
    /// </summary>
    Busy,

    /// <summary>The command alone exceeds the maximum batch size.</summary>
    TooLarge,
}

/// <summary>
/// Result of proposing a client command. Being accepted into a slot is no promise: if leadership
/// changes before the slot is chosen, another value (for example a no-op) may be chosen there, so the
/// driver recognises its command when that slot is applied: by the slot, the position and the
/// <see cref="Origin"/> of the batch (<see cref="SlotValue.Origin"/>), never by its bytes.
/// </summary>
public readonly record struct ProposeResult(ProposeStatus Status, ulong Slot, int Position, int LeaderHint)
{
    /// <summary>For <see cref="ProposeStatus.Accepted"/>: the leader's ballot, the origin of the batch the command joined.</summary>
    public Ballot Origin { get; init; }
}

/// <summary>Outcome of <see cref="ReplicaCore.ReadIndex"/>.</summary>
public enum ReadIndexStatus
{
    /// <summary>Queued; a <see cref="ReadState"/> with the request id follows once leadership is confirmed.</summary>
    Accepted,

    /// <summary>This node is not the leader; try <see cref="ReadIndexResult.LeaderHint"/> (-1 if unknown).</summary>
    NotLeader,

    /// <summary>Too many reads are waiting; retry later.</summary>
    Busy,
}

/// <summary>Result of a read-index request.</summary>
public readonly record struct ReadIndexResult(ReadIndexStatus Status, int LeaderHint);
