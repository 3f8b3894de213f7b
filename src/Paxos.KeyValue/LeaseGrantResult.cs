namespace Paxos.KeyValue;

/// <summary>A lease was granted: its id (the grant's index) and time to live.</summary>
public sealed class LeaseGrantResult(ulong leaseId, long ttlMilliseconds) : KeyValueResult
{
    /// <summary>The new lease's id, which is also the index the grant was applied at.</summary>
    public ulong LeaseId { get; } = leaseId;

    /// <summary>The granted time to live (as asked).</summary>
    public long TtlMilliseconds { get; } = ttlMilliseconds;
}
