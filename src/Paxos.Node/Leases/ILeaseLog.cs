using Paxos.Node.Replication;

namespace Paxos.Node.Leases;

/// <summary>What <see cref="LeaseKeeper"/> needs of the replicated log: <see cref="ReplicaDriver"/>'s public API (a fake in tests).</summary>
public interface ILeaseLog
{
    /// <inheritdoc cref="ReplicaDriver.Status"/>
    ReplicaStatus Status { get; }

    /// <inheritdoc cref="ReplicaDriver.ReplicateAsync"/>
    Task<ReplicaOutcome<ReplicationResult>> ReplicateAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken);

    /// <inheritdoc cref="ReplicaDriver.ReadBarrierAsync"/>
    Task<ReplicaOutcome<ulong>> ReadBarrierAsync(CancellationToken cancellationToken);
}
