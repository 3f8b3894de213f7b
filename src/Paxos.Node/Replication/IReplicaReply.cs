namespace Paxos.Node.Replication;

/// <summary>
/// Where a <see cref="ReplicaNode"/> sends the one ending of a request (a command, a read barrier, a
/// membership change, a snapshot install): an answer (for the first three a <see cref="ReplicaOutcome{T}"/>,
/// refusals included) or, if the node stops or the request is bad, an error; later endings are
/// ignored. The driver completes a task (<see cref="TaskReply{T}"/>); the simulator answers its client
/// in the same step, so that a seed replays without the thread pool.
/// </summary>
public interface IReplicaReply<in T>
{
    /// <summary>True once the request ended (or its caller gave up): nothing waits for it any more.</summary>
    bool IsDone { get; }

    /// <summary>Ends the request with <paramref name="answer"/>.</summary>
    void Answer(T answer);

    /// <summary>Ends the request with the fault <paramref name="reason"/>.</summary>
    void Fail(Exception reason);
}
