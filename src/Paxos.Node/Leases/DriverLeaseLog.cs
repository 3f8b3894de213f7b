using Paxos.Node.Replication;

namespace Paxos.Node.Leases;

/// <summary>The node's <see cref="ReplicaDriver"/> as the <see cref="ILeaseLog"/> of its <see cref="LeaseKeeper"/>.</summary>
internal sealed class DriverLeaseLog(ReplicaDriver driver) : ILeaseLog
{
    public ReplicaStatus Status => driver.Status;

    public Task<ReplicaOutcome<ReplicationResult>> ReplicateAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken) =>
        driver.ReplicateAsync(command, cancellationToken);

    public Task<ReplicaOutcome<ulong>> ReadBarrierAsync(CancellationToken cancellationToken) => driver.ReadBarrierAsync(cancellationToken);
}
