namespace Paxos.KeyValue;

/// <summary>A put (alone or in a transaction's branch) named a lease that does not exist; nothing was changed.</summary>
public sealed class LeaseNotFoundResult(ulong leaseId) : KeyValueResult
{
    /// <summary>The lease named.</summary>
    public ulong LeaseId { get; } = leaseId;
}
