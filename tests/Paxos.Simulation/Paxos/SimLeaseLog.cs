using Paxos.KeyValue;
using Paxos.Node.Leases;
using Paxos.Node.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The simulated node's <see cref="ReplicaNode"/> as the <see cref="ILeaseLog"/> of its production
/// <see cref="LeaseKeeper"/>, as <c>DriverLeaseLog</c> is a real node's driver: a proposal or read
/// barrier completes when the node answers, in the step where it does (a task completed inline, so
/// the keeper's continuation runs in that step too). Each expiry the keeper proposes is reported to
/// <paramref name="proposed"/>: the earliest time it can take effect.
/// </summary>
internal sealed class SimLeaseLog(ReplicaNode node, Action<LeaseExpireCommand> proposed) : ILeaseLog
{
    /// <inheritdoc/>
    public ReplicaStatus Status => node.Status(0);

    /// <inheritdoc/>
    public Task<ReplicaOutcome<ReplicationResult>> ReplicateAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        if (KeyValueCommandCodec.Decode(command.Span) is LeaseExpireCommand expire)
        {
            proposed(expire);
        }

        var done = new TaskCompletionSource<ReplicaOutcome<ReplicationResult>>();
        node.Propose(command, new SimReply<ReplicaOutcome<ReplicationResult>>(done.SetResult, done.SetException));
        return done.Task;
    }

    /// <inheritdoc/>
    public Task<ReplicaOutcome<ulong>> ReadBarrierAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<ReplicaOutcome<ulong>>();
        node.ReadBarrier(new SimReply<ReplicaOutcome<ulong>>(done.SetResult, done.SetException));
        return done.Task;
    }
}
