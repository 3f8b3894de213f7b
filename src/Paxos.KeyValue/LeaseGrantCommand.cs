namespace Paxos.KeyValue;

/// <summary>
/// Creates a lease of <see cref="TtlMilliseconds"/>. Its id is the index the grant is applied at,
/// unique for ever; a grant beyond <see cref="KeyValueLimits.MaxLeases"/> is refused with
/// <see cref="ExhaustedResult"/>.
/// </summary>
public sealed class LeaseGrantCommand(long ttlMilliseconds, string clientId = "", ulong requestId = 0) : KeyValueCommand(clientId, requestId)
{
    /// <summary>The time to live, from <see cref="KeyValueLimits.MinLeaseTtlMilliseconds"/> to <see cref="KeyValueLimits.MaxLeaseTtlMilliseconds"/>.</summary>
    public long TtlMilliseconds { get; } = ttlMilliseconds;
}
